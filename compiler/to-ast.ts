// CST → AST. Walks the chevrotain CST of grammar/parser.ts and builds the typed AST of ast.ts,
// with a span on every node. It never throws on a partial CST (after a syntax error the parser
// recovers and leaves holes): a node missing an essential part is dropped, the rest is kept.
// Structural mistakes the grammar accepts on purpose (an unknown declaration kind, a positional
// argument after named ones, a `dataset` in a sweep) are reported here with their own codes.
import type { CstNode, IToken } from "chevrotain";
import type {
  Arg,
  Call,
  Comment,
  DeclKind,
  Directed,
  EvaluateStmt,
  ExperimentItem,
  Expr,
  GridStmt,
  Ident,
  ImportItem,
  Item,
  NumberLit,
  Pos,
  Program,
  Span,
  Stmt,
  StringLit,
  SweepItem,
  SweepStmt,
} from "./ast.js";
import { suggestNames, type Diagnostic } from "./diagnostics.js";
import { error, firstToken, ident, join, nearest, nodeOffsets, nodeSpan, sub, subs, tok, tokenBounds, tokenSpan, toks, type AstContext } from "./cst.js";
import { tokenMatcher } from "../grammar/chevrotain.js";
import { Colon, Equals, Identifier, IntLit, UnterminatedString } from "../grammar/tokens.js";
import { DECL_KINDS } from "../language/keywords.js";

/** Deepest expression tree kept; deeper ones are reported (HGC004) so later passes cannot overflow the stack. */
export const MAX_EXPRESSION_DEPTH = 200;


// ---------------------------------------------------------------------------------------------
// Items

/**
 * Report the tokens the parser skipped in a block (or at the top level): one error per run of
 * skipped tokens, unless the parser already reported an error on the run's first token.
 */
function reportSkipped(ctx: AstContext, node: CstNode, entryKey: string, expects: string): void {
  const skipped = toks(node, "skipped");
  if (skipped.length === 0) return;
  const entryStarts = subs(node, entryKey)
    .map((n) => nodeOffsets(n)?.[0])
    .filter((o): o is number => o !== undefined)
    .sort((a, b) => a - b);
  // A new run starts when an entry (a statement or an item) was parsed since the previous skipped token.
  const runs: IToken[][] = [];
  let e = 0;
  let prev: IToken | undefined;
  for (const t of skipped) {
    let newRun = prev === undefined;
    while (e < entryStarts.length && entryStarts[e]! < t.startOffset) {
      if (prev && entryStarts[e]! > prev.startOffset) newRun = true;
      e++;
    }
    if (newRun) runs.push([t]);
    else runs[runs.length - 1]!.push(t);
    prev = t;
  }
  for (const run of runs) {
    const [at, message, hint] = entryKey === "statement" ? statementMistake(run) : [run[0]!, `expected ${expects}, found ${quote(run[0]!)}`];
    if (!ctx.reported.has(run[0]!.startOffset) && !ctx.reported.has(at.startOffset)) error(ctx, "HGC001", message, tokenSpan(ctx.file, at), hint);
  }
}

function quote(t: IToken): string {
  return `\`${t.image.length > 24 ? `${t.image.slice(0, 21)}…` : t.image}\``;
}

/** What a run of tokens that could not start a statement most likely lacks: usually its `=`. */
function statementMistake(run: IToken[]): [IToken, string, string | undefined] {
  const [a, b, c] = run;
  if (a && b && tokenMatcher(a, Identifier)) {
    if (tokenMatcher(b, Colon)) return [b, "expected `=`, found `:`", "a statement is `NAME = value`; `name: value` is for the arguments of a call"];
    if (tokenMatcher(b, Identifier) && c && !tokenMatcher(c, Equals)) {
      return [c, `expected \`=\` after \`${a.image} ${b.image}\`, found ${quote(c)}`, "a declaration is `KIND NAME = value`"];
    }
    if (tokenMatcher(b, Identifier) && !c) return [b, `expected \`=\` after \`${a.image} ${b.image}\``, "a declaration is `KIND NAME = value`"];
    if (!tokenMatcher(b, Identifier)) return [b, `expected \`=\` after \`${a.image}\`, found ${quote(b)}`, "a statement is `NAME = value` or `KIND NAME = value`"];
  }
  return [a!, `expected a statement, found ${quote(a!)}`, undefined];
}

/** Report a missing `,` between the elements of a call or a list (the grammar accepts it to recover). */
function reportMissingCommas(ctx: AstContext, node: CstNode, elementKey: string, what: string): void {
  const elements = subs(node, elementKey).filter((n) => nodeOffsets(n) !== undefined);
  const commas = toks(node, "Comma").map((t) => t.startOffset); // in source order
  let c = 0;
  for (let i = 1; i < elements.length; i++) {
    const after = nodeOffsets(elements[i - 1]!)![1];
    const before = nodeOffsets(elements[i]!)![0];
    while (c < commas.length && commas[c]! < after) c++;
    if (c < commas.length && commas[c]! < before) continue;
    const t = firstToken(elements[i]!);
    const last = tokenBounds(elements[i - 1]!)?.[1];
    if (!t || !last) continue;
    error(ctx, "HGC001", `expected \`,\` between ${what}, found \`${t.image}\``, tokenSpan(ctx.file, t), `put a \`,\` after \`${last.image}\``);
  }
}

/** The items of a `program` CST (the whole file, or one chunk of it). */
export function itemsToAst(cst: CstNode, ctx: AstContext): Item[] {
  reportSkipped(ctx, cst, "item", "`experiment`, `sweep` or `import`");
  const items: Item[] = [];
  for (const node of subs(cst, "item")) {
    const item = itemToAst(ctx, node);
    if (item) items.push(item);
  }
  return items;
}

export function programNode(items: Item[], comments: IToken[], text: string, file: string): Program {
  return {
    kind: "Program",
    file,
    items,
    comments: comments.map((t): Comment => ({ kind: "Comment", text: t.image, block: t.image.startsWith("/*"), span: tokenSpan(file, t) })),
    span: { file, start: { offset: 0, line: 1, col: 1 }, end: endPos(text) },
  };
}

/** Offsets at which lines start; lines end at `\n`, `\r\n` or a lone `\r`, as in the lexer. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  const eol = /\r\n?|\n/g;
  while (eol.exec(text) !== null) starts.push(eol.lastIndex);
  return starts;
}

/** Position just past the last character of `text`. */
export function endPos(text: string): Pos {
  const starts = lineStarts(text);
  const last = starts[starts.length - 1]!;
  return { offset: text.length, line: starts.length, col: text.length - last + 1 };
}

function itemToAst(ctx: AstContext, node: CstNode): Item | undefined {
  const imp = sub(node, "importItem");
  if (imp) return importToAst(ctx, imp);
  const exp = sub(node, "experimentItem");
  if (exp) return experimentToAst(ctx, exp);
  const sw = sub(node, "sweepItem");
  if (sw) return sweepToAst(ctx, sw);
  return undefined;
}

function importToAst(ctx: AstContext, node: CstNode): ImportItem | undefined {
  const t = tok(node, "StringLit");
  const span = nodeSpan(ctx, node);
  if (!t || !span) return undefined;
  return { kind: "Import", path: stringToAst(ctx, t), span };
}

function experimentToAst(ctx: AstContext, node: CstNode): ExperimentItem | undefined {
  const name = tok(node, "name");
  const span = nodeSpan(ctx, node);
  if (!name || !span) return undefined;
  const parent = tok(node, "parent");
  const body: Stmt[] = [];
  const block = sub(node, "block");
  if (block) reportSkipped(ctx, block, "statement", "a statement");
  for (const s of block ? subs(block, "statement") : []) {
    const stmt = statementToAst(ctx, s, "experiment");
    if (stmt) body.push(stmt as Stmt);
  }
  return { kind: "Experiment", name: ident(ctx, name), ...(parent ? { extends: ident(ctx, parent) } : {}), body, span };
}

function sweepToAst(ctx: AstContext, node: CstNode): SweepItem | undefined {
  const name = tok(node, "name");
  const span = nodeSpan(ctx, node);
  if (!name || !span) return undefined;
  const body: SweepStmt[] = [];
  const block = sub(node, "block");
  if (block) reportSkipped(ctx, block, "statement", "a statement");
  for (const s of block ? subs(block, "statement") : []) {
    const stmt = statementToAst(ctx, s, "sweep");
    if (stmt) body.push(stmt as SweepStmt);
  }
  return { kind: "Sweep", name: ident(ctx, name), body, span };
}

// ---------------------------------------------------------------------------------------------
// Statements

type Where = "experiment" | "sweep";

function statementToAst(ctx: AstContext, node: CstNode, where: Where): Stmt | SweepStmt | undefined {
  const span = nodeSpan(ctx, node);
  if (!span) return undefined;
  const evaluate = sub(node, "evaluateStmt");
  if (evaluate) {
    if (where === "sweep") {
      error(ctx, "HGC006", "`evaluate` belongs in an experiment, not in a sweep", span, "move this block into the experiment the sweep runs");
      return undefined;
    }
    return evaluateToAst(ctx, evaluate, span);
  }
  const grid = sub(node, "gridStmt");
  if (grid) {
    if (where === "experiment") {
      error(ctx, "HGC006", "`grid` belongs in a sweep, not in an experiment", span, "declare `param NAME = value` here and put the `grid` in a sweep");
      return undefined;
    }
    return gridToAst(ctx, grid, span);
  }
  const search = sub(node, "searchStmt");
  if (search) {
    const c = sub(search, "call");
    const call = c && rootExpression(ctx, () => callToAst(ctx, c), span);
    if (!call) return undefined;
    if (where === "experiment") {
      error(ctx, "HGC006", "`search` belongs in a sweep, not in an experiment", span, "declare `param NAME = low..high` here and put `search random(trials: N)` in a sweep");
      return undefined;
    }
    return { kind: "Search", call, span };
  }
  const callStmt = sub(node, "callStmt");
  if (callStmt) {
    const c = sub(callStmt, "call");
    const call = c && rootExpression(ctx, () => callToAst(ctx, c), span);
    if (!call) return undefined;
    if (call.callee.name === "slurm") {
      if (where === "experiment") {
        error(ctx, "HGC006", "`slurm(…)` belongs in a sweep, not in an experiment", span, "it gives the Slurm resources of a sweep's trials");
        return undefined;
      }
      return { kind: "Slurm", call, span };
    }
    if (call.callee.name !== "train") {
      const hint = nearest(call.callee.name, where === "sweep" ? ["train", "slurm"] : ["train"]);
      error(
        ctx,
        "HGC006",
        `\`${call.callee.name}(…)\` is not a statement`,
        call.callee.span,
        hint ? suggestNames([hint]) : "the only call statement is `train(…)`; declare values with `KIND NAME = …`",
      );
      return undefined;
    }
    if (where === "sweep") {
      error(ctx, "HGC006", "`train(…)` belongs in an experiment, not in a sweep", span);
      return undefined;
    }
    return { kind: "Train", call, span };
  }
  const assign = sub(node, "assignStmt");
  if (assign) {
    const name = tok(assign, "name");
    const value = statementValue(ctx, assign, span);
    if (!name || !value) return undefined;
    return { kind: "Assign", name: ident(ctx, name), value, span };
  }
  const decl = sub(node, "declStmt");
  if (decl) {
    const kind = tok(decl, "kind");
    const name = tok(decl, "name");
    const value = statementValue(ctx, decl, span);
    if (!kind || !name || !value) return undefined;
    if (!(DECL_KINDS as readonly string[]).includes(kind.image)) {
      const hint = nearest(kind.image, DECL_KINDS);
      error(
        ctx,
        "HGC005",
        `unknown declaration kind \`${kind.image}\``,
        tokenSpan(ctx.file, kind),
        hint ? suggestNames([hint]) : `a declaration starts with one of ${DECL_KINDS.map((k) => `\`${k}\``).join(", ")}`,
      );
      return undefined;
    }
    if (where === "sweep") {
      error(ctx, "HGC006", `\`${kind.image}\` declarations belong in an experiment, not in a sweep`, span, "a sweep holds `experiments`, `grid`, `seeds`, `jobs` and `objectives`");
      return undefined;
    }
    return { kind: "Decl", declKind: kind.image as DeclKind, keywordSpan: tokenSpan(ctx.file, kind), name: ident(ctx, name), value, span };
  }
  return undefined;
}

/** The right-hand side of `=`, or undefined (with HGC004 when it is too deep). */
function statementValue(ctx: AstContext, node: CstNode, span: Span): Expr | undefined {
  const v = sub(node, "value");
  const e = v && sub(v, "expression");
  return e && rootExpression(ctx, () => expressionToAst(ctx, e), span);
}

function evaluateToAst(ctx: AstContext, node: CstNode, span: Span): EvaluateStmt {
  reportSkipped(ctx, node, "call", "a protocol call like `knn(…)`");
  const protocols: Call[] = [];
  for (const c of subs(node, "call")) {
    const callSpan = nodeSpan(ctx, c);
    const call = callSpan && rootExpression(ctx, () => callToAst(ctx, c), callSpan);
    if (call) protocols.push(call);
  }
  return { kind: "Evaluate", protocols, span };
}

function gridToAst(ctx: AstContext, node: CstNode, span: Span): GridStmt | undefined {
  const names = toks(node, "name").map((t) => ident(ctx, t));
  const value = statementValue(ctx, node, span);
  if (names.length === 0 || !value) return undefined;
  return { kind: "Grid", names, tuple: tok(node, "LParen") !== undefined, value, span };
}

// ---------------------------------------------------------------------------------------------
// Expressions

// Per-root bookkeeping, cleared before each statement, call statement or protocol is built (plain
// Maps: a WeakMap with millions of entries makes a 10 MB file spend its time in the GC).
/** Depth of each expression built here (children are always built before their parent). */
const depths = new Map<Expr, number>();
/** The span of an expression including the parentheses it was written in, where it had some. */
const outerSpans = new Map<Expr, Span>();

/** Build the expression of a root (a statement's value, `train(…)`, a protocol) and check its depth. */
function rootExpression<T extends Expr>(ctx: AstContext, build: () => T | undefined, span: Span): T | undefined {
  depths.clear();
  outerSpans.clear();
  const e = build();
  const tooDeep = e !== undefined && depthOf(e) > MAX_EXPRESSION_DEPTH;
  depths.clear();
  outerSpans.clear();
  if (tooDeep) {
    error(ctx, "HGC004", `expression nested too deeply (more than ${MAX_EXPRESSION_DEPTH} levels)`, span, "split it into params or simplify it");
    return undefined;
  }
  return e;
}

function depthOf(e: Expr): number {
  return depths.get(e) ?? 1;
}

function outer(e: Expr): Span {
  return outerSpans.get(e) ?? e.span;
}

function made<T extends Expr>(e: T, ...children: (Expr | undefined)[]): T {
  return madeOf(e, children);
}

function madeOf<T extends Expr>(e: T, children: readonly (Expr | undefined)[]): T {
  let d = 0;
  for (const c of children) if (c) d = Math.max(d, depthOf(c));
  depths.set(e, d + 1);
  return e;
}

function expressionToAst(ctx: AstContext, node: CstNode): Expr | undefined {
  return foldBinary(ctx, node, termToAst);
}

function termToAst(ctx: AstContext, node: CstNode): Expr | undefined {
  return foldBinary(ctx, node, unaryToAst);
}

/** `operand (operator operand)*` folded to the left. */
function foldBinary(ctx: AstContext, node: CstNode, build: (ctx: AstContext, n: CstNode) => Expr | undefined): Expr | undefined {
  const operands = subs(node, "operand");
  const operators = toks(node, "operator");
  let left = operands[0] && build(ctx, operands[0]);
  if (!left) return undefined;
  for (let i = 1; i < operands.length; i++) {
    const op = operators[i - 1];
    const right = build(ctx, operands[i]!);
    if (!op || !right) break;
    left = made(
      { kind: "Binary", op: op.image as "+" | "-" | "*" | "/", left, right, span: join(outer(left), outer(right)) },
      left,
      right,
    );
  }
  return left;
}

function unaryToAst(ctx: AstContext, node: CstNode): Expr | undefined {
  const p = sub(node, "primary");
  let operand = p && primaryToAst(ctx, p);
  if (!operand) return undefined;
  for (const access of subs(node, "access")) {
    const prop = toks(access, "property")[0];
    if (!prop) break;
    const property = ident(ctx, prop);
    const a = sub(access, "argument");
    const arg = a ? expressionToAst(ctx, a) : undefined;
    if (a && !arg) break;
    const rparen = toks(access, "RParen")[0];
    const end = rparen ? tokenSpan(ctx.file, rparen) : property.span;
    operand = made({ kind: "Member", object: operand, property, ...(arg ? { arg } : {}), span: join(outer(operand), end) }, operand);
  }
  const minuses = toks(node, "Minus");
  for (let i = minuses.length - 1; i >= 0; i--) {
    const minus = minuses[i]!;
    const span = join(tokenSpan(ctx.file, minus), outer(operand));
    const bare = !outerSpans.has(operand);
    if (bare && operand.kind === "Number" && !operand.raw.startsWith("-")) {
      // `-0.5` is one negative number literal, not a negation.
      operand = made({ ...operand, value: -operand.value, raw: `-${operand.raw}`, span });
    } else if (bare && operand.kind === "Range" && !operand.from.raw.startsWith("-")) {
      // `-1..5` is the range from -1, not the negation of a range.
      const from: NumberLit = operand.from;
      operand = made({ ...operand, from: { ...from, value: -from.value, raw: `-${from.raw}`, span: join(tokenSpan(ctx.file, minus), from.span) }, span });
    } else {
      operand = made({ kind: "Unary", op: "-", operand, span }, operand);
    }
  }
  return operand;
}

function primaryToAst(ctx: AstContext, node: CstNode): Expr | undefined {
  const f = ctx.file;
  if (node.children["from"]) return numberOrRangeToAst(ctx, node);
  const bad = tok(node, "BadNumber");
  if (bad) {
    // Already reported by the lexing pass (HGC003); kept as a number so the tree stays whole.
    return made({ kind: "Number", value: Number.parseFloat(bad.image), raw: bad.image, isInt: false, span: tokenSpan(f, bad) });
  }
  // A region cut out for nesting too deeply (HGC004): its statement is left out.
  if (node.children["Elided"]) return undefined;
  const size = tok(node, "SizeLit");
  if (size) {
    const [h, w] = size.image.split("x");
    return made({ kind: "Size", height: Number(h), width: Number(w), raw: size.image, span: tokenSpan(f, size) });
  }
  const str = tok(node, "StringLit");
  if (str) return made(stringToAst(ctx, str));
  const t = tok(node, "True") ?? tok(node, "False");
  if (t) return made({ kind: "Bool", value: t.image === "true", span: tokenSpan(f, t) });
  const list = sub(node, "list");
  if (list) {
    reportMissingCommas(ctx, list, "expression", "list items");
    const items: Expr[] = [];
    for (const e of subs(list, "expression")) {
      const item = expressionToAst(ctx, e);
      if (item) items.push(item);
    }
    const span = nodeSpan(ctx, list);
    return span && madeOf({ kind: "List", items, span }, items);
  }
  const paren = sub(node, "parenthesized");
  if (paren) {
    const e = sub(paren, "expression");
    const inner = e && expressionToAst(ctx, e);
    const span = nodeSpan(ctx, paren);
    if (inner && span) outerSpans.set(inner, span);
    return inner;
  }
  const directed = sub(node, "directed");
  if (directed) {
    const d = tok(directed, "direction");
    const p = sub(directed, "unary");
    const target = p && unaryToAst(ctx, p);
    if (!d || !target) return undefined;
    const e: Directed = { kind: "Directed", direction: d.image as "maximize" | "minimize", target, span: join(tokenSpan(f, d), outer(target)) };
    return made(e, target);
  }
  const call = sub(node, "call");
  if (call) return callToAst(ctx, call);
  const name = tok(node, "name");
  if (name) return made({ kind: "Name", name: name.image, span: tokenSpan(f, name) });
  return undefined;
}

function numberToAst(ctx: AstContext, t: IToken, negative: boolean, minus?: IToken): NumberLit {
  const value = Number(t.image);
  const span = minus ? join(tokenSpan(ctx.file, minus), tokenSpan(ctx.file, t)) : tokenSpan(ctx.file, t);
  return {
    kind: "Number",
    value: negative ? -value : value,
    raw: negative ? `-${t.image}` : t.image,
    isInt: t.tokenType === IntLit,
    span,
  };
}

function numberOrRangeToAst(ctx: AstContext, node: CstNode): Expr | undefined {
  const from = tok(node, "from");
  if (!from) return undefined;
  const fromLit = numberToAst(ctx, from, false);
  if (!tok(node, "DotDot")) return made(fromLit);
  const to = tok(node, "to");
  if (!to) return made(fromLit);
  const minus = tok(node, "toMinus");
  const toLit = numberToAst(ctx, to, minus !== undefined, minus);
  const scale = tok(node, "scale");
  const span = join(fromLit.span, scale ? tokenSpan(ctx.file, scale) : toLit.span);
  return made({ kind: "Range", from: fromLit, to: toLit, ...(scale ? { scale: "log" as const } : {}), span });
}

const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", n: "\n", t: "\t", r: "\r", "0": "\0" };

function stringToAst(ctx: AstContext, t: IToken): StringLit {
  const span = tokenSpan(ctx.file, t);
  const closed = t.tokenType !== UnterminatedString;
  const body = t.image.slice(1, closed ? -1 : undefined);
  let value = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== "\\") {
      value += c;
      continue;
    }
    const e = body[i + 1] ?? "";
    if (e in ESCAPES) {
      value += ESCAPES[e];
      i++;
    } else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(body.slice(i + 2, i + 6))) {
      value += String.fromCharCode(Number.parseInt(body.slice(i + 2, i + 6), 16));
      i += 5;
    } else {
      const at = t.startOffset + 1 + i;
      const col = (t.startColumn ?? 1) + 1 + i;
      const line = t.startLine ?? 1;
      error(
        ctx,
        "HGC003",
        `invalid escape \`\\${e}\` in a string`,
        { file: ctx.file, start: { offset: at, line, col }, end: { offset: at + 1 + e.length, line, col: col + 1 + e.length } },
        "the escapes are \\\" \\\\ \\/ \\n \\t \\r \\0 and \\uXXXX; write \\\\ for a backslash",
      );
      value += e;
      i++;
    }
  }
  return { kind: "String", value, raw: t.image + (closed ? "" : '"'), span };
}

function callToAst(ctx: AstContext, node: CstNode): Call | undefined {
  const callee = tok(node, "callee");
  const span = nodeSpan(ctx, node);
  if (!callee || !span) return undefined;
  reportMissingCommas(ctx, node, "arg", "arguments");
  let positional: Expr | undefined;
  const args: Arg[] = [];
  for (const a of subs(node, "arg")) {
    const e = sub(a, "expression");
    const value = e && expressionToAst(ctx, e);
    if (!value) continue;
    const name = tok(a, "name");
    if (name) {
      args.push({ kind: "Arg", name: ident(ctx, name), value, span: join(tokenSpan(ctx.file, name), outer(value)) });
    } else if ((positional || args.length > 0) && !ctx.reported.has(outer(value).start.offset)) {
      // (a `name = value` argument was reported by the parser already, with the `:` hint)
      error(
        ctx,
        "HGC007",
        args.length > 0 ? "a positional argument must come before the named ones" : `\`${callee.image}\` takes at most one positional argument`,
        outer(value),
        "name it: `name: value`",
      );
    } else {
      positional = value;
    }
  }
  return madeOf({ kind: "Call", callee: ident(ctx, callee), ...(positional ? { positional } : {}), args, span }, [positional, ...args.map((a) => a.value)]);
}
