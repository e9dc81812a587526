// Where the cursor is, in the terms completion needs: inside a comment or string, after `x.`,
// at an argument's name or value inside a call, at the start of a statement in an experiment,
// a sweep or an evaluate block, or after `=`. Read from the lexer's tokens (not the parser's
// AST), because the text being typed is usually not a valid program yet.
import type { IToken } from "chevrotain";
import { hgcLexer } from "../grammar/tokens.js";

export type Block = "top" | "experiment" | "sweep" | "evaluate";

export type CursorContext =
  /** In a comment or a string: nothing to complete. */
  | { kind: "none" }
  /** Inside the string of `import "…"`: `from` is the offset just after the opening quote. */
  | { kind: "importPath"; from: number }
  /** After `object.`: its members. */
  | { kind: "member"; object: string; block: Block; item?: string }
  /** Where a named argument of `callee` goes (after `(` or `,`); `positional` when first. */
  | { kind: "argName"; callee: string; given: string[]; positional: boolean; block: Block; item?: string }
  /** The value of argument `arg` of `callee` (after `arg:`, possibly inside a list). */
  | { kind: "argValue"; callee: string; arg: string; inList: boolean; block: Block; item?: string }
  /** The first word of a statement (or of an item at the top level). */
  | { kind: "statement"; block: Block; item?: string }
  /** After `experiment NAME`: `extends`. */
  | { kind: "afterItemName"; item?: string }
  /** After `extends`: another experiment. */
  | { kind: "extendsTarget"; item?: string }
  /** After `grid`: a param. */
  | { kind: "gridName"; item?: string }
  /** The right side of `head NAME =`, `optimizer =`, `objective = … +`, `experiments = [` … */
  | { kind: "value"; block: Block; statement: string; declKind?: string; inList: boolean; item?: string };

export interface Cursor {
  context: CursorContext;
  /** The word being typed, up to the cursor (the completion's filter prefix). */
  prefix: string;
  /** Offset where the word being typed starts. */
  wordStart: number;
}

interface Open {
  token: IToken;
  /** Index in `before` of the bracket. */
  at: number;
}

const WORD_BEFORE = /[A-Za-z_][A-Za-z0-9_]*$/;

function isName(t: IToken | undefined): boolean {
  return !!t && /^[A-Za-z_][A-Za-z0-9_]*$/.test(t.image);
}

function endOf(t: IToken): number {
  return t.endOffset ?? t.startOffset + t.image.length - 1;
}

/** Whether `offset` is inside a comment or a string (where nothing is completed). */
function inCommentOrString(offset: number, tokens: IToken[], comments: IToken[]): boolean {
  for (const c of comments) {
    // A line comment, or a block comment left open, also holds the position just after its text.
    const open = c.image.startsWith("//") || c.image.length < 4 || !c.image.endsWith("*/");
    if (c.startOffset < offset && offset <= endOf(c) + (open ? 1 : 0)) return true;
  }
  for (const t of tokens) {
    if (t.image.startsWith('"')) {
      const closed = t.image.length >= 2 && t.image.endsWith('"');
      if (t.startOffset < offset && (closed ? offset <= endOf(t) : offset <= endOf(t) + 1)) return true;
    }
  }
  return false;
}

/** The context of the cursor at `offset` in `text`. */
export function cursorAt(text: string, offset: number): Cursor {
  const head = text.slice(0, offset);
  const prefix = WORD_BEFORE.exec(head)?.[0] ?? "";
  const wordStart = offset - prefix.length;
  const lexed = hgcLexer.tokenize(text);
  const comments = lexed.groups["comments"] ?? [];
  if (inCommentOrString(offset, lexed.tokens, comments)) {
    const i = lexed.tokens.findIndex((t) => t.image.startsWith('"') && t.startOffset < offset && offset <= endOf(t) + 1);
    if (i > 0 && lexed.tokens[i - 1]!.image === "import") {
      return { context: { kind: "importPath", from: lexed.tokens[i]!.startOffset + 1 }, prefix, wordStart };
    }
    return { context: { kind: "none" }, prefix, wordStart };
  }
  const before = lexed.tokens.filter((t) => endOf(t) < wordStart);
  return { context: classify(text, before, wordStart), prefix, wordStart };
}

function classify(text: string, before: IToken[], wordStart: number): CursorContext {
  // Open brackets at the cursor, innermost last.
  const stack: Open[] = [];
  before.forEach((t, i) => {
    if (t.image === "{" || t.image === "(" || t.image === "[") stack.push({ token: t, at: i });
    else if (t.image === "}" || t.image === ")" || t.image === "]") {
      const want = t.image === "}" ? "{" : t.image === ")" ? "(" : "[";
      const j = stack.map((o) => o.token.image).lastIndexOf(want);
      if (j >= 0) stack.length = j;
    }
  });

  const blocks = stack.filter((o) => o.token.image === "{");
  const { block, item } = blockOf(before, blocks);
  const last = before[before.length - 1];
  const prev = before[before.length - 2];

  // `enc.` → members
  if (last?.image === "." && isName(prev)) return { kind: "member", object: prev!.image, block, ...(item ? { item } : {}) };

  const inner = stack[stack.length - 1];
  if (inner && inner.token.image !== "{") {
    // Inside a call's parentheses, or a list inside one.
    const call = [...stack].reverse().find((o) => o.token.image === "(");
    const listInCall = inner.token.image === "[" && call !== undefined && call.at < inner.at;
    const callee = call ? before[call.at - 1] : undefined;
    // `(` after a name is a call; after `=` or an operator it only groups (`objective = (gen + …`).
    const calleeName = isName(callee) ? callee!.image : "";
    if (call && calleeName && (inner === call || listInCall)) {
      if (inner === call && (last === call.token || last?.image === ",")) {
        const given = argNames(before.slice(call.at + 1));
        return { kind: "argName", callee: calleeName, given, positional: last === call.token, block, ...(item ? { item } : {}) };
      }
      // The argument whose value this is: the last `name:` at the call's own depth.
      const arg = currentArg(before, call.at);
      if (arg) return { kind: "argValue", callee: calleeName, arg, inList: listInCall, block, ...(item ? { item } : {}) };
      // A positional argument being continued (`mlp(enc` …): names in scope.
      return { kind: "value", block, statement: calleeName, inList: false, ...(item ? { item } : {}) };
    }
    // A list or a group outside a call: `experiments = [`, `objectives = [`, `objective = (`.
    const stmt = statementTokens(text, before.slice(0, inner.at), blocks[blocks.length - 1]?.at ?? -1);
    return valueOf(stmt, block, item, true);
  }

  // At the level of a block (or the top level).
  const blockStart = inner ? inner.at : -1;
  if (startsStatement(text, before, wordStart, blockStart)) {
    return { kind: "statement", block, ...(item ? { item } : {}) };
  }
  const stmt = statementTokens(text, before, blockStart);
  const words = stmt.map((t) => t.image);
  if (block === "top") {
    if (words[0] === "experiment" && words.length === 2) return { kind: "afterItemName", ...(item ? { item } : {}) };
    if (words[0] === "experiment" && words[2] === "extends" && words.length === 3) return { kind: "extendsTarget", ...(item ? { item } : {}) };
    return { kind: "statement", block, ...(item ? { item } : {}) };
  }
  if (words[0] === "grid" && words.length === 1) return { kind: "gridName", ...(item ? { item } : {}) };
  if (words.includes("=")) return valueOf(stmt, block, item, false);
  return { kind: "statement", block, ...(item ? { item } : {}) };
}

/** The value side of a statement: what `=` assigns. */
function valueOf(stmt: IToken[], block: Block, item: string | undefined, inList: boolean): CursorContext {
  const words = stmt.map((t) => t.image);
  const eq = words.indexOf("=");
  const lhs = eq >= 0 ? words.slice(0, eq) : words;
  const declKind = lhs.length === 2 ? lhs[0] : undefined;
  const statement = lhs.length === 2 ? lhs[1]! : lhs[0] ?? "";
  return { kind: "value", block, statement, ...(declKind ? { declKind } : {}), inList, ...(item ? { item } : {}) };
}

/** The tokens of the statement the cursor is in: from the last token that begins a line at block depth. */
function statementTokens(text: string, before: IToken[], blockStart: number): IToken[] {
  let depth = 0;
  let start = blockStart + 1;
  for (let i = blockStart + 1; i < before.length; i++) {
    const t = before[i]!;
    if (depth === 0 && firstOnLine(text, t.startOffset)) start = i;
    if (t.image === "(" || t.image === "[" || t.image === "{") depth++;
    else if (t.image === ")" || t.image === "]" || t.image === "}") depth = Math.max(0, depth - 1);
  }
  return before.slice(start);
}

function firstOnLine(text: string, offset: number): boolean {
  for (let i = offset - 1; i >= 0; i--) {
    const c = text[i];
    if (c === "\n") return true;
    if (c !== " " && c !== "\t" && c !== "\r") return false;
  }
  return true;
}

function startsStatement(text: string, before: IToken[], wordStart: number, blockStart: number): boolean {
  const last = before[before.length - 1];
  if (!last || before.length - 1 === blockStart) return true;
  if (last.image === "}" || last.image === "{") return true;
  return firstOnLine(text, wordStart);
}

/** Names of the arguments already given in a call (the tokens after its `(`), at the call's own depth. */
function argNames(inside: IToken[]): string[] {
  const out: string[] = [];
  let depth = 0;
  inside.forEach((t, i) => {
    if (t.image === "(" || t.image === "[") depth++;
    else if (t.image === ")" || t.image === "]") depth--;
    else if (depth === 0 && t.image === ":" && isName(inside[i - 1])) out.push(inside[i - 1]!.image);
  });
  return out;
}

function currentArg(before: IToken[], callAt: number): string | undefined {
  let depth = 0;
  let arg: string | undefined;
  for (let i = callAt + 1; i < before.length; i++) {
    const t = before[i]!;
    if (t.image === "(" || t.image === "[") depth++;
    else if (t.image === ")" || t.image === "]") depth--;
    else if (depth === 0 && t.image === ",") arg = undefined;
    else if (depth === 0 && t.image === ":" && isName(before[i - 1])) arg = before[i - 1]!.image;
  }
  return arg;
}

/** The block the cursor is in, and the experiment or sweep around it. */
function blockOf(before: IToken[], blocks: Open[]): { block: Block; item?: string } {
  if (blocks.length === 0) return { block: "top" };
  const outer = blocks[0]!;
  // `experiment NAME [extends P] {` or `sweep NAME {`
  let kind: Block = "top";
  let item: string | undefined;
  for (let i = outer.at - 1; i >= 0 && i >= outer.at - 4; i--) {
    const w = before[i]!.image;
    if (w === "experiment" || w === "sweep") {
      kind = w;
      const name = before[i + 1];
      if (isName(name) && name !== outer.token) item = name!.image;
      break;
    }
  }
  const innermost = blocks[blocks.length - 1]!;
  if (blocks.length > 1 && before[innermost.at - 1]?.image === "evaluate") return { block: "evaluate", ...(item ? { item } : {}) };
  return { block: kind, ...(item ? { item } : {}) };
}
