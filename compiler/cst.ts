// Reading chevrotain's CST: its tokens and sub-nodes by key, their spans, and the context the
// CST → AST pass reports into (to-ast.ts). Kept apart so to-ast.ts reads as the language's shapes.
import type { CstElement, CstNode, IToken } from "chevrotain";
import type { Ident, Pos, Span } from "./ast.js";
import { diag, type Code, type Diagnostic, type Hint } from "./diagnostics.js";

export interface AstContext {
  file: string;
  diagnostics: Diagnostic[];
  /** Start offsets of the errors reported so far: a skipped token already reported is not reported twice. */
  reported: Set<number>;
}

/** Add a diagnostic to the context (every diagnostic of a parse goes through here). */
export function report(ctx: AstContext, d: Diagnostic): void {
  ctx.diagnostics.push(d);
  ctx.reported.add(d.span.start.offset);
}

export function isCstNode(e: CstElement): e is CstNode {
  return (e as CstNode).children !== undefined;
}

export function isReal(t: IToken | undefined): t is IToken {
  return t !== undefined && !t.isInsertedInRecovery && Number.isFinite(t.startOffset);
}

export function startOf(t: IToken): Pos {
  return { offset: t.startOffset, line: t.startLine ?? 1, col: t.startColumn ?? 1 };
}

export function endOf(t: IToken): Pos {
  const endOffset = t.endOffset ?? t.startOffset + t.image.length - 1;
  return { offset: endOffset + 1, line: t.endLine ?? t.startLine ?? 1, col: (t.endColumn ?? t.startColumn ?? 0) + 1 };
}

export function tokenSpan(file: string, t: IToken): Span {
  return { file, start: startOf(t), end: endOf(t) };
}

export function join(a: Span, b: Span): Span {
  return { file: a.file, start: a.start, end: b.end };
}

/** First and last real tokens under a CST node (undefined when it holds only recovery tokens). */
export function tokenBounds(node: CstNode): [IToken, IToken] | undefined {
  let first: IToken | undefined;
  let last: IToken | undefined;
  const visit = (n: CstNode): void => {
    for (const list of Object.values(n.children)) {
      for (const e of list) {
        if (isCstNode(e)) visit(e);
        else if (isReal(e)) {
          if (!first || e.startOffset < first.startOffset) first = e;
          if (!last || e.startOffset > last.startOffset) last = e;
        }
      }
    }
  };
  visit(node);
  return first && last ? [first, last] : undefined;
}

export function nodeSpan(ctx: AstContext, node: CstNode): Span | undefined {
  const l = node.location;
  // The parser tracks each node's extent; recovery can leave it undefined (NaN), then look inside.
  if (l && Number.isFinite(l.startOffset) && Number.isFinite(l.endOffset) && Number.isFinite(l.endColumn)) {
    return {
      file: ctx.file,
      start: { offset: l.startOffset, line: l.startLine!, col: l.startColumn! },
      end: { offset: l.endOffset! + 1, line: l.endLine!, col: l.endColumn! + 1 },
    };
  }
  const b = tokenBounds(node);
  return b ? join(tokenSpan(ctx.file, b[0]), tokenSpan(ctx.file, b[1])) : undefined;
}

/** Start and end offsets (end inclusive) of a CST node, undefined when it holds no real token. */
export function nodeOffsets(node: CstNode): [number, number] | undefined {
  const l = node.location;
  if (l && Number.isFinite(l.startOffset) && Number.isFinite(l.endOffset)) return [l.startOffset, l.endOffset!];
  const b = tokenBounds(node);
  return b ? [b[0].startOffset, b[1].startOffset] : undefined;
}

export function firstToken(node: CstNode): IToken | undefined {
  return tokenBounds(node)?.[0];
}

export function tok(node: CstNode, key: string, i = 0): IToken | undefined {
  const e = node.children[key]?.[i];
  return e && !isCstNode(e) && isReal(e) ? e : undefined;
}

export function toks(node: CstNode, key: string): IToken[] {
  return (node.children[key] ?? []).filter((e): e is IToken => !isCstNode(e) && isReal(e));
}

export function sub(node: CstNode, key: string, i = 0): CstNode | undefined {
  const e = node.children[key]?.[i];
  return e && isCstNode(e) ? e : undefined;
}

export function subs(node: CstNode, key: string): CstNode[] {
  return (node.children[key] ?? []).filter(isCstNode);
}

export function error(ctx: AstContext, code: Code, message: string, span: Span, hint?: string | Hint): void {
  report(ctx, diag(code, "error", span, message, hint));
}

export function ident(ctx: AstContext, t: IToken): Ident {
  return { kind: "Ident", name: t.image, span: tokenSpan(ctx.file, t) };
}

/** Edit distance counting a swap of two neighbours as one edit (`trian` → `train`). */
export function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

export function nearest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(name, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}
