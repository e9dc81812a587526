// The canonical layout of .hgc files (`hgc fmt`). Printed from the AST, with the comments put
// back by position. The rules (grammar/GRAMMAR.md, "Canonical layout", has them for users):
//   - 2-space indent; one statement per line; `name: value` arguments joined by `, `; spaces
//     around binary operators; parentheses only where precedence needs them; nothing aligned.
//   - exactly one blank line between items, except that adjacent one-line items stay adjacent
//     (`experiment contrastive_only extends hybrid { objective = con }` and its siblings);
//   - inside a block, blank lines between statements are kept, at most one in a row;
//   - an item whose source is one line with a single statement and no comment stays on one line;
//   - a call or list with a comment inside is laid out one element per line (with a trailing
//     comma) so the comment can stay next to its element; a comment anywhere else inside a
//     statement moves to the end of that statement's line;
//   - a comment that followed code on the same line stays trailing (two spaces, then the
//     comment); any other comment keeps its own line;
//   - numbers, strings and sizes keep their written form.
// A file with syntax errors is returned unchanged, with the diagnostics.
import type { IToken } from "chevrotain";
import type { Arg, Call, Comment, EvaluateStmt, ExperimentItem, Expr, Item, Program, Span, Stmt, SweepItem, SweepStmt } from "./ast.js";
import type { Result } from "./diagnostics.js";
import { parseDetailed } from "./parse.js";
import { LCurly } from "../grammar/tokens.js";

const INDENT = "  ";

/** Format a file. Returns the text unchanged (with the diagnostics) when it has syntax errors. */
export function format(text: string, file: string): Result<string> {
  const parsed = parseDetailed(text, file);
  if (parsed.diagnostics.some((d) => d.severity === "error")) return { value: text, diagnostics: parsed.diagnostics };
  return { value: new Printer(text, parsed.value, parsed.tokens).program(), diagnostics: parsed.diagnostics };
}

/** One thing laid out in a sequence: an item, a statement or a protocol call. */
interface Entry {
  span: Span;
  render(indent: string): string;
}

type Prev = "start" | "entry" | "comment";

class Printer {
  private next = 0; // index of the first comment not printed yet

  constructor(
    private readonly text: string,
    private readonly ast: Program,
    private readonly tokens: IToken[],
  ) {}

  program(): string {
    const out: string[] = [];
    this.sequence(out, this.ast.items.map((item) => this.itemEntry(item)), "", { offset: 0, line: 0, end: this.text.length, top: true });
    return out.length === 0 ? "" : `${out.join("\n")}\n`;
  }

  // -- comments ---------------------------------------------------------------------------------

  private nextCommentStart(): number {
    return this.ast.comments[this.next]?.span.start.offset ?? Infinity;
  }

  /** Every unprinted comment that starts before `offset`, in order. */
  private takeBefore(offset: number): Comment[] {
    const taken: Comment[] = [];
    while (this.next < this.ast.comments.length && this.ast.comments[this.next]!.span.start.offset < offset) {
      taken.push(this.ast.comments[this.next++]!);
    }
    return taken;
  }

  /**
   * `line` followed by trailing comments. Nothing may follow a `//` comment on its line, so a
   * comment after one goes on the next line (at `indent`). Returns whether the result ends in one.
   */
  private withComments(line: string, comments: Comment[], indent: string, endsInLineComment = false): [string, boolean] {
    let text = line;
    let lc = endsInLineComment;
    for (const c of comments) {
      text += lc ? `\n${indent}${c.text}` : `${INDENT}${c.text}`;
      lc = !c.block;
    }
    return [text, lc];
  }

  /** True when the source between two offsets holds an empty line. */
  private blankBetween(from: number, to: number): boolean {
    // Only whitespace lies between two things the formatter prints, so the slice is short.
    return (this.text.slice(from, to).match(/\r\n?|\n/g)?.length ?? 0) >= 2;
  }

  // -- sequences of items, statements and protocol calls ---------------------------------------

  /**
   * Lay out entries and the comments around them, one per line, into `out`.
   * `at.offset`/`at.line`: where the sequence starts in the source (just after `{`, and that
   * brace's line, so a comment on it stays on the header line); `at.end`: where it stops (`}`).
   */
  private sequence(out: string[], entries: Entry[], indent: string, at: { offset: number; line: number; end: number; top: boolean }): void {
    let prev: Prev = "start";
    let prevEnd = at.offset;
    let prevLine = at.line;
    let prevOneLine = false;
    let lineComment = false; // the last line of `out` ends in a `//` comment

    const comment = (c: Comment): void => {
      if (c.span.start.line === prevLine && out.length > 0) {
        [out[out.length - 1], lineComment] = this.withComments(out[out.length - 1]!, [c], indent, lineComment);
      } else {
        const blank = prev !== "start" && (this.blankBetween(prevEnd, c.span.start.offset) || (at.top && prev === "entry"));
        if (blank) out.push("");
        out.push(indent + c.text);
        lineComment = !c.block;
        prev = "comment";
      }
      prevEnd = c.span.end.offset;
      prevLine = c.span.end.line;
    };

    for (const entry of entries) {
      for (const c of this.takeBefore(entry.span.start.offset)) comment(c);
      const [rendered, lc] = this.withComments(entry.render(indent), this.takeBefore(entry.span.end.offset), indent);
      const oneLine = !rendered.includes("\n");
      if (prev !== "start") {
        const blankInSource = this.blankBetween(prevEnd, entry.span.start.offset);
        const itemGap = at.top && prev === "entry" && !(prevOneLine && oneLine);
        if (blankInSource || itemGap) out.push("");
      }
      out.push(indent + rendered);
      lineComment = lc;
      prev = "entry";
      prevEnd = entry.span.end.offset;
      prevLine = entry.span.end.line;
      prevOneLine = oneLine;
    }
    for (const c of this.takeBefore(at.end)) comment(c);
  }

  private itemEntry(item: Item): Entry {
    return {
      span: item.span,
      render: (indent) => {
        switch (item.kind) {
          case "Import":
            return `import ${item.path.raw}`;
          case "Experiment":
            return this.block(item, `experiment ${item.name.name}${item.extends ? ` extends ${item.extends.name}` : ""}`, indent);
          case "Sweep":
            return this.block(item, `sweep ${item.name.name}`, indent);
        }
      },
    };
  }

  private block(item: ExperimentItem | SweepItem, header: string, indent: string): string {
    const body: (Stmt | SweepStmt)[] = item.body;
    const commentInside = this.nextCommentStart() < item.span.end.offset;
    if (!commentInside && body.length === 0) return `${header} {}`;
    if (!commentInside && body.length === 1 && item.span.start.line === item.span.end.line) {
      const only = this.statement(body[0]!, indent);
      if (!only.includes("\n")) return `${header} { ${only} }`;
    }
    return this.braces(header, body.map((s) => this.statementEntry(s)), item.span, indent);
  }

  /** `header {`, the entries one per line, `}`. */
  private braces(header: string, entries: Entry[], span: Span, indent: string): string {
    const brace = this.braceAfter(span.start.offset);
    const out = [header + " {"];
    const inner = indent + INDENT;
    this.sequence(out, entries, inner, {
      offset: brace ? (brace.endOffset ?? brace.startOffset) + 1 : span.start.offset,
      line: brace?.startLine ?? span.start.line,
      end: span.end.offset - 1,
      top: false,
    });
    out.push(`${indent}}`);
    return out.join("\n");
  }

  /** The first `{` token at or after an offset. */
  private braceAfter(offset: number): IToken | undefined {
    let lo = 0;
    let hi = this.tokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.tokens[mid]!.startOffset < offset) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.tokens.length; i++) if (this.tokens[i]!.tokenType === LCurly) return this.tokens[i];
    return undefined;
  }

  // -- statements -------------------------------------------------------------------------------

  private statementEntry(stmt: Stmt | SweepStmt): Entry {
    return { span: stmt.span, render: (indent) => this.statement(stmt, indent) };
  }

  private statement(stmt: Stmt | SweepStmt, indent: string): string {
    switch (stmt.kind) {
      case "Assign":
        return `${stmt.name.name} = ${this.expr(stmt.value, indent)}`;
      case "Decl":
        return `${stmt.declKind} ${stmt.name.name} = ${this.expr(stmt.value, indent)}`;
      case "Train":
      case "Slurm":
        return this.expr(stmt.call, indent);
      case "Search":
        return `search ${this.expr(stmt.call, indent)}`;
      case "Grid": {
        const names = stmt.tuple ? `(${stmt.names.map((n) => n.name).join(", ")})` : stmt.names[0]!.name;
        return `grid ${names} = ${this.expr(stmt.value, indent)}`;
      }
      case "Evaluate":
        return this.evaluate(stmt, indent);
    }
  }

  private evaluate(stmt: EvaluateStmt, indent: string): string {
    if (stmt.protocols.length === 0 && this.nextCommentStart() >= stmt.span.end.offset) return "evaluate {}";
    const entries = stmt.protocols.map((call): Entry => ({ span: call.span, render: (i) => this.expr(call, i) }));
    return this.braces("evaluate", entries, stmt.span, indent);
  }

  // -- expressions ------------------------------------------------------------------------------

  /** `indent` is the indentation of the line the expression starts on. */
  private expr(e: Expr, indent: string): string {
    switch (e.kind) {
      case "Number":
      case "String":
      case "Size":
        return e.raw;
      case "Bool":
        return e.value ? "true" : "false";
      case "Range":
        return `${e.from.raw}..${e.to.raw}${e.scale ? ` ${e.scale}` : ""}`;
      case "Name":
        return e.name;
      case "Member":
        return `${this.operand(e.object, indent, !isAtom(e.object))}.${e.property.name}${e.arg ? `(${this.expr(e.arg, indent)})` : ""}`;
      case "Unary": {
        const o = e.operand;
        return `-${this.operand(o, indent, o.kind === "Binary" || o.kind === "Directed" || o.kind === "Range")}`;
      }
      case "Binary": {
        const p = precedence(e);
        return `${this.operand(e.left, indent, precedence(e.left) < p)} ${e.op} ${this.operand(e.right, indent, precedence(e.right) <= p)}`;
      }
      case "Directed":
        return `${e.direction} ${this.operand(e.target, indent, !startsWithName(e.target))}`;
      case "List":
        return this.container("[", "]", e.items.map((item) => ({ span: item.span, render: (i: string) => this.expr(item, i) })), e.span, indent);
      case "Call":
        return this.call(e, indent);
    }
  }

  private operand(e: Expr, indent: string, parens: boolean): string {
    const s = this.expr(e, indent);
    return parens ? `(${s})` : s;
  }

  private call(e: Call, indent: string): string {
    const elements: Entry[] = [];
    if (e.positional) {
      const p = e.positional;
      elements.push({ span: p.span, render: (i) => this.expr(p, i) });
    }
    for (const a of e.args) elements.push({ span: a.span, render: (i) => this.arg(a, i) });
    return this.container(`${e.callee.name}(`, ")", elements, e.span, indent);
  }

  private arg(a: Arg, indent: string): string {
    return `${a.name.name}: ${this.expr(a.value, indent)}`;
  }

  /** `open a, b close` on one line, or, with a comment inside, one element per line. */
  private container(open: string, close: string, elements: Entry[], span: Span, indent: string): string {
    if (this.nextCommentStart() >= span.end.offset) {
      return `${open}${elements.map((el) => el.render(indent)).join(", ")}${close}`;
    }
    const inner = indent + INDENT;
    const lines: string[] = [];
    let lastLine = -1;
    let lineComment = false;
    const comment = (c: Comment): void => {
      if (lines.length > 0 && c.span.start.line === lastLine) {
        [lines[lines.length - 1], lineComment] = this.withComments(lines[lines.length - 1]!, [c], inner, lineComment);
      } else {
        lines.push(inner + c.text);
        lineComment = !c.block;
      }
      lastLine = c.span.end.line;
    };
    for (const el of elements) {
      for (const c of this.takeBefore(el.span.start.offset)) comment(c);
      const [line, lc] = this.withComments(`${inner}${el.render(inner)},`, this.takeBefore(el.span.end.offset), inner);
      lines.push(line);
      lineComment = lc;
      lastLine = el.span.end.line;
    }
    for (const c of this.takeBefore(span.end.offset)) comment(c);
    return `${open}\n${lines.join("\n")}\n${indent}${close}`;
  }
}

function precedence(e: Expr): number {
  switch (e.kind) {
    case "Directed":
      return 0;
    case "Binary":
      return e.op === "+" || e.op === "-" ? 1 : 2;
    case "Unary":
      return 3;
    default:
      return 4;
  }
}

/** Expressions that can be the object of `.member` without parentheses. */
function isAtom(e: Expr): boolean {
  switch (e.kind) {
    case "Name":
    case "Member":
    case "Call":
    case "String":
    case "List":
    case "Bool":
    case "Size":
      return true;
    case "Number":
      return !e.raw.startsWith("-");
    default:
      return false;
  }
}

/** `maximize` takes a name, a member path or a call (what the grammar accepts after it). */
function startsWithName(e: Expr): boolean {
  return e.kind === "Name" || e.kind === "Call" || (e.kind === "Member" && startsWithName(e.object));
}
