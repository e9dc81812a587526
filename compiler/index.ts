// The compiler as a library: what `hgc check`, `hgc compile`, `hgc run`, `hgc sweep` and the
// language server call. Text → workspace (imports, extends) → checked experiments and sweeps →
// IR validated against ir.schema.json. Nothing here throws on a user's program; only reading the
// root file and loading an IR file throw, as UserErrors.
import { readFileSync, statSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import type { Span } from "./ast.js";
import {
  checkExperiment,
  checkSweep,
  type ExperimentCheck,
  type IRBody,
  type ItemInfo,
  type Reference,
  type SweepCheck,
} from "./check/index.js";
import { diag, hasErrors, sortDiagnostics, type Diagnostic, type Result } from "./diagnostics.js";
import { UserError } from "../common/errors.js";
import { CheckCache } from "./check-cache.js";
import type { IRExperiment, IRSweep } from "./ir.js";
import { lowerExperiment, lowerSweep } from "./lower.js";
import { applyOverrides, OVERRIDE_FILE, parseOverrides, settablePaths, unknownPath, type Override } from "./overrides.js";
import { loadWorkspace, mergeExperiments, readSourceFile, type LoadOptions, type MergedExperiment, type Workspace } from "./resolve.js";
import schema from "./ir.schema.json" with { type: "json" };

export type { Diagnostic, Result } from "./diagnostics.js";
export { renderDiagnostic, renderDiagnostics, didYouMean, summarize, diagnosticToJSON } from "./diagnostics.js";
export type { ExperimentCheck, ItemInfo, Reference, SweepCheck } from "./check/index.js";
export type { IRExperiment, IRSweep, IRTrial } from "./ir.js";
export { hashIR, canonicalJSON, trialId } from "./lower.js";
export { isOverride } from "./overrides.js";

export interface CheckOptions extends LoadOptions {
  /** Command-line overrides (`lambda=0.5`, `train.steps=4000`), written into every experiment that has the path before it is checked. */
  overrides?: readonly string[];
  /** False: a run beyond the hard size limits is a warning (HGC047), not an error. */
  limits?: boolean;
}

export interface CheckResult {
  /** The file checked (absolute, or a pseudo-path such as `<stdin>`). */
  file: string;
  /** Every problem in the file and its imports, sorted by file and position. */
  diagnostics: Diagnostic[];
  /** Path → text of every file read, for rendering. */
  sources: Map<string, string>;
  workspace: Workspace;
  /** Every experiment that could be checked, by name (an experiment whose `extends` is broken is not). */
  experiments: Map<string, ExperimentCheck>;
  sweeps: Map<string, SweepCheck>;
  /** Every experiment flattened through `extends` (also those that could not be checked). */
  merged: Map<string, MergedExperiment>;
  /** Every resolved use of a name, for go-to-definition and hover. */
  references: Reference[];
  /** The command-line overrides the program was checked with, as given. */
  overrides: readonly string[];
}

/** Check a program given as text (imports are read from disk, relative to `file`). */
export function checkSource(text: string, file: string, opts: CheckOptions = {}): CheckResult {
  const ws = loadWorkspace(file, text, opts);
  const diagnostics: Diagnostic[] = [...ws.diagnostics];
  const references: Reference[] = [];
  for (const imp of ws.imports) {
    if (ws.files.has(imp.path)) references.push({ span: imp.item.path.span, name: imp.item.path.value, kind: "file", definition: fileStart(imp.path) });
  }
  const { experiments: merged, diagnostics: mergeDiags } = mergeExperiments(ws);
  diagnostics.push(...mergeDiags);
  if (opts.overrides?.length) diagnostics.push(...overrideExperiments(ws, merged, opts.overrides));

  const broken = brokenExtends(ws);
  const experiments = new Map<string, ExperimentCheck>();
  const checks = new CheckCache(file);
  for (const [name, m] of merged) {
    const item = m.item;
    if (item.extends && ws.experiments.has(item.extends.name)) {
      references.push({ span: item.extends.span, name: item.extends.name, kind: "experiment", definition: ws.experiments.get(item.extends.name)!.name.span });
    }
    if (broken.has(name)) continue;
    const { check, diagnostics: d, references: refs } = checks.check(ws, m, opts.limits === false ? { limits: false } : {});
    experiments.set(name, check);
    diagnostics.push(...d);
    references.push(...refs);
  }
  checks.commit();
  const sweeps = new Map<string, SweepCheck>();
  for (const [name, item] of ws.sweeps) {
    const { check, diagnostics: d } = checkSweep(ws, item, merged, experiments, references);
    sweeps.set(name, check);
    diagnostics.push(...d);
  }
  return { file, diagnostics: sortDiagnostics(withoutEchoes(diagnostics, ws.sources)), sources: ws.sources, workspace: ws, experiments, sweeps, merged, references, overrides: opts.overrides ?? [] };
}

/**
 * Writes the overrides into every experiment that has their path (as editing the file would);
 * an override no experiment has is an error with the nearest path.
 */
function overrideExperiments(ws: Workspace, merged: Map<string, MergedExperiment>, words: readonly string[]): Diagnostic[] {
  const { overrides, source, diagnostics } = parseOverrides(words);
  ws.sources.set(OVERRIDE_FILE, source);
  const hits = new Map<Override, number>(overrides.map((o) => [o, 0]));
  for (const [name, m] of merged) {
    const r = applyOverrides(m, overrides);
    merged.set(name, r.merged);
    for (const o of overrides) if (!r.missed.includes(o)) hits.set(o, hits.get(o)! + 1);
  }
  const paths = [...new Set([...merged.values()].flatMap((m) => settablePaths(m).map((p) => p.path)))];
  for (const [o, n] of hits) if (n === 0) diagnostics.push(unknownPath(o, paths));
  return diagnostics;
}

/** Syntax errors are HGC001–HGC009. */
function isSyntax(d: Diagnostic): boolean {
  return /^HGC00\d$/.test(d.code);
}

/**
 * Drops what only echoes a syntax error: a check at the very place of one (an unterminated string
 * read as a value), "missing statement" in a file whose statements did not all parse, and "unknown
 * name" for a name the file does declare in text (in a statement the parser had to drop).
 */
function withoutEchoes(list: Diagnostic[], sources: ReadonlyMap<string, string>): Diagnostic[] {
  const syntax = list.filter(isSyntax);
  if (syntax.length === 0) return list;
  const at = new Set(syntax.map((d) => `${d.span.file}\0${d.span.start.offset}`));
  const files = new Set(syntax.map((d) => d.span.file));
  const declaredInText = (name: string): boolean => {
    const pattern = new RegExp(`\\b(?:dataset|tokens|views|encoder|head|loss|param|experiment)\\s+${name}\\b`);
    for (const f of files) if (pattern.test(sources.get(f) ?? "")) return true;
    return false;
  };
  return list.filter((d) => {
    if (isSyntax(d)) return true;
    if (at.has(`${d.span.file}\0${d.span.start.offset}`)) return false;
    if (d.code === "HGC024" && files.has(d.span.file)) return false;
    if (d.code === "HGC010" || d.code === "HGC014") {
      const name = /`([A-Za-z_][A-Za-z0-9_]*)`/.exec(d.message)?.[1];
      if (name && declaredInText(name)) return false;
    }
    return true;
  });
}

/** Check a file on disk. Throws a UserError (exit code 2) when the file itself cannot be read. */
export function checkFile(path: string, opts: CheckOptions = {}): CheckResult {
  const abs = resolvePath(path);
  let text: string;
  try {
    text = opts.overlays?.get(abs) ?? (opts.readFile ? opts.readFile(abs) : readSourceFile(abs));
  } catch (err) {
    throw readError(path, err);
  }
  return checkSource(text, abs, opts);
}

function readError(path: string, err: unknown): UserError {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === "ENOENT") return new UserError(`cannot find ${path}`, "check the path (it is relative to the current folder)", 2);
  if (code === "EISDIR") return new UserError(`${path} is a folder, not a .hgc file`, "give the path of a .hgc file", 2);
  if (code === "ENOTREG") return new UserError(`${path} is not a regular file`, "give the path of a .hgc file", 2);
  if (code === "EFBIG") return new UserError(`${path} is ${(err as Error).message}`, "an experiment file is a few hundred lines; is this the right file?", 2);
  return new UserError(`cannot read ${path}: ${(err as Error)?.message ?? String(err)}`, undefined, 2);
}

function fileStart(file: string): Span {
  return { file, start: { offset: 0, line: 1, col: 1 }, end: { offset: 0, line: 1, col: 1 } };
}

/** Experiments whose `extends` chain reaches an unknown parent or a cycle: reported once, not checked. */
function brokenExtends(ws: Workspace): Set<string> {
  const broken = new Set<string>();
  for (const [name] of ws.experiments) {
    const seen = new Set<string>();
    let cur: string | undefined = name;
    while (cur !== undefined) {
      if (seen.has(cur)) {
        broken.add(name);
        break;
      }
      seen.add(cur);
      const item = ws.experiments.get(cur);
      if (!item) {
        broken.add(name);
        break;
      }
      cur = item.extends?.name;
    }
  }
  return broken;
}

// ---------------------------------------------------------------------------------------------
// Compiling

export interface CompileOptions extends CheckOptions {
  /** The experiment to compile; the root file's first experiment when absent. */
  experiment?: string;
  /** Compile this sweep's trials instead. */
  sweep?: string;
}

/**
 * Check `path` and compile one experiment (or a sweep) to IR. The value is null when the program
 * has errors or the named item does not exist (a diagnostic says which). Warnings do not stop it.
 */
export function compileFile(path: string, opts: CompileOptions = {}): Result<IRExperiment | IRSweep | null> & { check: CheckResult } {
  const check = checkFile(path, opts);
  if (opts.sweep !== undefined) {
    const r = compileSweep(check, opts.sweep);
    return { ...r, check };
  }
  const r = compileExperiment(check, opts.experiment);
  return { ...r, check };
}

function missingItem(check: CheckResult, what: "experiment" | "sweep", name: string | undefined): Diagnostic {
  const names = [...(what === "experiment" ? check.workspace.experiments.keys() : check.workspace.sweeps.keys())];
  const span = fileStart(check.file);
  if (name === undefined) return diag("HGC024", "error", span, `\`${check.file}\` has no ${what}`, `declare one with \`${what} NAME { … }\``);
  const near = names.filter((n) => n !== name);
  return diag("HGC010", "error", span, `no ${what} named \`${name}\``, near.length ? `the ${what}s are ${near.map((n) => `\`${n}\``).join(", ")}` : `this file declares no ${what}`);
}

/**
 * The IR of one experiment of a checked program, optionally at a sweep's grid point (`params`)
 * and with another seed. Null (with the diagnostics) when it does not check.
 */
export function compileExperiment(check: CheckResult, name?: string, opts: { params?: Record<string, number>; seed?: number } = {}): Result<IRExperiment | null> {
  const rootFile = check.workspace.files.get(check.file);
  const chosen = name ?? rootFile?.program.items.find((i) => i.kind === "Experiment")?.name.name ?? [...check.workspace.experiments.keys()][0];
  if (hasErrors(check.diagnostics)) return { value: null, diagnostics: check.diagnostics };
  const c = chosen !== undefined ? check.experiments.get(chosen) : undefined;
  if (!c) return { value: null, diagnostics: [...check.diagnostics, missingItem(check, "experiment", chosen)] };
  let body: IRBody | null = c.body;
  let diagnostics = check.diagnostics;
  if (opts.params && Object.keys(opts.params).length) {
    const unknown = Object.keys(opts.params).filter((p) => c.merged.symbols.get(p)?.kind !== "param");
    if (unknown.length) {
      const d = diag("HGC080", "error", c.merged.item.name.span, `\`${unknown[0]}\` is not a param of experiment \`${c.name}\``, "only declared params can be set from outside");
      return { value: null, diagnostics: [...diagnostics, d] };
    }
    const r = checkExperiment(check.workspace, c.merged, { overrides: opts.params });
    body = r.check.body;
    diagnostics = sortDiagnostics([...diagnostics, ...r.diagnostics]);
  }
  if (!body) return { value: null, diagnostics };
  const ir = withOverrides(lowerExperiment(body, opts.seed), check.overrides);
  assertValid(ir);
  return { value: ir, diagnostics };
}

/** A sweep's trials as IR (every trial checked). Null when anything does not check. */
export function compileSweep(check: CheckResult, name: string): Result<IRSweep | null> {
  if (hasErrors(check.diagnostics)) return { value: null, diagnostics: check.diagnostics };
  const sc = check.sweeps.get(name);
  if (!sc) return { value: null, diagnostics: [...check.diagnostics, missingItem(check, "sweep", name)] };
  const extra: Diagnostic[] = [];
  const sweep = lowerSweep(sc, (experiment, point) => {
    const c = check.experiments.get(experiment);
    if (!c) return null;
    if (Object.keys(point).length === 0) return c.body;
    const r = checkExperiment(check.workspace, c.merged, { overrides: point });
    extra.push(...r.diagnostics.filter((d) => d.severity === "error"));
    return r.check.body;
  });
  const diagnostics = sortDiagnostics([...check.diagnostics, ...extra]);
  if (sweep) for (const t of sweep.trials) t.ir = withOverrides(t.ir, check.overrides);
  if (sweep) assertValid(sweep);
  return { value: sweep, diagnostics };
}

/** The IR with the overrides it was compiled with recorded in its `source` (outside the hash: the values themselves are in the IR). */
function withOverrides<T extends IRExperiment>(ir: T, overrides: readonly string[]): T {
  return overrides.length ? { ...ir, source: { ...ir.source, overrides: [...overrides] } } : ir;
}

/** Every path `path=value` may set, per experiment of a checked program (`hgc compile FILE --paths`). */
export function overridePaths(check: CheckResult): Map<string, { path: string; value: string; written: boolean }[]> {
  return new Map([...check.merged].map(([name, m]) => [name, settablePaths(m)]));
}

// ---------------------------------------------------------------------------------------------
// IR files

let validator: ValidateFunction | undefined;

function getValidator(): ValidateFunction {
  validator ??= new Ajv({ allErrors: true, strict: true, strictTypes: false, allowUnionTypes: true }).compile(schema);
  return validator;
}

/** Checks a value against ir.schema.json; the errors are `path: message` lines. */
export function validateIR(x: unknown): { ok: true; errors: [] } | { ok: false; errors: string[] } {
  const v = getValidator();
  if (v(x)) return { ok: true, errors: [] };
  const errors = (v.errors ?? []).slice(0, 20).map((e) => `${e.instancePath || "/"}: ${e.message ?? "invalid"}`);
  return { ok: false, errors };
}

/** The compiler's own output must match its schema; a mismatch is a bug in hgc, not the user's. */
function assertValid(ir: IRExperiment | IRSweep): void {
  const r = validateIR(ir);
  if (!r.ok) throw new Error(`internal error: the IR of \`${ir.name}\` does not match ir.schema.json:\n${r.errors.join("\n")}`);
}

export function isSweepIR(x: IRExperiment | IRSweep): x is IRSweep {
  return Array.isArray((x as IRSweep).trials);
}

/** An experiment's IR is a few kilobytes; anything near this is not one. */
const MAX_IR_BYTES = 64 * 1024 * 1024;

/** Read an IR file (as written by `hgc compile` or kept in a run folder). Throws a UserError when it is not valid IR. */
export function loadIR(path: string): IRExperiment {
  let text: string;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw Object.assign(new Error("is a folder"), { code: "EISDIR" });
    if (!st.isFile()) throw Object.assign(new Error("not a regular file"), { code: "ENOTREG" });
    if (st.size > MAX_IR_BYTES) throw Object.assign(new Error(`too large for an IR file (${(st.size / 1e6).toFixed(0)} MB)`), { code: "EFBIG" });
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw readError(path, err);
  }
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${path} is not valid JSON (${(err as Error).message})`, "an IR file is what `hgc compile FILE > ir.json` writes", 2);
  }
  if (x && typeof x === "object" && Array.isArray((x as IRSweep).trials)) {
    throw new UserError(`${path} holds a sweep's trials, not one experiment`, "run a sweep with `hgc sweep`, or compile one experiment with `hgc compile FILE --experiment NAME`", 2);
  }
  const r = validateIR(x);
  if (!r.ok) {
    throw new UserError(`${path} is not a valid hgc IR file: ${r.errors[0]}`, "recompile it with `hgc compile FILE > ir.json` (it may come from another hgc version)", 2);
  }
  return x as IRExperiment;
}

// ---------------------------------------------------------------------------------------------
// Editor support

/** Every declared item of every checked experiment (hover, outline, completion). */
export function itemsOf(check: CheckResult): ItemInfo[] {
  const out: ItemInfo[] = [];
  for (const c of check.experiments.values()) out.push(...c.items.values());
  return out;
}

function contains(span: Span, file: string, offset: number): boolean {
  return span.file === file && span.start.offset <= offset && offset <= span.end.offset;
}

/**
 * What is at `offset` in `file`: a use of a name (with where it is defined) or a declared name
 * (with its inferred shape and parameter count), for hover and go-to-definition.
 */
export function symbolAt(check: CheckResult, file: string, offset: number): { reference?: Reference; item?: ItemInfo } | null {
  const reference = check.references.find((r) => contains(r.span, file, offset));
  if (reference) {
    const item = itemsOf(check).find((i) => i.span.file === reference.definition.file && i.span.start.offset === reference.definition.start.offset);
    return { reference, ...(item ? { item } : {}) };
  }
  const item = itemsOf(check).find((i) => contains(i.span, file, offset));
  return item ? { item } : null;
}
