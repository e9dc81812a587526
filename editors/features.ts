// What the language server answers, as plain functions of a checked document: diagnostics,
// completion, hover, definition, document symbols, formatting and "did you mean" quick fixes.
// Everything comes from the compiler (checkSource, its references and inferred items) and from
// the vocabulary of grammar/tokens.ts; editors/lsp.ts only wires these to the protocol.
import type { IToken } from "chevrotain";
import { existsSync, readdirSync, type Dirent } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  CodeActionKind,
  CompletionItemKind,
  DiagnosticSeverity,
  InsertTextFormat,
  MarkupKind,
  SymbolKind,
  type CodeAction,
  type CompletionItem,
  type Diagnostic as LspDiagnostic,
  type DocumentSymbol,
  type Hover,
  type Location,
  type ParameterInformation,
  type Range,
  type SignatureHelp,
  type TextEdit,
} from "vscode-languageserver";
import type { DeclKind, ExperimentItem, Item, Stmt, SweepItem } from "../compiler/ast.js";
import type { Diagnostic } from "../compiler/diagnostics.js";
import { format } from "../compiler/format.js";
import { checkSource, itemsOf, symbolAt, type CheckOptions, type CheckResult, type ItemInfo } from "../compiler/index.js";
import { mergeExperiments, type MergedExperiment } from "../compiler/resolve.js";
import {
  ASSIGN_NAMES,
  DECL_KINDS,
  KEYWORD_INFO,
  MEMBERS,
  STATEMENT_CALLS,
  builtin,
  builtinsOf,
  CATEGORY_OF_DECL,
  type Builtin,
  type BuiltinArg,
  type Positional,
} from "../language/index.js";
import { hgcLexer } from "../grammar/tokens.js";
import { cursorAt, type CursorContext } from "./context.js";
import { LineMap, pathToUri, spanRange } from "./positions.js";

/** One document as the server last checked it. */
export interface Analysis {
  uri: string;
  /** The path the compiler was given (absolute, or `<uri>` for an unsaved buffer). */
  file: string;
  text: string;
  version: number;
  check: CheckResult;
  lines: LineMap;
  /** Flattened experiments (also those whose check failed), built on first use. */
  merged?: Map<string, MergedExperiment>;
}

/** Check a document's text with the compiler (imports read from `opts.overlays` first, then disk). */
export function analyze(uri: string, file: string, text: string, version: number, opts: CheckOptions = {}): Analysis {
  return { uri, file, text, version, check: checkSource(text, file, opts), lines: new LineMap(text) };
}

// ---------------------------------------------------------------------------------------------
// Diagnostics

/** A quick fix carried in a diagnostic's `data`: replace `range` with `newText`. */
export interface Fix {
  title: string;
  range: Range;
  newText: string;
}

const SEVERITY: Record<Diagnostic["severity"], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/** The quick fixes of a diagnostic, from its data: an exact edit, or each word that would replace its span. */
function fixesOf(d: Diagnostic, lines: LineMap): Fix[] {
  const s = d.suggestion;
  if (s?.replacement && s.replacement.span.file === d.span.file) {
    return [{ title: s.message, range: spanRange(s.replacement.span, lines), newText: s.replacement.text }];
  }
  return (d.data?.replace ?? []).map((name) => ({ title: `Change to \`${name}\``, range: spanRange(d.span, lines), newText: name }));
}

function spanKey(d: Diagnostic): string {
  return `${d.code}|${d.severity}|${d.span.file}|${d.span.start.offset}|${d.span.end.offset}|${d.message}`;
}

/** The repository (or installed package) root: this file is dist/editors/features.js or editors/features.ts. */
const PACKAGE_ROOT = ((): string => {
  const here = dirname(fileURLToPath(import.meta.url));
  return basename(dirname(here)) === "dist" ? join(here, "..", "..") : join(here, "..");
})();

const hintLinks = new Map<string, string | null>();

/** A link to the longer explanation of a code (docs/hints/HGC010.md), when the package has one. */
function hintHref(code: string): string | undefined {
  let href = hintLinks.get(code);
  if (href === undefined) {
    const file = join(PACKAGE_ROOT, "docs", "hints", `${code}.md`);
    href = /^HGC\d+$/.test(code) && existsSync(file) ? pathToFileURL(file).href : null;
    hintLinks.set(code, href);
  }
  return href ?? undefined;
}

/** The document's diagnostics in LSP form: its own, and one per import whose files have errors. */
export function lspDiagnostics(a: Analysis): LspDiagnostic[] {
  const out: LspDiagnostic[] = [];
  const seen = new Set<string>();
  const foreign = new Map<string, number>();
  for (const d of a.check.diagnostics) {
    if (d.span.file !== a.file) {
      if (d.severity === "error") foreign.set(d.span.file, (foreign.get(d.span.file) ?? 0) + 1);
      continue;
    }
    // A problem of an inherited statement is found once per experiment that inherits it.
    const key = spanKey(d);
    if (seen.has(key)) continue;
    seen.add(key);
    const fixes = fixesOf(d, a.lines);
    const notes = d.notes.filter((n) => !n.span).map((n) => `note: ${n.message}`);
    const message = [d.message, ...notes, ...(d.suggestion ? [`hint: ${d.suggestion.message}`] : [])].join("\n");
    const related = d.notes
      .filter((n) => n.span)
      .map((n) => ({
        location: { uri: pathToUri(n.span!.file), range: spanRange(n.span!, n.span!.file === a.file ? a.lines : undefined) },
        message: n.message,
      }));
    out.push({
      range: spanRange(d.span, a.lines),
      severity: SEVERITY[d.severity],
      code: d.code,
      ...(hintHref(d.code) ? { codeDescription: { href: hintHref(d.code)! } } : {}),
      source: "hgc",
      message,
      ...(related.length ? { relatedInformation: related } : {}),
      ...(fixes.length ? { data: { fixes } } : {}),
    });
  }
  // Errors inside imported files: one diagnostic on the import that brings them in.
  if (foreign.size) {
    const ws = a.check.workspace;
    const reach = (from: string): Set<string> => {
      const seenFiles = new Set<string>([from]);
      const todo = [from];
      while (todo.length) {
        const f = todo.pop()!;
        for (const imp of ws.imports) if (imp.from === f && !seenFiles.has(imp.path)) (seenFiles.add(imp.path), todo.push(imp.path));
      }
      return seenFiles;
    };
    for (const imp of ws.imports) {
      if (imp.from !== a.file || !ws.files.has(imp.path)) continue;
      let count = 0;
      for (const f of reach(imp.path)) count += foreign.get(f) ?? 0;
      if (count === 0) continue;
      out.push({
        range: spanRange(imp.item.path.span, a.lines),
        severity: DiagnosticSeverity.Error,
        code: "HGC012",
        source: "hgc",
        message: `\`${imp.item.path.value}\` has ${count} error${count === 1 ? "" : "s"}\nhint: open it to see them`,
      });
    }
  }
  return out;
}

/** Quick fixes for the diagnostics the client sends with a code action request. */
export function codeActions(uri: string, diagnostics: readonly LspDiagnostic[]): CodeAction[] {
  const out: CodeAction[] = [];
  for (const d of diagnostics) {
    const fixes = (d.data as { fixes?: Fix[] } | undefined)?.fixes ?? [];
    fixes.forEach((f, i) => {
      out.push({
        title: f.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        isPreferred: i === 0,
        edit: { changes: { [uri]: [{ range: f.range, newText: f.newText }] } },
      });
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Scope

interface ScopeName {
  name: string;
  kind: DeclKind;
  info?: ItemInfo;
}

function mergedOf(a: Analysis): Map<string, MergedExperiment> {
  a.merged ??= mergeExperiments(a.check.workspace).experiments;
  return a.merged;
}

/** The names declared in an experiment (inherited ones included), with what the checker inferred. */
function scopeOf(a: Analysis, experiment: string | undefined): ScopeName[] {
  if (experiment === undefined) return [];
  const m = mergedOf(a).get(experiment);
  if (!m) return [];
  const items = a.check.experiments.get(experiment)?.items;
  return [...m.symbols.values()].map((s) => {
    const info = items?.get(s.name);
    return { name: s.name, kind: s.kind, ...(info ? { info } : {}) };
  });
}

/** The experiments a sweep runs (its `experiments = […]`), or every experiment. */
function sweepExperiments(a: Analysis, sweep: string | undefined): string[] {
  const item = sweep !== undefined ? a.check.workspace.sweeps.get(sweep) : undefined;
  const all = [...a.check.workspace.experiments.keys()];
  if (!item) return all;
  const stmt = item.body.find((s) => s.kind === "Assign" && s.name.name === "experiments");
  if (!stmt || stmt.kind !== "Assign") return all;
  const v = stmt.value;
  const names = v.kind === "List" ? v.items.flatMap((x) => (x.kind === "Name" ? [x.name] : [])) : v.kind === "Name" ? [v.name] : [];
  return names.length ? names : all;
}

// ---------------------------------------------------------------------------------------------
// Completion


const NAME_KIND: Record<DeclKind, CompletionItemKind> = {
  dataset: CompletionItemKind.Variable,
  tokens: CompletionItemKind.Enum,
  views: CompletionItemKind.Variable,
  encoder: CompletionItemKind.Class,
  head: CompletionItemKind.Function,
  loss: CompletionItemKind.Function,
  param: CompletionItemKind.Constant,
};

/** A keyword; `snippet` is what to insert instead of the bare word (a snippet with `$0`/`$1`). */
function keywordItem(word: string, snippet?: string): CompletionItem {
  const info = KEYWORD_INFO.find((k) => k.word === word);
  return {
    label: word,
    kind: CompletionItemKind.Keyword,
    ...(info ? { documentation: { kind: MarkupKind.Markdown, value: info.doc } } : {}),
    ...(snippet ? { insertText: snippet, insertTextFormat: InsertTextFormat.Snippet } : {}),
  };
}

function assignItem(entry: { name: string; doc: string }): CompletionItem {
  return {
    label: entry.name,
    kind: CompletionItemKind.Keyword,
    insertText: `${entry.name} = `,
    documentation: { kind: MarkupKind.Markdown, value: entry.doc },
  };
}

/** `name(…)` of a built-in, with its arguments listed. */
export function signature(b: Builtin): string {
  const parts: string[] = [];
  if (b.positional) parts.push(b.positional.required ? "VALUE" : "[VALUE]");
  for (const arg of b.args) parts.push(arg.required ? `${arg.name}: …` : `${arg.name}: ${arg.defaultText ?? "…"}?`);
  return `${b.name}(${parts.join(", ")})`;
}

function builtinMarkdown(b: Builtin): string {
  const lines = ["```hgc", signature(b), "```", `*${b.category}* — ${b.doc}`];
  if (b.positional) lines.push("", `- *(first, positional)*: ${b.positional.type} — ${b.positional.doc}`);
  else if (b.args.length) lines.push("");
  for (const arg of b.args) lines.push(`- \`${arg.name}\`: ${argMarkdownLine(arg)}`);
  return lines.join("\n");
}

function argMarkdownLine(arg: BuiltinArg): string {
  const when = arg.required ? "required" : arg.defaultText !== undefined ? `default \`${arg.defaultText}\`` : arg.inferred ? "inferred when absent" : "optional";
  return `${arg.type} (${when}) — ${arg.doc}`;
}

function builtinItem(b: Builtin): CompletionItem {
  return {
    label: b.name,
    kind: CompletionItemKind.Function,
    detail: `${b.category} · ${signature(b)}`,
    documentation: { kind: MarkupKind.Markdown, value: builtinMarkdown(b) },
    insertText: `${b.name}($0)`,
    insertTextFormat: InsertTextFormat.Snippet,
  };
}

function nameItem(n: ScopeName, label = n.name): CompletionItem {
  return {
    label,
    kind: NAME_KIND[n.kind],
    detail: n.info?.detail ?? `${n.kind} ${n.name}`,
  };
}

function memberItems(kind: "encoder" | "tokenizer"): CompletionItem[] {
  return MEMBERS[kind].map((m) => ({ label: m.name, kind: CompletionItemKind.Property, detail: kind === "encoder" ? "encoder member" : "tokenizer member", documentation: m.doc }));
}

/** Names in scope that fit an argument or positional slot, by the slot's kind in the registry. */
function namesForSlot(slot: BuiltinArg | Positional, scope: ScopeName[]): CompletionItem[] {
  const of = (kind: DeclKind) => scope.filter((n) => n.kind === kind);
  switch (slot.kind) {
    case "features": {
      const out: CompletionItem[] = [];
      for (const e of of("encoder")) {
        out.push({ ...nameItem(e, `${e.name}.pooled`), kind: CompletionItemKind.Property });
        if (slot.tokens) out.push({ ...nameItem(e, `${e.name}.tokens`), kind: CompletionItemKind.Property });
      }
      return out;
    }
    case "ref":
      return slot.refers ? of(slot.refers).map((n) => nameItem(n)) : [];
    case "scalar":
    case "int":
    case "number":
      return of("param").map((n) => nameItem(n));
    case "bool":
      return ["true", "false"].map((w) => keywordItem(w));
    default:
      return [];
  }
}

function argValueItems(b: Builtin | undefined, argName: string, scope: ScopeName[]): CompletionItem[] {
  const arg = b ? b.args.find((x) => x.name === argName) : undefined;
  if (!arg) return scope.map((n) => nameItem(n));
  const out: CompletionItem[] = (arg.values ?? []).map((v) => ({ label: arg.quoted ? JSON.stringify(v) : v, kind: CompletionItemKind.EnumMember, detail: `${b!.name}(${arg.name}: …)` }));
  out.push(...namesForSlot(arg, scope));
  if (arg.name === "out") {
    // `out: pixels.vocab`: a per-token head predicts the tokenizer's vocabulary.
    for (const t of scope.filter((n) => n.kind === "tokens")) out.push({ ...nameItem(t, `${t.name}.vocab`), kind: CompletionItemKind.Property });
  }
  return out;
}

function statementItems(block: string): CompletionItem[] {
  switch (block) {
    case "top":
      return [keywordItem("experiment", "experiment ${1:name} {\n\t$0\n}"), keywordItem("sweep", "sweep ${1:name} {\n\t$0\n}"), keywordItem("import", 'import "$1"')];
    case "experiment":
      return [
        ...DECL_KINDS.map((k) => keywordItem(k)),
        ...ASSIGN_NAMES.experiment.map(assignItem),
        ...STATEMENT_CALLS.experiment.map((c) => builtinItem(builtin(c)!)),
        keywordItem("evaluate", "evaluate {\n\t$0\n}"),
      ];
    case "sweep":
      return [...ASSIGN_NAMES.sweep.map(assignItem), keywordItem("grid"), ...STATEMENT_CALLS.sweep.map((c) => builtinItem(builtin(c)!))];
    case "evaluate":
      return builtinsOf("protocol").map(builtinItem);
    default:
      return [];
  }
}

function metricItems(a: Analysis, experiments: string[], object?: string): CompletionItem[] {
  const metrics = new Set<string>();
  for (const e of experiments) for (const m of a.check.experiments.get(e)?.metrics ?? []) metrics.add(m);
  const out: CompletionItem[] = [];
  for (const m of metrics) {
    if (object === undefined) out.push({ label: m, kind: CompletionItemKind.Value, detail: "metric" });
    else if (m.startsWith(`${object}.`)) out.push({ label: m.slice(object.length + 1), kind: CompletionItemKind.Property, detail: `metric ${m}` });
  }
  return out;
}

function valueItems(a: Analysis, ctx: Extract<CursorContext, { kind: "value" }>, scope: ScopeName[]): CompletionItem[] {
  const category = ctx.declKind && ctx.declKind in CATEGORY_OF_DECL ? CATEGORY_OF_DECL[ctx.declKind as keyof typeof CATEGORY_OF_DECL] : undefined;
  if (category) return builtinsOf(category).map(builtinItem);
  if (ctx.declKind === "param") return [];
  if (ctx.block === "sweep") {
    if (ctx.statement === "experiments") return [...a.check.workspace.experiments.keys()].map((n) => ({ label: n, kind: CompletionItemKind.Class, detail: "experiment" }));
    if (ctx.statement === "objectives") {
      return [...["maximize", "minimize"].map((w) => keywordItem(w)), ...metricItems(a, sweepExperiments(a, ctx.item))];
    }
    return [];
  }
  if (ctx.statement === "optimizer") return builtinsOf("optimizer").map(builtinItem);
  if (ctx.statement === "objective") {
    return [...scope.filter((n) => n.kind === "loss" || n.kind === "param").map((n) => nameItem(n)), ...builtinsOf("schedule").map(builtinItem)];
  }
  if (ctx.statement === "seed") return [];
  const b = builtin(ctx.statement);
  if (b?.positional) return namesForSlot(b.positional, scope);
  return scope.map((n) => nameItem(n));
}

/** `.hgc` files near the document (its folder and two levels below), as paths relative to it. */
function importPaths(a: Analysis, offset: number, from: number): CompletionItem[] {
  if (a.file.startsWith("<")) return [];
  const dir = dirname(a.file);
  const found: string[] = [];
  const walk = (sub: string, depth: number): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(join(dir, sub), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (found.length >= 200) return;
      const rel = sub ? `${sub}/${e.name}` : e.name;
      if (e.isDirectory() && depth < 2 && !e.name.startsWith(".") && e.name !== "node_modules") walk(rel, depth + 1);
      else if (e.isFile() && e.name.endsWith(".hgc") && join(dir, rel) !== a.file) found.push(rel);
    }
  };
  walk("", 0);
  const range = a.lines.range(from, offset);
  return found.sort().map((rel) => ({ label: rel, kind: CompletionItemKind.File, textEdit: { range, newText: rel } }));
}

/** Completion items at `offset`. */
export function completion(a: Analysis, offset: number): CompletionItem[] {
  const { context: ctx } = cursorAt(a.text, offset);
  const item = "item" in ctx ? ctx.item : undefined;
  const scope = scopeOf(a, item);
  switch (ctx.kind) {
    case "none":
      return [];
    case "importPath":
      return importPaths(a, offset, ctx.from);
    case "statement":
      return statementItems(ctx.block);
    case "afterItemName":
      return [keywordItem("extends")];
    case "extendsTarget":
      return [...a.check.workspace.experiments.keys()].filter((n) => n !== item).map((n) => ({ label: n, kind: CompletionItemKind.Class, detail: "experiment" }));
    case "gridName": {
      const params = new Map<string, ScopeName>();
      for (const e of sweepExperiments(a, item)) for (const n of scopeOf(a, e)) if (n.kind === "param") params.set(n.name, n);
      return [...params.values()].map((n) => nameItem(n));
    }
    case "member": {
      const target = scope.find((n) => n.name === ctx.object);
      if (target?.kind === "encoder") return memberItems("encoder");
      if (target?.kind === "tokens") return memberItems("tokenizer");
      const metrics = metricItems(a, ctx.block === "sweep" ? sweepExperiments(a, item) : item ? [item] : [], ctx.object);
      if (metrics.length) return metrics;
      return target ? [] : [...memberItems("encoder"), ...memberItems("tokenizer")];
    }
    case "argName": {
      const b = builtin(ctx.callee);
      if (!b) return [];
      const args: CompletionItem[] = b.args
        .filter((arg) => !ctx.given.includes(arg.name))
        .map((arg) => ({
          label: arg.name,
          kind: CompletionItemKind.Field,
          detail: `${b.name}(${arg.name}: ${arg.type})`,
          documentation: { kind: MarkupKind.Markdown, value: argMarkdownLine(arg) },
          insertText: `${arg.name}: `,
          sortText: `${arg.required ? "0" : "1"}${arg.name}`,
        }));
      return ctx.positional && b.positional ? [...namesForSlot(b.positional, scope), ...args] : args;
    }
    case "argValue":
      return argValueItems(builtin(ctx.callee), ctx.arg, scope);
    case "value":
      return valueItems(a, ctx, scope);
  }
}

/**
 * The signature of the built-in whose call the cursor is in, with the argument being written
 * highlighted (the named one after `name:`, else the positional slot when first).
 */
export function signatureHelp(a: Analysis, offset: number): SignatureHelp | null {
  const { context: ctx } = cursorAt(a.text, offset);
  if (ctx.kind !== "argName" && ctx.kind !== "argValue") return null;
  const b = builtin(ctx.callee);
  if (!b) return null;
  const params: ParameterInformation[] = [];
  const names: string[] = [];
  if (b.positional) {
    params.push({ label: "VALUE", documentation: `${b.positional.type} — ${b.positional.doc}` });
    names.push("");
  }
  for (const arg of b.args) {
    params.push({ label: `${arg.name}:`, documentation: { kind: MarkupKind.Markdown, value: argMarkdownLine(arg) } });
    names.push(arg.name);
  }
  const label = `${b.name}(${params.map((p) => p.label).join(", ")})`;
  // Parameter labels as offsets into the signature, so each is found even where two share a prefix.
  let at = b.name.length + 1;
  const located = params.map((p) => {
    const range: [number, number] = [at, at + (p.label as string).length];
    at = range[1] + 2;
    return { ...p, label: range };
  });
  const active = ctx.kind === "argValue" ? names.indexOf(ctx.arg) : ctx.positional && b.positional ? 0 : -1;
  return {
    signatures: [{ label, documentation: { kind: MarkupKind.Markdown, value: b.doc }, parameters: located }],
    activeSignature: 0,
    ...(active >= 0 ? { activeParameter: active } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Hover and definition

function tokenAt(text: string, offset: number): { token: IToken; index: number; tokens: IToken[] } | undefined {
  const tokens = hgcLexer.tokenize(text).tokens;
  const end = (t: IToken) => t.endOffset ?? t.startOffset + t.image.length - 1;
  let index = tokens.findIndex((t) => t.startOffset <= offset && offset <= end(t));
  // At the right edge of a word (the cursor just after it).
  if (index < 0) index = tokens.findIndex((t) => end(t) + 1 === offset && /\w$/.test(t.image));
  return index >= 0 ? { token: tokens[index]!, index, tokens } : undefined;
}

function shapeText(shape: readonly (string | number)[]): string {
  return `[${shape.join(", ")}]`;
}

function itemMarkdown(info: ItemInfo): string {
  const facts = [`**${info.kind}** \`${info.name}\``];
  if (info.shape) facts.push(`shape \`${shapeText(info.shape)}\``);
  if (info.parameters !== undefined) facts.push(`${info.parameters.toLocaleString("en-US")} parameters`);
  return [facts.join(" · "), "", info.detail, "", `*in experiment \`${info.experiment}\`*`].join("\n");
}

function hoverOf(value: string, range: Range): Hover {
  return { contents: { kind: MarkupKind.Markdown, value }, range };
}

/** The experiment or sweep item of the root file around `offset`. */
function itemAround(a: Analysis, offset: number): Item | undefined {
  const program = a.check.workspace.files.get(a.file)?.program;
  return program?.items.find((i) => i.span.start.offset <= offset && offset <= i.span.end.offset);
}

/** An experiment's or sweep's summary, at its declaration or at a use of its name. */
function itemNamed(a: Analysis, token: IToken, reference: { kind: string; name: string } | undefined): string | undefined {
  const program = a.check.workspace.files.get(a.file)?.program;
  const declared = program?.items.find((i) => i.kind !== "Import" && i.name.span.start.offset === token.startOffset);
  const name = declared && declared.kind !== "Import" ? declared.name.name : reference?.kind === "experiment" || reference?.kind === "sweep" ? reference.name : undefined;
  if (name === undefined) return undefined;
  const experiment = a.check.workspace.experiments.get(name);
  if (experiment) {
    const parents = mergedOf(a).get(name)?.parents ?? [];
    const items = itemsOf(a.check).filter((i) => i.experiment === name);
    const parameters = items.reduce((sum, i) => sum + (i.parameters ?? 0), 0);
    const head = `**experiment** \`${name}\`${parents.length ? ` extends ${parents.map((p) => `\`${p}\``).join(" → ")}` : ""}`;
    const lines = [head];
    if (items.length) lines.push("", `${items.length} declarations${parameters ? ` · ${parameters.toLocaleString("en-US")} parameters` : ""}`);
    if (!a.check.experiments.get(name)?.body) lines.push("", "*does not check yet*");
    return lines.join("\n");
  }
  const sweep = a.check.sweeps.get(name);
  if (sweep) {
    const axes = sweep.axes.map((x) => `${x.names.join(", ")} (${x.points.length})`);
    return [
      `**sweep** \`${name}\``,
      "",
      `${sweep.trialCount} trials: ${sweep.experiments.map((e) => `\`${e}\``).join(", ")}${axes.length ? ` × grid ${axes.join(" × ")}` : ""}${sweep.seeds ? ` × ${sweep.seeds.length} seeds` : ""}`,
    ].join("\n");
  }
  return undefined;
}

/** Hover at `offset`: a name's kind, inferred shape and parameter count; a built-in's or keyword's doc. */
export function hover(a: Analysis, offset: number): Hover | null {
  const at = tokenAt(a.text, offset);
  if (!at) return null;
  const { token, index, tokens } = at;
  const range = a.lines.range(token.startOffset, token.startOffset + token.image.length);
  const next = tokens[index + 1];
  const prev = tokens[index - 1];

  // `.pooled`, `.vocab`: the member of the object before the dot.
  if (prev?.image === "." && index >= 2) {
    const objectOffset = tokens[index - 2]!.startOffset;
    const sym = symbolAt(a.check, a.file, objectOffset);
    const info = sym?.item;
    const kind = info?.kind === "encoder" ? "encoder" : info?.kind === "tokens" ? "tokenizer" : undefined;
    const member = kind ? MEMBERS[kind].find((m) => m.name === token.image) : undefined;
    if (info && member) {
      let shape = "";
      if (kind === "encoder" && info.shape) {
        const s = info.shape;
        shape = token.image === "pooled" ? shapeText([s[0]!, s[s.length - 1]!]) : shapeText(s);
      } else if (kind === "tokenizer") {
        const tk = a.check.experiments.get(info.experiment)?.body?.tokenizers[info.name];
        if (tk) shape = String(token.image === "vocab" ? tk.vocab : tk.length);
      }
      const head = shape ? `\`${info.name}.${member.name}\`: \`${shape}\`` : `\`${info.name}.${member.name}\``;
      return hoverOf(`${head}\n\n${member.doc}\n\n${info.detail}`, range);
    }
  }

  const sym = symbolAt(a.check, a.file, token.startOffset);
  if (sym?.item) return hoverOf(itemMarkdown(sym.item), range);
  const named = itemNamed(a, token, sym?.reference);
  if (named) return hoverOf(named, range);
  if (sym?.reference) {
    const r = sym.reference;
    const what = r.kind === "file" ? `file \`${r.definition.file}\`` : `**${r.kind}** \`${r.name}\``;
    return hoverOf(r.detail ? `${what}\n\n${r.detail}` : what, range);
  }

  const word = token.image;
  // An argument name: `limit:` inside `fashion_mnist(…)`.
  if (next?.image === ":") {
    const { context } = cursorAt(a.text, token.startOffset);
    if (context.kind === "argName") {
      const b = builtin(context.callee);
      const arg = b ? b.args.find((x) => x.name === word) : undefined;
      if (b && arg) return hoverOf(`\`${b.name}(${arg.name}: …)\` — ${argMarkdownLine(arg)}`, range);
    }
  }
  if (next?.image === "(") {
    const b = builtin(word);
    if (b) return hoverOf(builtinMarkdown(b), range);
  }
  if (next?.image === "=") {
    const around = itemAround(a, offset);
    const entries = around?.kind === "Sweep" ? ASSIGN_NAMES.sweep : ASSIGN_NAMES.experiment;
    const entry = entries.find((e) => e.name === word);
    if (entry) return hoverOf(entry.doc, range);
  }
  const kw = KEYWORD_INFO.find((k) => k.word === word);
  if (kw && (token.tokenType.name !== "Identifier" || kw.role === "literal")) return hoverOf(kw.doc, range);
  // A protocol named in a sweep objective (`linear_probe.accuracy`) or an evaluate block.
  const b = builtin(word);
  if (b && b.category === "protocol") return hoverOf(builtinMarkdown(b), range);
  return null;
}

/** Where the name at `offset` is defined: in this file, a parent experiment, or an imported file. */
export function definition(a: Analysis, offset: number): Location[] {
  const at = tokenAt(a.text, offset);
  const probe = at ? at.token.startOffset : offset;
  const sym = symbolAt(a.check, a.file, probe) ?? symbolAt(a.check, a.file, offset);
  const def = sym?.reference?.definition;
  if (!def) return [];
  const lines = def.file === a.file ? a.lines : linesOf(a, def.file);
  return [{ uri: pathToUri(def.file), range: spanRange(def, lines) }];
}

function linesOf(a: Analysis, file: string): LineMap | undefined {
  const text = a.check.sources.get(file);
  return text !== undefined ? new LineMap(text) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Document symbols

const DECL_SYMBOL: Record<DeclKind, SymbolKind> = {
  dataset: SymbolKind.Variable,
  tokens: SymbolKind.Enum,
  views: SymbolKind.Variable,
  encoder: SymbolKind.Class,
  head: SymbolKind.Method,
  loss: SymbolKind.Function,
  param: SymbolKind.Constant,
};

function stmtSymbol(a: Analysis, experiment: string, s: Stmt): DocumentSymbol | undefined {
  const range = spanRange(s.span, a.lines);
  switch (s.kind) {
    case "Decl": {
      if (!s.name.name) return undefined;
      const info = a.check.experiments.get(experiment)?.items.get(s.name.name);
      return {
        name: s.name.name,
        detail: info?.detail.replace(/^[a-z]+ [A-Za-z_0-9]+: /, "") ?? s.declKind,
        kind: DECL_SYMBOL[s.declKind],
        range,
        selectionRange: spanRange(s.name.span, a.lines),
      };
    }
    case "Assign":
      return { name: s.name.name, kind: SymbolKind.Property, range, selectionRange: spanRange(s.name.span, a.lines) };
    case "Train":
      return { name: "train", kind: SymbolKind.Event, range, selectionRange: spanRange(s.call.callee.span, a.lines) };
    case "Evaluate":
      return {
        name: "evaluate",
        kind: SymbolKind.Event,
        range,
        selectionRange: a.lines.range(s.span.start.offset, s.span.start.offset + "evaluate".length),
        children: s.protocols.map((p) => ({ name: p.callee.name, kind: SymbolKind.Method, range: spanRange(p.span, a.lines), selectionRange: spanRange(p.callee.span, a.lines) })),
      };
  }
}

function experimentSymbol(a: Analysis, item: ExperimentItem): DocumentSymbol {
  return {
    name: item.name.name,
    detail: item.extends ? `experiment extends ${item.extends.name}` : "experiment",
    kind: SymbolKind.Class,
    range: spanRange(item.span, a.lines),
    selectionRange: spanRange(item.name.span, a.lines),
    children: item.body.flatMap((s) => stmtSymbol(a, item.name.name, s) ?? []),
  };
}

function sweepSymbol(a: Analysis, item: SweepItem): DocumentSymbol {
  const count = a.check.sweeps.get(item.name.name)?.trialCount;
  return {
    name: item.name.name,
    detail: count !== undefined ? `sweep, ${count} trials` : "sweep",
    kind: SymbolKind.Namespace,
    range: spanRange(item.span, a.lines),
    selectionRange: spanRange(item.name.span, a.lines),
    children: item.body.map((s) =>
      s.kind === "Grid"
        ? { name: `grid ${s.names.map((n) => n.name).join(", ")}`, kind: SymbolKind.Array, range: spanRange(s.span, a.lines), selectionRange: spanRange(s.names[0]?.span ?? s.span, a.lines) }
        : s.kind === "Slurm" || s.kind === "Search"
          ? { name: s.kind === "Slurm" ? "slurm" : `search ${s.call.callee.name}`, kind: SymbolKind.Property, range: spanRange(s.span, a.lines), selectionRange: spanRange(s.call.callee.span, a.lines) }
          : { name: s.name.name, kind: SymbolKind.Property, range: spanRange(s.span, a.lines), selectionRange: spanRange(s.name.span, a.lines) },
    ),
  };
}

/** The outline: experiments and sweeps, with their declarations and statements. */
export function documentSymbols(a: Analysis): DocumentSymbol[] {
  const program = a.check.workspace.files.get(a.file)?.program;
  if (!program) return [];
  return program.items.flatMap((item) => {
    if (item.kind === "Experiment") return item.name.name ? [experimentSymbol(a, item)] : [];
    if (item.kind === "Sweep") return item.name.name ? [sweepSymbol(a, item)] : [];
    return [];
  });
}

// ---------------------------------------------------------------------------------------------
// Formatting

/** The edits that format a document as `hgc fmt` does; none when it has syntax errors or is already formatted. */
export function formatting(text: string, file: string): TextEdit[] {
  const r = format(text, file);
  if (r.diagnostics.some((d) => d.severity === "error") || r.value === text) return [];
  const lines = new LineMap(text);
  return [{ range: lines.range(0, text.length), newText: r.value }];
}
