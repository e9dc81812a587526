import { describe, expect, it } from "vitest";
import type { IRTokenizer } from "../../compiler/ir.js";
import { detokenize, quantizeValue, tokenInputs, tokenize } from "../../runtime/tokens.js";
import { Rng } from "../../runtime/rng.js";

function quantize(size: [number, number], levels: number): IRTokenizer {
  return { name: "q", kind: "quantize", imageSize: size, patch: 1, levels, length: size[0] * size[1], vocab: levels, pixelsPerToken: 1 };
}
function patches(size: [number, number], p: number, levels: number): IRTokenizer {
  return { name: "p", kind: "patches", imageSize: size, patch: p, levels, length: (size[0] / p) * (size[1] / p), vocab: levels, pixelsPerToken: p * p };
}

describe("quantize tokenizer", () => {
  it("maps pixel values to floor(v·levels) capped at levels-1", () => {
    expect([0, 0.12, 0.125, 0.5, 0.999, 1].map((v) => quantizeValue(v, 8))).toEqual([0, 0, 1, 4, 7, 7]);
    expect(quantizeValue(-0.3, 4)).toBe(0);
    expect(quantizeValue(1.7, 4)).toBe(3);
  });

  it("reads the image in raster order, one token per pixel", () => {
    const img = Float32Array.from([0, 0.3, 0.6, 0.9, 1, 0.05]); // 2x3
    expect([...tokenize(quantize([2, 3], 4), img, 1, 2, 3)]).toEqual([0, 1, 2, 3, 3, 0]);
  });

  it("resizes to the tokenizer's size before quantizing", () => {
    // 4x4 with four constant 2x2 blocks -> 2x2 by area averaging
    const img = Float32Array.from([0, 0, 1, 1, 0, 0, 1, 1, 0.5, 0.5, 0.25, 0.25, 0.5, 0.5, 0.25, 0.25]);
    const t = tokenize(quantize([2, 2], 4), img, 1, 4, 4);
    expect([...t]).toEqual([0, 3, 2, 1]);
  });

  it("round-trips through detokenize to within half a level", () => {
    const r = new Rng(1);
    const n = 3;
    const img = Float32Array.from({ length: n * 36 }, () => r.next());
    const tok = quantize([6, 6], 16);
    const back = detokenize(tok, tokenize(tok, img, n, 6, 6), n);
    for (let i = 0; i < img.length; i++) expect(Math.abs(back[i] - img[i])).toBeLessThanOrEqual(0.5 / 16 + 1e-6);
    // and tokens of the reconstruction are the same tokens
    expect([...tokenize(tok, back, n, 6, 6)]).toEqual([...tokenize(tok, img, n, 6, 6)]);
  });
});

describe("patches tokenizer", () => {
  it("cuts P×P patches in raster order, pixels row-major inside each patch", () => {
    // 4x4 image whose pixel (y, x) has level y*4 + x with 16 levels
    const img = Float32Array.from({ length: 16 }, (_, i) => (i + 0.5) / 16);
    const tok = patches([4, 4], 2, 16);
    const t = tokenize(tok, img, 1, 4, 4);
    expect([...t]).toEqual([0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15]);
    expect([...detokenize(tok, t, 1)]).toEqual([...img]);
  });

  it("lays out a batch as [n, length, P·P]", () => {
    const img = new Float32Array(2 * 16);
    img.fill(1, 16); // second image white
    const tok = patches([4, 4], 2, 4);
    const t = tokenize(tok, img, 2, 4, 4);
    expect(t.length).toBe(2 * 4 * 4);
    expect([...t.subarray(0, 16)].every((v) => v === 0)).toBe(true);
    expect([...t.subarray(16)].every((v) => v === 3)).toBe(true);
  });

  it("scales quantized values to 0..1 for the linear patch embedding", () => {
    const tok = patches([2, 2], 2, 5);
    expect([...tokenInputs(tok, Int32Array.from([0, 1, 2, 4]), 1)]).toEqual([0, 0.25, 0.5, 1]);
  });

  it("rejects a tokenizer whose patch does not divide the image", () => {
    const bad = { ...patches([4, 4], 2, 4), imageSize: [5, 4] as [number, number] };
    expect(() => tokenize(bad, new Float32Array(20), 1, 5, 4)).toThrow(/does not divide/);
  });
});
