// Compiler spans (0-based offsets, 1-based lines and columns, absolute paths) ↔ LSP positions
// (0-based lines and UTF-16 characters, URIs). JavaScript strings are UTF-16, so a compiler column
// counts the same units as an LSP character.
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Position, Range } from "vscode-languageserver";
import type { Span } from "../compiler/ast.js";

/** The path the compiler is given for a document: the file's path, or `<uri>` for an unsaved buffer. */
export function uriToPath(uri: string): string {
  if (uri.startsWith("file:")) {
    try {
      return fileURLToPath(uri);
    } catch {
      return `<${uri}>`;
    }
  }
  return `<${uri}>`;
}

export function pathToUri(path: string): string {
  if (path.startsWith("<") && path.endsWith(">")) return path.slice(1, -1);
  return pathToFileURL(path).href;
}

/** Line starts of a text, to turn offsets into positions and back. */
export class LineMap {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.starts.push(i + 1);
      else if (c === 13 && text.charCodeAt(i + 1) !== 10) this.starts.push(i + 1);
    }
  }

  position(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.starts[lo]! };
  }

  offset(p: Position): number {
    if (p.line < 0) return 0;
    if (p.line >= this.starts.length) return this.text.length;
    const start = this.starts[p.line]!;
    const next = p.line + 1 < this.starts.length ? this.starts[p.line + 1]! : this.text.length;
    return Math.min(start + Math.max(0, p.character), next);
  }

  range(startOffset: number, endOffset: number): Range {
    return { start: this.position(startOffset), end: this.position(endOffset) };
  }
}

/** The LSP range of a span: through the document's own text when it is that file, else from lines and columns. */
export function spanRange(span: Span, lines?: LineMap): Range {
  if (lines) return lines.range(span.start.offset, span.end.offset);
  return {
    start: { line: Math.max(0, span.start.line - 1), character: Math.max(0, span.start.col - 1) },
    end: { line: Math.max(0, span.end.line - 1), character: Math.max(0, span.end.col - 1) },
  };
}
