// Bytes ⇄ text without loss, for `hgc fmt --write`: a byte that is not part of valid UTF-8 (a
// Latin-1 comment, a stray 0xFF) becomes the lone surrogate U+DC80–U+DCFF, as Python's
// "surrogateescape" does, and turns back into that very byte on the way out. Decoding with U+FFFD
// instead would rewrite the user's bytes in lines the formatter does not even change.

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The text of `buf`; invalid UTF-8 bytes are kept as U+DC80 + (byte − 0x80). */
export function decodeLossless(buf: Uint8Array): string {
  try {
    return strict.decode(buf);
  } catch {
    // fall through: decode sequence by sequence
  }
  let out = "";
  let i = 0;
  while (i < buf.length) {
    const n = validSequence(buf, i);
    if (n > 0) {
      out += strict.decode(buf.subarray(i, i + n));
      i += n;
    } else {
      out += String.fromCharCode(0xdc00 + buf[i]!);
      i++;
    }
  }
  return out;
}

/** The bytes of `text`; the lone surrogates decodeLossless made become their bytes again. */
export function encodeLossless(text: string): Buffer {
  const escaped = /(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]/g;
  if (!escaped.test(text)) return Buffer.from(text, "utf8");
  escaped.lastIndex = 0;
  const parts: Buffer[] = [];
  let at = 0;
  for (const m of text.matchAll(escaped)) {
    parts.push(Buffer.from(text.slice(at, m.index), "utf8"), Buffer.of(m[0].charCodeAt(0) - 0xdc00));
    at = m.index! + 1;
  }
  parts.push(Buffer.from(text.slice(at), "utf8"));
  return Buffer.concat(parts);
}

/** The length of the valid UTF-8 sequence at `i` (well-formed per Unicode table 3-7), or 0. */
function validSequence(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const lo = c === 0xe0 ? 0xa0 : 0x80;
    const hi = c === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const lo = c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}
