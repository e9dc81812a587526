// Diagnostics are data. Every pass returns `{ value, diagnostics }`; `hgc check`, `hgc run` and
// the language server all render the same objects.
import type { Span } from "./ast.js";
import { allows, type Code, type Severity } from "./codes.js";

export type { Code, Severity } from "./codes.js";

/** A diagnostic's machine-readable data: what a quick fix is built from. */
export interface DiagnosticData {
  /** Words that would replace the diagnostic's span (a "did you mean"), nearest first. */
  replace?: string[];
}

/** A hint: the next step in words, and the words that would replace the span, if that is the step. */
export interface Hint {
  message: string;
  replace?: string[];
}

export interface Diagnostic {
  /** Stable code, e.g. "HGC012", defined in codes.ts; explained in docs/hints/HGC012.md. */
  code: Code;
  severity: Severity;
  /** Short, plain sentence naming the thing ("unknown name `prj`"). */
  message: string;
  span: Span;
  /** Further context, each optionally pointing at another place. */
  notes: { message: string; span?: Span }[];
  /** One concrete next step ("did you mean `proj`?"), with an optional machine-applicable edit. */
  suggestion?: { message: string; replacement?: { span: Span; text: string } };
  data?: DiagnosticData;
}

export interface Result<T> {
  value: T;
  diagnostics: Diagnostic[];
}

// ---------------------------------------------------------------------------------------------
// Constructors

/** A diagnostic; `hint` becomes the suggestion, and the words it would put in place of the span its data. */
export function diag(
  code: Code,
  severity: Severity,
  span: Span,
  message: string,
  hint?: string | Hint,
  notes: { message: string; span?: Span }[] = [],
): Diagnostic {
  if (!allows(code, severity)) throw new Error(`internal error: ${code} is never reported as ${severity} (compiler/codes.ts)`);
  const d: Diagnostic = { code, severity, message, span, notes };
  if (typeof hint === "string") {
    if (hint) d.suggestion = { message: hint };
  } else if (hint) {
    d.suggestion = { message: hint.message };
    if (hint.replace?.length) d.data = { replace: [...hint.replace] };
  }
  return d;
}

export function hasErrors(list: readonly Diagnostic[]): boolean {
  return list.some((d) => d.severity === "error");
}

/** Orders by file, position, then code; drops exact duplicates (an inherited statement is checked once per experiment). */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of list) {
    const key = `${d.span.file}\0${d.span.start.offset}\0${d.span.end.offset}\0${d.code}\0${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out.sort(
    (a, b) =>
      (a.span.file < b.span.file ? -1 : a.span.file > b.span.file ? 1 : 0) ||
      a.span.start.offset - b.span.start.offset ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}

// ---------------------------------------------------------------------------------------------
// "Did you mean"

/** Levenshtein distance, with an early exit once every entry of a row exceeds `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  // Optimal string alignment: insertions, deletions, substitutions and swaps of neighbours.
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur.push(v);
      if (v < best) best = v;
    }
    if (best > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The candidates close to `name` by edit distance, nearest first (at most three): a third of the
 * name's length, at least 1 and at most 3 edits; a case-only difference always counts.
 */
export function didYouMean(name: string, candidates: Iterable<string>): string[] {
  const max = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  const scored: { c: string; d: number }[] = [];
  for (const c of new Set(candidates)) {
    if (c === name) continue;
    const d = c.toLowerCase() === name.toLowerCase() ? 0.5 : editDistance(name, c, max);
    if (d <= max) scored.push({ c, d });
    else if (name.length >= 4 && (c.startsWith(name) || name.startsWith(c)) && c.length >= 3) scored.push({ c, d: max + 0.5 });
  }
  scored.sort((x, y) => x.d - y.d || (x.c < y.c ? -1 : 1));
  return scored.slice(0, 3).map((s) => s.c);
}

/** "did you mean `proj`?" / "did you mean `proj` or `prior`?", the names carried as data for a quick fix. */
export function suggestNames(names: readonly string[]): Hint {
  const quoted = names.map((n) => `\`${n}\``);
  return { message: `did you mean ${quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}`}?`, replace: [...names] };
}

/** The nearest candidates to `name` as a "did you mean" hint, or undefined when nothing is close. */
export function didYouMeanHint(name: string, candidates: Iterable<string>): Hint | undefined {
  const near = didYouMean(name, candidates);
  return near.length === 0 ? undefined : suggestNames(near);
}

// ---------------------------------------------------------------------------------------------
// Rendering

export interface RenderOptions {
  /** ANSI colours (the CLI passes true on a terminal unless NO_COLOR is set). */
  color?: boolean;
  /** Paths are shown relative to this folder; defaults to the process's cwd. */
  cwd?: string;
}

const ansi = (open: number, close: number) => (on: boolean, s: string) => (on ? `\u001b[${open}m${s}\u001b[${close}m` : s);
const red = ansi(31, 39);
const yellow = ansi(33, 39);
const cyan = ansi(36, 39);
const bold = ansi(1, 22);
const dim = ansi(2, 22);

/** `path` relative to `cwd` when it lies below it, else as given; pseudo-paths (`<stdin>`) unchanged. */
export function displayPath(path: string, cwd: string = process.cwd()): string {
  if (!path.startsWith("/")) return path;
  const base = cwd.endsWith("/") ? cwd : `${cwd}/`;
  return path.startsWith(base) ? path.slice(base.length) : path;
}

/** The 1-based line `line` of `text`, without its line break. */
function lineOf(text: string, line: number): string | undefined {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf("\n", start);
    if (nl < 0) return undefined;
    start = nl + 1;
  }
  let end = text.indexOf("\n", start);
  if (end < 0) end = text.length;
  return text.slice(start, end).replace(/\r$/, "");
}

/** Tabs become single spaces so the caret lines up whatever the terminal's tab width. */
function untab(s: string): string {
  return s.replace(/\t/g, " ");
}

/** The source line of `span` with carets under it (for a multi-line span, to the end of its first line). */
function excerpt(span: Span, text: string | undefined, color: boolean, severity: Severity): string[] {
  if (text === undefined) return [];
  const src = lineOf(text, span.start.line);
  if (src === undefined) return [];
  const shown = untab(src.length > 200 ? src.slice(0, 200) : src);
  const gutter = String(span.start.line);
  const pad = " ".repeat(gutter.length);
  const from = Math.min(Math.max(span.start.col - 1, 0), shown.length);
  const endCol = span.end.line === span.start.line ? span.end.col - 1 : src.length;
  const width = Math.max(1, Math.min(endCol, shown.length) - from);
  const paint = severity === "error" ? red : severity === "warning" ? yellow : cyan;
  return [
    `${dim(color, `${gutter} |`)} ${shown}`,
    `${dim(color, `${pad} |`)} ${" ".repeat(from)}${paint(color, "^".repeat(width))}`,
  ];
}

/**
 * One diagnostic as text:
 *
 *     examples/bad.hgc:12:21: error[HGC010]: unknown name `prj`
 *     12 |   loss con = ntxent(prj, views: aug)
 *        |                     ^^^
 *       note: …
 *       hint: did you mean `proj`?
 */
export function renderDiagnostic(d: Diagnostic, sourceText: string | undefined, opts: RenderOptions = {}): string {
  const color = opts.color === true;
  const where = `${displayPath(d.span.file, opts.cwd)}:${d.span.start.line}:${d.span.start.col}`;
  const label = d.severity === "error" ? red(color, bold(color, "error")) : d.severity === "warning" ? yellow(color, bold(color, "warning")) : cyan(color, "info");
  const lines = [`${bold(color, where)}: ${label}[${d.code}]: ${bold(color, d.message)}`];
  lines.push(...excerpt(d.span, sourceText, color, d.severity));
  for (const n of d.notes) {
    const at = n.span && (n.span.file !== d.span.file || n.span.start.line !== d.span.start.line)
      ? ` (${displayPath(n.span.file, opts.cwd)}:${n.span.start.line}:${n.span.start.col})`
      : "";
    lines.push(`  ${dim(color, "note:")} ${n.message}${at}`);
  }
  if (d.suggestion) lines.push(`  ${cyan(color, "hint:")} ${d.suggestion.message}`);
  return lines.join("\n");
}

/** Every diagnostic, each followed by a blank line, then a one-line count ("2 errors, 1 warning"). */
export function renderDiagnostics(list: readonly Diagnostic[], sources: ReadonlyMap<string, string>, opts: RenderOptions = {}): string {
  if (list.length === 0) return "";
  const blocks = list.map((d) => renderDiagnostic(d, sources.get(d.span.file), opts));
  return `${blocks.join("\n\n")}\n\n${summarize(list)}\n`;
}

/** "2 errors and 1 warning" */
export function summarize(list: readonly Diagnostic[]): string {
  const errors = list.filter((d) => d.severity === "error").length;
  const warnings = list.filter((d) => d.severity === "warning").length;
  const part = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  if (errors && warnings) return `${part(errors, "error")} and ${part(warnings, "warning")}`;
  if (errors) return part(errors, "error");
  if (warnings) return part(warnings, "warning");
  const notes = list.filter((d) => d.severity === "info").length;
  return notes ? `no problems, ${part(notes, "note")}` : "no problems";
}

/** The machine-readable form printed by `hgc check --json`: positions 1-based, paths as given. */
export function diagnosticToJSON(d: Diagnostic): Record<string, unknown> {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    file: d.span.file,
    line: d.span.start.line,
    col: d.span.start.col,
    endLine: d.span.end.line,
    endCol: d.span.end.col,
    notes: d.notes.map((n) => (n.span ? { message: n.message, file: n.span.file, line: n.span.start.line, col: n.span.start.col } : { message: n.message })),
    ...(d.suggestion ? { hint: d.suggestion.message } : {}),
  };
}
