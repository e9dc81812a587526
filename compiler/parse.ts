// Text → AST. Runs the lexer and the parser of grammar/ and the CST → AST pass, and turns every
// problem into a Diagnostic. It never throws and never hangs on any input: invalid characters,
// unterminated strings and comments, over-deep nesting and syntax errors all come back as data,
// several per file, next to whatever partial AST could be recovered.
import type { IRecognitionException, IToken } from "chevrotain";
import { EOF, tokenMatcher } from "chevrotain";
import type { Pos, Program, Span } from "./ast.js";
import type { Diagnostic, Result } from "./diagnostics.js";
import { programToAst, tokenSpan } from "./to-ast.js";
import { hgcParser } from "../grammar/parser.js";
import {
  BadNumber,
  hgcLexer,
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
  const diagnostics: Diagnostic[] = [];
  const lines = new LineIndex(text);

  const lexed = hgcLexer.tokenize(text);
  for (const e of lexed.errors) {
    const start = lines.pos(e.offset);
    const end = lines.pos(e.offset + e.length);
    const chars = text.slice(e.offset, e.offset + Math.min(e.length, 16));
    diagnostics.push({
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
      diagnostics.push(diag("HGC002", "unterminated block comment", commentStartSpan(file, c), "close it with `*/`"));
    }
  }
  for (const t of lexed.tokens) {
    if (t.tokenType === UnterminatedString) {
      diagnostics.push(diag("HGC002", "unterminated string", tokenSpan(file, t), "close it with `\"` on the same line"));
    } else if (t.tokenType === BadNumber) {
      diagnostics.push(
        diag("HGC003", `invalid number \`${t.image}\``, tokenSpan(file, t), "write a number like `64`, `0.05` or `1e-3`, a size like `14x14`, or put a space before the name"),
      );
    }
  }

  const { tokens, dropped } = limitNesting(lexed.tokens, file, diagnostics);

  hgcParser.input = tokens;
  let cst;
  try {
    cst = hgcParser.program();
  } catch (err) {
    // Chevrotain reports syntax errors as data; anything thrown here is a stack overflow or a bug.
    // Report it against the file rather than crash the caller.
    diagnostics.push(diag("HGC004", "this file is nested too deeply to parse", { file, start: lines.pos(0), end: lines.pos(0) }, String((err as Error)?.message ?? err)));
    cst = undefined;
  }
  const seen = new Set<number>();
  for (const e of hgcParser.errors) {
    const d = syntaxError(e, file, text, lines);
    if (seen.has(d.span.start.offset)) continue;
    // Where an over-deep region was cut out, the hole itself is not a second mistake.
    if (dropped.some(([from, to]) => d.span.start.offset >= from && d.span.start.offset <= to)) continue;
    seen.add(d.span.start.offset);
    diagnostics.push(d);
  }

  const ctx = { file, diagnostics };
  const value = programToAst(cst, ctx, text, comments);
  // The parser keeps the last input alive otherwise; a 10 MB file is worth releasing.
  hgcParser.input = [];

  diagnostics.sort((a, b) => a.span.start.offset - b.span.start.offset);
  if (diagnostics.length > MAX_DIAGNOSTICS) {
    const dropped = diagnostics.length - MAX_DIAGNOSTICS;
    diagnostics.length = MAX_DIAGNOSTICS;
    diagnostics[MAX_DIAGNOSTICS - 1]!.notes.push({ message: `${dropped} more syntax error${dropped === 1 ? "" : "s"} not shown` });
  }
  return { value, diagnostics, tokens, comments };
}

function diag(code: string, message: string, span: Span, hint?: string): Diagnostic {
  return { code, severity: "error", message, span, notes: [], ...(hint ? { suggestion: { message: hint } } : {}) };
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

const OPENERS = [LParen, LBracket, LCurly];
const CLOSERS = [RParen, RBracket, RCurly];

/**
 * Cut out every bracketed expression that nests deeper than MAX_NESTING (reporting it once), so
 * the recursive-descent parser cannot overflow the stack. The cut starts at the outermost `(` or
 * `[` around the over-deep point, so what remains is a statement with a missing value, not a
 * trail of unbalanced brackets.
 */
function limitNesting(tokens: IToken[], file: string, diagnostics: Diagnostic[]): { tokens: IToken[]; dropped: [number, number][] } {
  let depth = 0;
  let tooDeep = false;
  for (const t of tokens) {
    if (OPENERS.some((o) => tokenMatcher(t, o))) {
      if (++depth > MAX_NESTING) {
        tooDeep = true;
        break;
      }
    } else if (CLOSERS.some((c) => tokenMatcher(t, c))) depth = Math.max(0, depth - 1);
  }
  if (!tooDeep) return { tokens, dropped: [] };

  const kept: IToken[] = [];
  // [first dropped offset, offset of the first token kept after it] of each region cut out
  const dropped: [number, number][] = [];
  // the open brackets, with where each was put in `kept`
  const open: { token: IToken; at: number }[] = [];
  let skipTo = -1; // while skipping: the depth whose closing bracket ends the cut
  for (const t of tokens) {
    const opens = OPENERS.some((o) => tokenMatcher(t, o));
    const closes = !opens && CLOSERS.some((c) => tokenMatcher(t, c));
    if (opens) {
      open.push({ token: t, at: kept.length });
      if (skipTo < 0 && open.length > MAX_NESTING) {
        diagnostics.push(
          diag("HGC004", `brackets nested too deeply (more than ${MAX_NESTING} levels)`, tokenSpan(file, t), "flatten the expression; nothing here needs this much nesting"),
        );
        const outermost = open.findIndex((o) => !tokenMatcher(o.token, LCurly));
        const cut = outermost >= 0 ? outermost : open.length - 1;
        kept.length = open[cut]!.at;
        skipTo = cut + 1;
        dropped.push([open[cut]!.token.startOffset, Infinity]);
      }
    }
    if (skipTo < 0) {
      const last = dropped[dropped.length - 1];
      if (last && last[1] === Infinity) last[1] = t.startOffset;
      kept.push(t);
    }
    if (closes && open.length > 0) {
      if (open.length === skipTo) skipTo = -1;
      open.pop();
    }
  }
  return { tokens: kept, dropped };
}

function syntaxError(e: IRecognitionException, file: string, text: string, lines: LineIndex): Diagnostic {
  let token: IToken | undefined = e.token;
  // At the end of the input (or on a token made up by recovery) point just past the last real token.
  if (!token || token.tokenType === EOF || !Number.isFinite(token.startOffset)) {
    const prev = (e as { previousToken?: IToken }).previousToken;
    const at = prev && Number.isFinite(prev.endOffset) ? (prev.endOffset ?? 0) + 1 : text.length;
    const pos = lines.pos(at);
    token = undefined;
    return diag("HGC001", e.message, { file, start: pos, end: pos }, hintFor(e.message));
  }
  return diag("HGC001", e.message, tokenSpan(file, token), hintFor(e.message));
}

function hintFor(message: string): string | undefined {
  if (message.startsWith("expected `)`")) return "close the call or parenthesis with `)`";
  if (message.startsWith("expected `]`")) return "close the list with `]`; separate its items with `,`";
  if (message.startsWith("expected `}`")) return "close the block with `}`";
  if (message.startsWith("expected `=`")) return "a statement is `NAME = value` or `KIND NAME = value`";
  if (message.startsWith("expected an argument")) return "arguments are written `name: value`, separated by `,`";
  return undefined;
}

/** Offset → line/column, built once per file. */
class LineIndex {
  private starts: number[] | undefined;
  constructor(private readonly text: string) {}

  pos(offset: number): Pos {
    if (!this.starts) {
      this.starts = [0];
      for (let i = this.text.indexOf("\n"); i !== -1; i = this.text.indexOf("\n", i + 1)) this.starts.push(i + 1);
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
