import { describe, expect, it } from "vitest";
import { corrupt, CORRUPTIONS, SEVERITY } from "../../../runtime/evaluate/corruptions.js";
import { generateSynthetic } from "../../../runtime/data/synthetic.js";

const set = generateSynthetic({ count: 24, classes: 10, size: [28, 28], noise: 0.02, seed: 1, split: "test" });

function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

describe("corruptions", () => {
  it("defines five severities for each of the eleven corruptions", () => {
    expect(CORRUPTIONS.length).toBe(11);
    for (const c of CORRUPTIONS) expect(SEVERITY[c].severities.length).toBe(5);
  });

  for (const c of CORRUPTIONS) {
    it(`${c} changes the images more as the severity grows`, () => {
      const diffs = [1, 2, 3, 4, 5].map((s) => meanAbsDiff(corrupt(set.images, set.n, 28, 28, c, s, 42), set.images));
      expect(diffs[0]).toBeGreaterThan(0.002);
      for (let s = 1; s < 5; s++) expect(diffs[s]).toBeGreaterThan(diffs[s - 1]!);
    });
  }

  it("is deterministic per seed and varies with the seed where it draws at random", () => {
    for (const c of CORRUPTIONS) {
      const a = corrupt(set.images, set.n, 28, 28, c, 3, 5);
      const b = corrupt(set.images, set.n, 28, 28, c, 3, 5);
      expect(Array.from(a)).toEqual(Array.from(b));
      const other = corrupt(set.images, set.n, 28, 28, c, 3, 6);
      const random = !["blur", "contrast", "brightness", "pixelate"].includes(c);
      expect(meanAbsDiff(a, other) > 0).toBe(random);
    }
  });

  it("keeps values in [0, 1] and leaves the input untouched", () => {
    const before = Float32Array.from(set.images);
    for (const c of CORRUPTIONS) {
      const out = corrupt(set.images, set.n, 28, 28, c, 5, 1);
      expect(out.length).toBe(set.images.length);
      expect(Math.min(...out)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...out)).toBeLessThanOrEqual(1);
    }
    expect(Array.from(set.images)).toEqual(Array.from(before));
  });

  it("rejects an unknown corruption and a severity outside 1..5", () => {
    expect(() => corrupt(set.images, set.n, 28, 28, "fog", 1, 1)).toThrow(/unknown corruption `fog`/);
    expect(() => corrupt(set.images, set.n, 28, 28, "blur", 6, 1)).toThrow(/1\.\.5/);
  });
});
