// Moving what was computed for a piece of text to where that text now is. An edit shifts every
// item after it by the same number of characters and lines; the language server reuses the items
// it has not touched (their AST, and their check) instead of parsing and checking them again.
import type { Pos, Span } from "./ast.js";

function isPos(x: unknown): x is Pos {
  return typeof x === "object" && x !== null && typeof (x as Pos).offset === "number" && typeof (x as Pos).line === "number" && typeof (x as Pos).col === "number";
}

function isSpan(x: unknown): x is Span {
  return typeof x === "object" && x !== null && typeof (x as Span).file === "string" && isPos((x as Span).start) && isPos((x as Span).end);
}

/**
 * A deep copy of `value` in which every span of `file` that `inRegion` accepts is moved by
 * `dOffset` characters and `dLine` lines (columns stay: a region moves by whole lines). Other
 * values are copied as they are; functions and class instances are not expected here.
 */
export function relocate<T>(value: T, file: string, dOffset: number, dLine: number): T {
  if (dOffset === 0 && dLine === 0) return value;
  return relocateBy(value, (f) => (f === file ? { dOffset, dLine } : undefined));
}

/** How far a span starting at `offset` of `file` moved, or undefined when it did not. */
export type Move = (file: string, offset: number) => { dOffset: number; dLine: number } | undefined;

/** A deep copy of `value` with each span moved as `move` says (Maps and arrays copied too). */
export function relocateBy<T>(value: T, move: Move): T {
  const walk = (v: unknown): unknown => {
    if (typeof v !== "object" || v === null) return v;
    if (Array.isArray(v)) return v.map(walk);
    if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, walk(x)]));
    if (isSpan(v)) {
      const m = move(v.file, v.start.offset);
      if (!m || (m.dOffset === 0 && m.dLine === 0)) return v;
      return {
        file: v.file,
        start: { offset: v.start.offset + m.dOffset, line: v.start.line + m.dLine, col: v.start.col },
        end: { offset: v.end.offset + m.dOffset, line: v.end.line + m.dLine, col: v.end.col },
      };
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = walk(x);
    return out;
  };
  return walk(value) as T;
}
