// Files → one workspace of items: imports are followed (relative to the importing file), every
// experiment and sweep is indexed by name, and `extends` is flattened into one statement list per
// experiment with its symbol table. Nothing here looks inside a statement's value; check.ts does.
import { readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, resolve as resolvePath } from "node:path";
import type { DeclKind, DeclStmt, ExperimentItem, Ident, ImportItem, Program, Span, Stmt, SweepItem } from "./ast.js";
import { diag, didYouMeanHint, type Diagnostic } from "./diagnostics.js";
import { parse } from "./parse.js";

export interface SourceFile {
  /** Absolute path, or a pseudo-path such as `<stdin>`. */
  path: string;
  text: string;
  program: Program;
}

export interface Workspace {
  /** The file the workspace was loaded from. */
  root: string;
  /** Every file loaded, the root first, then imports depth-first. */
  files: Map<string, SourceFile>;
  /** Path → text, for rendering diagnostics. */
  sources: Map<string, string>;
  experiments: Map<string, ExperimentItem>;
  sweeps: Map<string, SweepItem>;
  /** Where each import points: the import item and the absolute path it resolved to. */
  imports: { item: ImportItem; from: string; path: string }[];
  diagnostics: Diagnostic[];
}

export interface LoadOptions {
  /** Reads a file (defaults to the file system); texts given here win (an editor's unsaved buffers). */
  readFile?: (path: string) => string;
  overlays?: ReadonlyMap<string, string>;
}

/** Files larger than this (about 30,000 lines) are refused with a diagnostic rather than parsed: checking one would take many seconds. */
export const MAX_FILE_BYTES = 2 * 1024 * 1024;

/**
 * Read a source file: only a regular file of at most MAX_FILE_BYTES, so that `import "/dev/zero"`
 * or `hgc check /dev/stdin` cannot read forever. Throws errors with a `code` (ENOENT, EISDIR,
 * ENOTREG, EFBIG, EACCES, …).
 */
export function readSourceFile(path: string): string {
  const st = statSync(path);
  if (st.isDirectory()) throw Object.assign(new Error("is a folder"), { code: "EISDIR" });
  if (!st.isFile()) throw Object.assign(new Error("not a regular file"), { code: "ENOTREG" });
  if (st.size > MAX_FILE_BYTES) throw Object.assign(new Error(`too large (${(st.size / 1e6).toFixed(1)} MB, more than ${MAX_FILE_BYTES / 1024 / 1024} MB)`), { code: "EFBIG" });
  return readFileSync(path, "utf8");
}

/** Load `root` (whose text is `text` when given) and everything it imports. Never throws on user input. */
export function loadWorkspace(root: string, text?: string, opts: LoadOptions = {}): Workspace {
  const ws: Workspace = {
    root,
    files: new Map(),
    sources: new Map(),
    experiments: new Map(),
    sweeps: new Map(),
    imports: [],
    diagnostics: [],
  };
  const read = (path: string): string => {
    const overlay = opts.overlays?.get(path);
    if (overlay !== undefined) return overlay;
    return opts.readFile ? opts.readFile(path) : readSourceFile(path);
  };
  // The chain of files being loaded, to name an import cycle.
  const stack: string[] = [];

  const load = (path: string, knownText: string | undefined, via?: ImportItem): void => {
    let src = knownText;
    if (src === undefined) {
      try {
        src = read(path);
      } catch (err) {
        if (via) ws.diagnostics.push(importReadError(via, stack[stack.length - 1] ?? root, err));
        return;
      }
    }
    if (src.length > MAX_FILE_BYTES) {
      const span = via ? via.path.span : startSpan(path);
      ws.diagnostics.push(diag("HGC012", "error", span, `\`${shortName(path)}\` is too large to check (${(src.length / 1e6).toFixed(1)} MB, more than ${MAX_FILE_BYTES / 1024 / 1024} MB)`, "an experiment file is a few hundred lines; is this the right file?"));
      return;
    }
    const { value: program, diagnostics } = parse(src, path);
    ws.files.set(path, { path, text: src, program });
    ws.sources.set(path, src);
    ws.diagnostics.push(...diagnostics);
    stack.push(path);
    for (const item of program.items) {
      if (item.kind !== "Import") continue;
      const target = importTarget(path, item.path.value);
      ws.imports.push({ item, from: path, path: target });
      const at = stack.indexOf(target);
      if (at >= 0) {
        const cycle = [...stack.slice(at), target].map((p) => shortName(p));
        ws.diagnostics.push(
          diag("HGC013", "error", item.path.span, `import cycle: ${cycle.join(" → ")}`, "remove one of these imports; move what both files need into a third file they both import"),
        );
        continue;
      }
      if (ws.files.has(target)) continue;
      load(target, undefined, item);
    }
    stack.pop();
  };
  load(root, text);

  // Index the items of every file by name; a name is global across the files of a workspace.
  const firstSeen = new Map<string, Ident>();
  for (const file of ws.files.values()) {
    for (const item of file.program.items) {
      if (item.kind === "Import") continue;
      const name = item.name.name;
      if (!name) continue;
      const prev = firstSeen.get(name);
      if (prev) {
        ws.diagnostics.push(
          diag("HGC011", "error", item.name.span, `\`${name}\` is defined twice`, "rename one of them; experiments and sweeps share one namespace across imported files", [
            { message: `first defined here`, span: prev.span },
          ]),
        );
        continue;
      }
      firstSeen.set(name, item.name);
      if (item.kind === "Experiment") ws.experiments.set(name, item);
      else ws.sweeps.set(name, item);
    }
  }
  return ws;
}

function importTarget(from: string, path: string): string {
  if (isAbsolute(path)) return resolvePath(path);
  const base = from.startsWith("<") ? process.cwd() : dirname(from);
  return resolvePath(base, path);
}

function shortName(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash >= 0 ? path.slice(slash + 1) : path;
}

function startSpan(file: string): Span {
  return { file, start: { offset: 0, line: 1, col: 1 }, end: { offset: 0, line: 1, col: 1 } };
}

function importReadError(item: ImportItem, from: string, err: unknown): Diagnostic {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === "ENOENT" || code === "ENOTDIR") {
    return diag("HGC012", "error", item.path.span, `cannot find \`${item.path.value}\``, `the path is relative to the folder of ${shortName(from)}; check its spelling and location`);
  }
  if (code === "EISDIR") return diag("HGC012", "error", item.path.span, `\`${item.path.value}\` is a folder, not a file`, "import a .hgc file");
  if (code === "EFBIG") return diag("HGC012", "error", item.path.span, `\`${item.path.value}\` is ${(err as Error).message}`, "an experiment file is a few hundred lines; is this the right file?");
  const why = code === "EACCES" ? "permission denied" : (err as Error)?.message ?? String(err);
  return diag("HGC012", "error", item.path.span, `cannot read \`${item.path.value}\` (${why})`, "check that the file exists and is readable");
}

// ---------------------------------------------------------------------------------------------
// extends

/** One statement of a flattened experiment, and whether it came from an ancestor. */
export interface MergedStmt {
  stmt: Stmt;
  /** The experiment whose body holds the statement. */
  from: string;
  inherited: boolean;
}

export interface SymbolEntry {
  name: string;
  kind: DeclKind;
  decl: DeclStmt;
  /** The experiment whose body declares it. */
  from: string;
  inherited: boolean;
}

export interface MergedExperiment {
  name: string;
  item: ExperimentItem;
  /** The ancestors, nearest first. */
  parents: string[];
  stmts: MergedStmt[];
  /** Declarations by name (after replacement by the child). */
  symbols: Map<string, SymbolEntry>;
}

/** What a statement replaces in its parent: declarations by name, assignments by name, `train` and `evaluate` as one each. */
export function stmtKey(s: Stmt): string {
  switch (s.kind) {
    case "Decl":
      return `decl:${s.name.name}`;
    case "Assign":
      return `assign:${s.name.name}`;
    case "Train":
      return "train";
    case "Evaluate":
      return "evaluate";
  }
}

/**
 * Flatten every experiment of the workspace: parents first, the child's statements replacing
 * same-named ones in place and the rest appended. Unknown parents, `extends` cycles and names
 * declared twice in one body are reported into `ws.diagnostics`-style output.
 */
export function mergeExperiments(ws: Workspace): { experiments: Map<string, MergedExperiment>; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const done = new Map<string, MergedExperiment>();
  const visiting: string[] = [];

  const merge = (item: ExperimentItem): MergedExperiment => {
    const name = item.name.name;
    const hit = done.get(name);
    if (hit) return hit;
    visiting.push(name);
    let base: MergedExperiment | undefined;
    if (item.extends) {
      const parentName = item.extends.name;
      const parent = ws.experiments.get(parentName);
      if (!parent) {
        diagnostics.push(
          diag("HGC014", "error", item.extends.span, `unknown experiment \`${parentName}\``, didYouMeanHint(parentName, [...ws.experiments.keys()].filter((n) => n !== name)) ?? "an experiment can only extend another experiment of this file or of a file it imports"),
        );
      } else if (visiting.includes(parentName)) {
        const cycle = [...visiting.slice(visiting.indexOf(parentName)), parentName];
        diagnostics.push(diag("HGC015", "error", item.extends.span, `\`extends\` cycle: ${cycle.join(" → ")}`, "an experiment cannot extend itself, directly or through others; remove one `extends`"));
      } else {
        base = merge(parent);
      }
    }
    const stmts: MergedStmt[] = base ? base.stmts.map((m) => ({ ...m, inherited: true })) : [];
    const ownKeys = new Map<string, Stmt>();
    for (const s of item.body) {
      const key = stmtKey(s);
      const prev = ownKeys.get(key);
      if (prev) {
        diagnostics.push(duplicateStmt(s, prev));
        continue;
      }
      ownKeys.set(key, s);
      const at = stmts.findIndex((m) => stmtKey(m.stmt) === key);
      const entry: MergedStmt = { stmt: s, from: name, inherited: false };
      if (at >= 0) stmts[at] = entry;
      else stmts.push(entry);
    }
    const symbols = new Map<string, SymbolEntry>();
    for (const m of stmts) {
      if (m.stmt.kind === "Decl" && m.stmt.name.name) {
        symbols.set(m.stmt.name.name, { name: m.stmt.name.name, kind: m.stmt.declKind, decl: m.stmt, from: m.from, inherited: m.inherited });
      }
    }
    const merged: MergedExperiment = { name, item, parents: base ? [base.name, ...base.parents] : [], stmts, symbols };
    visiting.pop();
    done.set(name, merged);
    return merged;
  };

  for (const item of ws.experiments.values()) merge(item);
  return { experiments: done, diagnostics };
}

function duplicateStmt(s: Stmt, prev: Stmt): Diagnostic {
  const note = [{ message: "first defined here", span: prev.span }];
  switch (s.kind) {
    case "Decl":
    case "Assign":
      return diag("HGC011", "error", s.name.span, `\`${s.name.name}\` is defined twice`, "each name is defined once in an experiment; rename or remove one", note);
    case "Train":
      return diag("HGC011", "error", s.call.callee.span, "`train(…)` is given twice", "an experiment trains once; merge the two into one `train(…)`", note);
    case "Evaluate":
      return diag("HGC011", "error", { ...s.span, end: { ...s.span.start, offset: s.span.start.offset + 8, col: s.span.start.col + 8 } }, "`evaluate` is given twice", "put every protocol in one `evaluate { … }` block", note);
  }
}
