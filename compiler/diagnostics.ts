// Diagnostics are data. Every pass returns `{ value, diagnostics }`; `hgc check`, `hgc run` and
// the language server all render the same objects.
import type { Span } from "./ast.js";

export type Severity = "error" | "warning" | "info";

export interface Diagnostic {
  /** Stable code, e.g. "HGC012"; explained in docs/hints/HGC012.md. */
  code: string;
  severity: Severity;
  /** Short, plain sentence naming the thing ("unknown name `prj`"). */
  message: string;
  span: Span;
  /** Further context, each optionally pointing at another place. */
  notes: { message: string; span?: Span }[];
  /** One concrete next step ("did you mean `proj`?"), with an optional machine-applicable edit. */
  suggestion?: { message: string; replacement?: { span: Span; text: string } };
}

export interface Result<T> {
  value: T;
  diagnostics: Diagnostic[];
}
