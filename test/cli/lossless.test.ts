// `hgc fmt --write` decodes and encodes through cli/lossless.ts: any bytes at all, valid UTF-8
// or not, must come back byte for byte.
import { describe, expect, it } from "vitest";
import { decodeLossless, encodeLossless } from "../../cli/lossless.js";
import { Rng } from "../../runtime/rng.js";

describe("lossless text", () => {
  it("gives back any bytes unchanged, and decodes valid UTF-8 as TextDecoder does", () => {
    const rng = new Rng(20);
    // Biased towards the bytes that make or break UTF-8 sequences.
    const pool = [0x00, 0x0a, 0x2f, 0x41, 0x7f, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
    for (let trial = 0; trial < 1000; trial++) {
      const n = Math.floor(rng.next() * 24);
      const bytes = Buffer.from(Array.from({ length: n }, () => (rng.next() < 0.5 ? pool[Math.floor(rng.next() * pool.length)]! : Math.floor(rng.next() * 256))));
      expect(encodeLossless(decodeLossless(bytes)).equals(bytes)).toBe(true);
    }
    const text = "experiment e { // café €😀 \ufeff }\n";
    expect(decodeLossless(Buffer.from(text, "utf8"))).toBe(text);
    expect(encodeLossless(text).equals(Buffer.from(text, "utf8"))).toBe(true);
  });

  it("keeps an invalid byte as one lone surrogate that edits around it leave alone", () => {
    const s = decodeLossless(Buffer.from([0x61, 0xe9, 0x62]));
    expect(s).toBe("a\udce9b");
    expect(encodeLossless(`  ${s}\n`).equals(Buffer.from([0x20, 0x20, 0x61, 0xe9, 0x62, 0x0a]))).toBe(true);
  });
});
