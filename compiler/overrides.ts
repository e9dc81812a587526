// Command-line overrides (`hgc run f.hgc lambda=0.5 train.steps=4000 views.aug.crop=0.5..1.0`).
// Each value is read by the language's own parser and written into the flattened experiment's
// statements before it is checked, so the checker, the IR and its hash see an override exactly as
// if it had been written in the file. Their spans point into a one-line pseudo-file holding the
// overrides as given, so a diagnostic about one shows it with a caret under the mistake.
import type { Arg, Call, DeclKind, Expr, Ident, Span, Stmt } from "./ast.js";
import { builtin } from "../language/builtins.js";
import { diag, didYouMean, type Diagnostic } from "./diagnostics.js";
import { parse } from "./parse.js";
import type { MergedExperiment, SymbolEntry } from "./resolve.js";

/** The pseudo-file the overrides' spans point into. */
export const OVERRIDE_FILE = "<command line>";

const DECL_KINDS: readonly DeclKind[] = ["dataset", "tokens", "views", "encoder", "head", "loss", "param"];

export interface Override {
  /** As given: `train.steps=4000`. */
  text: string;
  /** The path's segments, each with its span. */
  path: Ident[];
  value: Expr;
  span: Span;
}

/** True for a command-line word that is an override (`name=value`, `a.b=value`), not a file. */
export function isOverride(word: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*=/.test(word);
}

function span(offset: number, length: number): Span {
  return { file: OVERRIDE_FILE, start: { offset, line: 1, col: offset + 1 }, end: { offset: offset + length, line: 1, col: offset + length + 1 } };
}

/** Every span in `value` moved `delta` characters along line 1 (a value parsed out of place). */
function shift<T>(value: T, delta: number): T {
  const walk = (v: unknown): unknown => {
    if (typeof v !== "object" || v === null) return v;
    if (Array.isArray(v)) return v.map(walk);
    const o = v as Record<string, unknown>;
    if (typeof o.file === "string" && typeof (o.start as { offset?: unknown })?.offset === "number") {
      const s = o as unknown as Span;
      return span(s.start.offset + delta, s.end.offset - s.start.offset);
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x)]));
  };
  return walk(value) as T;
}

/**
 * The overrides read from their words: the one-line source they are shown from (the words joined
 * by spaces) and the mistakes in them (a value that does not parse, a path given twice).
 */
export function parseOverrides(words: readonly string[]): { overrides: Override[]; source: string; diagnostics: Diagnostic[] } {
  const overrides: Override[] = [];
  const diagnostics: Diagnostic[] = [];
  const source = words.join(" ");
  const seen = new Map<string, Override>();
  let at = 0;
  for (const text of words) {
    const eq = text.indexOf("=");
    const path: Ident[] = [];
    let o = at;
    for (const name of text.slice(0, eq).split(".")) {
      path.push({ kind: "Ident", name, span: span(o, name.length) });
      o += name.length + 1;
    }
    const valueText = text.slice(eq + 1);
    // The value is parsed where a param's value stands, then moved to where it is in `source`.
    const prefix = "experiment o { param v = ";
    const r = parse(`${prefix}${valueText}\n}`, OVERRIDE_FILE);
    const delta = at + eq + 1 - prefix.length;
    const decl = r.value.items[0]?.kind === "Experiment" ? r.value.items[0].body[0] : undefined;
    const errors = r.diagnostics.filter((d) => d.severity === "error");
    const whole = span(at, text.length);
    if (!valueText.trim()) {
      diagnostics.push(diag("HGC001", "error", whole, `\`${text}\` gives no value`, `write a value after \`=\`, e.g. \`${text}0.5\``));
    } else if (errors.length || decl?.kind !== "Decl") {
      const d = errors[0];
      diagnostics.push(
        d ? { ...shift(d, delta), message: `the value of \`${text.slice(0, eq)}\`: ${d.message}` } : diag("HGC001", "error", whole, `cannot read the value of \`${text}\``, "write it as in a .hgc file: `0.5`, `0.5..1.0`, `[64, 32]`, `'\"test\"'`"),
      );
    } else {
      const ov: Override = { text, path, value: shift(decl.value, delta), span: whole };
      const key = path.map((p) => p.name).join(".");
      const prev = seen.get(key);
      if (prev) diagnostics.push(diag("HGC011", "error", whole, `\`${key}\` is overridden twice`, "give each path once", [{ message: "first given here", span: prev.span }]));
      else (seen.set(key, ov), overrides.push(ov));
    }
    at += text.length + 1;
  }
  return { overrides, source, diagnostics };
}

/** What a path denotes in one experiment: a statement's value, or an argument of its call. */
type Target = { kind: "value"; stmt: Stmt & { value: Expr } } | { kind: "arg"; stmt: Stmt; call: Call; arg: Ident };

/** The call a statement holds (`train(…)`, `optimizer = adamw(…)`, `encoder enc = transformer(…)`). */
function callOf(s: Stmt): Call | undefined {
  if (s.kind === "Train") return s.call;
  if ((s.kind === "Decl" || s.kind === "Assign") && s.value.kind === "Call") return s.value;
  return undefined;
}

function resolveTarget(m: MergedExperiment, path: Ident[]): Target | null {
  const names = path.map((p) => p.name);
  let segs = path;
  // `views.aug.crop`: a declaration's kind may lead its name (and must, for `dataset.train.limit`)
  const kindLed = names.length >= 3 && DECL_KINDS.includes(names[0] as DeclKind) && m.symbols.get(names[1]!)?.kind === names[0];
  if (kindLed) segs = path.slice(1);
  const stmts = m.stmts.map((s) => s.stmt);
  if (segs.length === 1) {
    const name = segs[0]!.name;
    const sym: SymbolEntry | undefined = m.symbols.get(name);
    if (sym?.kind === "param") return { kind: "value", stmt: sym.decl };
    const assign = stmts.find((s) => s.kind === "Assign" && s.name.name === name);
    if (assign?.kind === "Assign") return { kind: "value", stmt: assign };
    return null;
  }
  // `evaluate.knn.k` or `knn.k`: a protocol of the evaluate block
  const evaluate = stmts.find((s) => s.kind === "Evaluate");
  const protoPath = segs[0]!.name === "evaluate" ? segs.slice(1) : segs;
  if (segs.length === 2 || protoPath.length === 2) {
    const [item, arg] = segs.length === 2 ? [segs[0]!.name, segs[1]!] : [protoPath[0]!.name, protoPath[1]!];
    const decl = m.symbols.get(item)?.decl;
    const trainStmt = item === "train" && !kindLed ? stmts.find((s) => s.kind === "Train") : undefined;
    // `train.limit` of a dataset named `train`: the argument decides which `train` is meant
    const useDecl = decl && (!trainStmt || (!knows("train", arg.name) && decl.value.kind === "Call" && knows(decl.value.callee.name, arg.name)));
    const owner = useDecl ? decl : trainStmt ?? decl ?? stmts.find((s) => s.kind === "Assign" && s.name.name === item);
    const call = owner && segs.length === 2 ? callOf(owner) : undefined;
    if (owner && call) return { kind: "arg", stmt: owner, call, arg };
    if (evaluate?.kind === "Evaluate" && protoPath.length === 2) {
      const matches = evaluate.protocols.filter((p) => p.callee.name === protoPath[0]!.name);
      if (matches.length === 1) return { kind: "arg", stmt: evaluate, call: matches[0]!, arg: protoPath[1]! };
    }
  }
  return null;
}

function knows(callee: string, arg: string): boolean {
  return builtin(callee)?.args.some((a) => a.name === arg) ?? false;
}

/** A copy of `call` with argument `arg` set to `value` (replaced where written, else added). */
function withArg(call: Call, arg: Ident, value: Expr, at: Span): Call {
  const args = call.args.some((a) => a.name.name === arg.name)
    ? call.args.map((a) => (a.name.name === arg.name ? { ...a, value } : a))
    : [...call.args, { kind: "Arg", name: arg, value, span: at } satisfies Arg];
  return { ...call, args };
}

/** A copy of statement `s` with call `call` replaced by `next` (the statement's own, or an evaluate protocol). */
function replaceCall(s: Stmt, call: Call, next: Call): Stmt {
  if (s.kind === "Train") return { ...s, call: next };
  if (s.kind === "Evaluate") return { ...s, protocols: s.protocols.map((p) => (p === call ? next : p)) };
  return { ...s, value: next };
}

/**
 * The experiment with the overrides written into its statements. An override whose path names
 * nothing in this experiment is returned in `missed` (the caller reports it when no experiment
 * of the program has it).
 */
export function applyOverrides(m: MergedExperiment, overrides: readonly Override[]): { merged: MergedExperiment; missed: Override[] } {
  const missed: Override[] = [];
  const replaced = new Map<Stmt, Stmt>();
  const current = (s: Stmt) => replaced.get(s) ?? s;
  for (const ov of overrides) {
    const t = resolveTarget(m, ov.path);
    if (!t) {
      missed.push(ov);
      continue;
    }
    if (t.kind === "value") {
      replaced.set(t.stmt, { ...(current(t.stmt) as typeof t.stmt), value: ov.value } as Stmt);
    } else {
      const now = current(t.stmt);
      // the call as already overridden (two args of one call)
      const call = now === t.stmt ? t.call : now.kind === "Evaluate" ? now.protocols[(t.stmt as typeof now).protocols.indexOf(t.call)]! : callOf(now)!;
      replaced.set(t.stmt, replaceCall(now, call, withArg(call, t.arg, ov.value, ov.span)));
    }
  }
  if (!replaced.size) return { merged: m, missed };
  const stmts = m.stmts.map((s) => (replaced.has(s.stmt) ? { ...s, stmt: replaced.get(s.stmt)!, inherited: false } : s));
  const symbols = new Map(m.symbols);
  for (const [name, sym] of m.symbols) {
    const next = replaced.get(sym.decl);
    if (next?.kind === "Decl") symbols.set(name, { ...sym, decl: next, inherited: false });
  }
  return { merged: { ...m, stmts, symbols }, missed };
}

/** An override that names nothing in any experiment it was applied to: the nearest path as a suggestion. */
export function unknownPath(ov: Override, paths: readonly string[]): Diagnostic {
  const key = ov.path.map((p) => p.name).join(".");
  const near = didYouMean(key, paths)[0];
  const pathSpan: Span = { ...ov.path[0]!.span, end: ov.path[ov.path.length - 1]!.span.end };
  return diag("HGC010", "error", pathSpan, `\`${key}\` names nothing that can be set`, near ? `did you mean \`${near}\`? (\`hgc compile FILE --paths\` lists them)` : "`hgc compile FILE --paths` lists what can be set");
}

/** Every path an override may set in an experiment, with its value (as written, or the default). */
export function settablePaths(m: MergedExperiment): { path: string; value: string; written: boolean }[] {
  const out: { path: string; value: string; written: boolean }[] = [];
  const text = exprText;
  const callPaths = (prefix: string, call: Call) => {
    for (const a of call.args) out.push({ path: `${prefix}.${a.name.name}`, value: text(a.value), written: true });
    for (const a of builtin(call.callee.name)?.args ?? []) {
      if (!call.args.some((x) => x.name.name === a.name)) out.push({ path: `${prefix}.${a.name}`, value: a.defaultText ?? "", written: false });
    }
  };
  for (const { stmt: s } of m.stmts) {
    if (s.kind === "Decl" && s.declKind === "param") out.push({ path: s.name.name, value: text(s.value), written: true });
    else if (s.kind === "Decl" && s.value.kind === "Call") callPaths(s.name.name === "train" || s.name.name === "evaluate" ? `${s.declKind}.${s.name.name}` : s.name.name, s.value);
    else if (s.kind === "Assign" && s.value.kind === "Call") callPaths(s.name.name, s.value);
    else if (s.kind === "Assign") out.push({ path: s.name.name, value: text(s.value), written: true });
    else if (s.kind === "Train") callPaths("train", s.call);
    else if (s.kind === "Evaluate") for (const p of s.protocols) callPaths(`evaluate.${p.callee.name}`, p);
  }
  return out;
}

/** An expression as source text (numbers as written). */
export function exprText(e: Expr): string {
  switch (e.kind) {
    case "Number":
      return e.raw;
    case "String":
      return e.raw;
    case "Bool":
      return String(e.value);
    case "Size":
      return e.raw;
    case "Range":
      return `${e.from.raw}..${e.to.raw}${(e as { scale?: string }).scale ? ` ${(e as { scale?: string }).scale}` : ""}`;
    case "List":
      return `[${e.items.map(exprText).join(", ")}]`;
    case "Name":
      return e.name;
    case "Member":
      return `${exprText(e.object)}.${e.property.name}${e.arg ? `(${exprText(e.arg)})` : ""}`;
    case "Call":
      return `${e.callee.name}(${[...(e.positional ? [exprText(e.positional)] : []), ...e.args.map((a) => `${a.name.name}: ${exprText(a.value)}`)].join(", ")})`;
    case "Binary":
      return `${exprText(e.left)} ${e.op} ${exprText(e.right)}`;
    case "Unary":
      return `-${exprText(e.operand)}`;
    case "Directed":
      return `${e.direction} ${exprText(e.target)}`;
  }
}
