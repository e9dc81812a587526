// Text → AST. Runs the lexer and the parser of grammar/ and the CST → AST pass, and turns every
// problem into a Diagnostic. It never throws and never hangs on any input: invalid characters,
// unterminated strings and comments, over-deep nesting and syntax errors all come back as data,
// several per file, next to whatever partial AST could be recovered.
import type { CstNode, IRecognitionException, IToken, TokenType } from "chevrotain";
import { createTokenInstance, EOF, tokenMatcher } from "../grammar/chevrotain.js";
import type { Item, Pos, Program, Span } from "./ast.js";
import { diag as makeDiag, type Code, type Diagnostic, type Result } from "./diagnostics.js";
import { relocate } from "./relocate.js";
import { report, tokenSpan, type AstContext } from "./cst.js";
import { itemsToAst, lineStarts, programNode } from "./to-ast.js";
import { describeToken } from "../grammar/messages.js";
import { hgcParser } from "../grammar/parser.js";
import {
  BadNumber,
  Elided,
  Experiment,
  Extends,
  hgcLexer,
  Identifier,
  Import,
  StringLit,
  Sweep,
  LBracket,
  LCurly,
  LParen,
  RBracket,
  RCurly,
  RParen,
  UnterminatedBlockComment,
  UnterminatedString,
} from "../grammar/tokens.js";

/** Deepest bracket nesting the parser is given; deeper brackets are reported (HGC004) and skipped. */
export const MAX_NESTING = 64;
/** At most this many diagnostics are reported per file (the last one says the rest were left out). */
export const MAX_DIAGNOSTICS = 100;

export interface ParseOutput extends Result<Program> {
  /** The tokens the parser saw (comments excluded), for editor features. */
  tokens: IToken[];
  /** The comment tokens, in source order. */
  comments: IToken[];
}

/** Parse one file. The AST is partial (never absent) when there are errors. */
export function parse(text: string, file: string): Result<Program> {
  const { value, diagnostics } = parseDetailed(text, file);
  return { value, diagnostics };
}

/** `parse`, also returning the tokens (the language server and the formatter use them). */
export function parseDetailed(text: string, file: string): ParseOutput {
  const ctx: AstContext = { file, diagnostics: [], reported: new Set() };
  const add = (d: Diagnostic): void => report(ctx, d);
  const lines = new LineIndex(text);

  const lexed = hgcLexer.tokenize(text);
  for (const e of lexed.errors) {
    const start = lines.pos(e.offset);
    const end = lines.pos(e.offset + e.length);
    const chars = text.slice(e.offset, e.offset + Math.min(e.length, 16));
    add({
      code: "HGC003",
      severity: "error",
      message: e.length === 1 ? `unexpected character ${describeChars(chars)}` : `unexpected characters ${describeChars(chars)}${e.length > 16 ? "…" : ""}`,
      span: { file, start, end },
      notes: [],
      suggestion: { message: "remove it; names are letters, digits and `_`, and text goes in double quotes" },
    });
  }
  const comments = lexed.groups["comments"] ?? [];
  for (const c of comments) {
    if (c.tokenType === UnterminatedBlockComment) {
      add(diag("HGC002", "unterminated block comment", commentStartSpan(file, c), "close it with `*/`"));
    }
  }
  for (const t of lexed.tokens) {
    if (t.tokenType === UnterminatedString) {
      add(diag("HGC002", "unterminated string", tokenSpan(file, t), "close it with `\"` on the same line"));
    } else if (t.tokenType === BadNumber) {
      add(diag("HGC003", `invalid number \`${t.image}\``, tokenSpan(file, t), "write a number like `64`, `0.05` or `1e-3`, a size like `14x14`, or put a space before the name"));
    }
  }

  const tokens = limitNesting(lexed.tokens, file, add);
  const { chunks, junk } = splitItems(tokens);
  for (const t of junk) add(diag("HGC001", `expected \`experiment\`, \`sweep\` or \`import\`, found ${describeToken(t)}`, tokenSpan(file, t)));

  // Each item is parsed on its own: the CST of one item at a time is all that is ever held, and an
  // item left open cannot swallow the ones after it.
  const items: Item[] = [];
  const previous = chunkCache.get(file);
  const cache = new Map<string, CachedChunk>();
  for (let c = 0; c < chunks.length; c++) {
    const { from, to } = chunks[c]!;
    // An item whose text is what it was at the last parse of this file is not parsed again: its
    // AST is moved to where the text now is (an edit above it shifts it by whole lines).
    const first = tokens[from]!;
    const last = tokens[to - 1]!;
    const key = `${first.startColumn}\0${text.slice(first.startOffset, (last.endOffset ?? last.startOffset) + 1)}`;
    const hit = previous?.get(key);
    if (hit) {
      items.push(...relocate(hit.items, file, first.startOffset - hit.offset, first.startLine! - hit.line));
      cache.set(key, hit.offset === first.startOffset ? hit : { items: items.slice(items.length - hit.items.length), offset: first.startOffset, line: first.startLine! });
      continue;
    }
    const reportedBefore = ctx.diagnostics.length;
    hgcParser.input = tokens.slice(from, to);
    hgcParser.missingValues = [];
    let cst: CstNode | undefined;
    try {
      cst = hgcParser.program();
    } catch (err) {
      // Chevrotain reports syntax errors as data; anything thrown here is a stack overflow or a bug.
      // Report it against the item rather than crash the caller.
      add(diag("HGC004", "this item is nested too deeply to parse", tokenSpan(file, tokens[from]!), String((err as Error)?.message ?? err)));
    }
    const next = tokens[to];
    for (const e of hgcParser.errors) {
      const d = syntaxError(e, file, text, lines, next);
      if (!ctx.reported.has(d.span.start.offset)) add(d);
      // what recovery finds again at the same token is the same mistake
      if (e.token && Number.isFinite(e.token.startOffset)) ctx.reported.add(e.token.startOffset);
    }
    for (const { equals, found } of hgcParser.missingValues) {
      add(diag("HGC001", `expected a value after \`=\`, found ${describeToken(found)} on the next line`, tokenSpan(file, equals), "write the value on the same line as the `=`"));
    }
    if (cst) {
      const parsed = itemsToAst(cst, ctx);
      items.push(...parsed);
      // Only an item that parsed cleanly is reused: its diagnostics would otherwise be lost.
      if (ctx.diagnostics.length === reportedBefore) cache.set(key, { items: parsed, offset: first.startOffset, line: first.startLine! });
    }
  }
  // The parser would keep the last input alive otherwise.
  hgcParser.input = [];
  chunkCache.set(file, cache);
  if (chunkCache.size > MAX_CACHED_FILES) chunkCache.delete(chunkCache.keys().next().value!);

  const diagnostics = ctx.diagnostics.sort((a, b) => a.span.start.offset - b.span.start.offset);
  if (diagnostics.length > MAX_DIAGNOSTICS) {
    const left = diagnostics.length - MAX_DIAGNOSTICS;
    diagnostics.length = MAX_DIAGNOSTICS;
    diagnostics[MAX_DIAGNOSTICS - 1]!.notes.push({ message: `${left} more syntax error${left === 1 ? "" : "s"} not shown` });
  }
  return { value: programNode(items, comments, text, file), diagnostics, tokens, comments };
}

/** The items of the last parse of each file, by their text: what an edit did not touch is reused. */
interface CachedChunk {
  items: Item[];
  offset: number;
  line: number;
}
const chunkCache = new Map<string, Map<string, CachedChunk>>();
const MAX_CACHED_FILES = 64;

const ITEM_KEYWORDS = [Import, Experiment, Sweep];

/**
 * Split the tokens into items. An item starts at `import`, `experiment` or `sweep` outside any
 * bracket, or at such a keyword that begins a line and is followed by a name or a string (even
 * inside an unclosed block: that is how a missing `}` is recovered). An item ends there, or where
 * its body closes; tokens after that and before the next item are returned as `junk`, the first
 * token of each run only (one error per run).
 */
function splitItems(tokens: IToken[]): { chunks: { from: number; to: number }[]; junk: IToken[] } {
  const chunks: { from: number; to: number }[] = [];
  const junk: IToken[] = [];
  let start = -1; // first token of the current item, -1 outside any
  let closed = true; // the current item is complete (or there is none)
  let depth = 0;
  let inJunk = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (ITEM_KEYWORDS.includes(t.tokenType)) {
      // `experiment sweep {` and `extends experiment` use the keyword as a name
      const prev = tokens[i - 1];
      const inHeader = prev !== undefined && (prev.tokenType === Extends || (i - 1 === start && (prev.tokenType === Experiment || prev.tokenType === Sweep)));
      const next = tokens[i + 1];
      const startsLine = t.startColumn === 1 && next !== undefined && (tokenMatcher(next, Identifier) || tokenMatcher(next, StringLit));
      if (!inHeader && (depth === 0 || startsLine)) {
        if (start >= 0) chunks.push({ from: start, to: i });
        start = i;
        closed = false;
        depth = 0;
        inJunk = false;
        continue;
      }
    }
    const opens = OPENERS.includes(t.tokenType);
    const closes = !opens && CLOSERS.includes(t.tokenType);
    if (closed) {
      if (!inJunk) junk.push(t);
      inJunk = true;
      if (opens) depth++;
      else if (closes) depth = Math.max(0, depth - 1);
      continue;
    }
    if (opens) depth++;
    else if (closes) {
      depth = Math.max(0, depth - 1);
      if (depth === 0 && tokenMatcher(t, RCurly)) {
        // the item's body is complete
        chunks.push({ from: start, to: i + 1 });
        start = -1;
        closed = true;
      }
    } else if (depth === 0 && i === start + 1 && tokenMatcher(tokens[start]!, Import)) {
      chunks.push({ from: start, to: i + 1 });
      start = -1;
      closed = true;
    }
  }
  if (start >= 0) chunks.push({ from: start, to: tokens.length });
  return { chunks, junk };
}

function diag(code: Code, message: string, span: Span, hint?: string): Diagnostic {
  return makeDiag(code, "error", span, message, hint);
}

function describeChars(s: string): string {
  const printable = [...s].every((c) => c >= " " && c <= "~" && c !== "`");
  if (printable) return `\`${s}\``;
  return [...s].map((c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`).join(" ");
}

function commentStartSpan(file: string, t: IToken): Span {
  const start: Pos = { offset: t.startOffset, line: t.startLine ?? 1, col: t.startColumn ?? 1 };
  return { file, start, end: { offset: start.offset + 2, line: start.line, col: start.col + 2 } };
}

const OPENERS: readonly TokenType[] = [LParen, LBracket, LCurly];
const CLOSERS: readonly TokenType[] = [RParen, RBracket, RCurly];

/**
 * Replace every bracketed expression that nests deeper than MAX_NESTING (reported once) by one
 * `Elided` token, so the recursive-descent parser cannot overflow the stack. The cut starts at
 * the outermost `(` or `[` around the over-deep point; the statement holding it is left out of the
 * AST.
 */
function limitNesting(tokens: IToken[], file: string, add: (d: Diagnostic) => void): IToken[] {
  let depth = 0;
  let tooDeep = false;
  for (const t of tokens) {
    if (OPENERS.includes(t.tokenType)) {
      if (++depth > MAX_NESTING) {
        tooDeep = true;
        break;
      }
    } else if (CLOSERS.includes(t.tokenType)) depth = Math.max(0, depth - 1);
  }
  if (!tooDeep) return tokens;

  const kept: IToken[] = [];
  // the open brackets, with where each was put in `kept`
  const open: { token: IToken; at: number }[] = [];
  let skipTo = -1; // while skipping: the depth whose closing bracket ends the cut
  let cutFrom: IToken | undefined;
  let last: IToken | undefined;
  const elide = (): void => {
    if (!cutFrom || !last) return;
    kept.push(
      createTokenInstance(Elided, "…", cutFrom.startOffset, last.endOffset ?? last.startOffset, cutFrom.startLine ?? 1, last.endLine ?? 1, cutFrom.startColumn ?? 1, last.endColumn ?? 1),
    );
    cutFrom = undefined;
  };
  for (const t of tokens) {
    const opens = OPENERS.includes(t.tokenType);
    const closes = !opens && CLOSERS.includes(t.tokenType);
    if (opens) {
      open.push({ token: t, at: kept.length });
      if (skipTo < 0 && open.length > MAX_NESTING) {
        add(diag("HGC004", `brackets nested too deeply (more than ${MAX_NESTING} levels)`, tokenSpan(file, t), "flatten the expression; nothing here needs this much nesting"));
        const outermost = open.findIndex((o) => o.token.tokenType !== LCurly);
        const cut = outermost >= 0 ? outermost : open.length - 1;
        kept.length = open[cut]!.at;
        cutFrom = open[cut]!.token;
        skipTo = cut + 1;
      }
    }
    if (skipTo < 0) kept.push(t);
    last = t;
    if (closes && open.length > 0) {
      if (open.length === skipTo) {
        skipTo = -1;
        elide();
      }
      open.pop();
    }
  }
  elide();
  return kept;
}

/**
 * A parser error as a diagnostic. `next` is the token after the item being parsed: the parser saw
 * the end of its input there, but the user sees that token.
 */
function syntaxError(e: IRecognitionException, file: string, text: string, lines: LineIndex, next: IToken | undefined): Diagnostic {
  const token: IToken | undefined = e.token;
  // At the end of the input (or on a token made up by recovery) point just past the last real token.
  if (!token || token.tokenType === EOF || !Number.isFinite(token.startOffset)) {
    const prev = (e as { previousToken?: IToken }).previousToken;
    const at = prev && Number.isFinite(prev.endOffset) ? (prev.endOffset ?? 0) + 1 : text.length;
    const pos = lines.pos(at);
    const message = next && e.message.endsWith(END_OF_FILE) ? e.message.slice(0, -END_OF_FILE.length) + describeToken(next) : e.message;
    return diag("HGC001", message, { file, start: pos, end: pos }, hintFor(message));
  }
  const named = token.image === "=" ? equalsInCall(text, token.startOffset) : null;
  if (named) {
    // `train(steps = 20)`: the habit of other languages; say what to write instead.
    const value = /^\s*([^,)\s]+)/.exec(text.slice(token.startOffset + 1))?.[1] ?? "…";
    const span = { file, start: lines.pos(named.start), end: lines.pos(token.startOffset + 1) };
    return diag("HGC001", `\`${named.name} =\` inside a call: arguments are named with \`:\``, span, `use \`:\`: write \`${named.name}: ${value}\``);
  }
  return diag("HGC001", e.message, tokenSpan(file, token), hintFor(e.message));
}

/** The argument name written before a `=` at `offset` inside a call (`(name =` or `, name =`), or null. */
function equalsInCall(text: string, offset: number): { name: string; start: number } | null {
  const m = /[(,]\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(text.slice(Math.max(0, offset - 200), offset));
  if (!m) return null;
  return { name: m[1]!, start: offset - m[0].length + m[0].indexOf(m[1]!) };
}

const END_OF_FILE = describeToken(undefined);

function hintFor(message: string): string | undefined {
  if (message.startsWith("expected `)`")) return "close the call or parenthesis with `)`";
  if (message.startsWith("expected `]`")) return "close the list with `]`; separate its items with `,`";
  if (message.startsWith("expected `}`")) return "close the block with `}`";
  if (message.startsWith("expected `=`")) return "a statement is `NAME = value` or `KIND NAME = value`";
  if (message.startsWith("expected an argument")) return "arguments are written `name: value`, separated by `,`";
  if (message.startsWith("expected a string")) return 'an import names a file: `import "base.hgc"`';
  return undefined;
}

/** Offset → line/column, built once per file. */
class LineIndex {
  private starts: number[] | undefined;
  constructor(private readonly text: string) {}

  pos(offset: number): Pos {
    if (!this.starts) {
      this.starts = lineStarts(this.text);
    }
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return { offset: o, line: lo + 1, col: o - this.starts[lo]! + 1 };
  }
}
