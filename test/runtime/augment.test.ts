import { describe, expect, it } from "vitest";
import type { IRViews } from "../../compiler/ir.js";
import { augmentBatch, twoViews } from "../../runtime/augment.js";
import { generateSynthetic } from "../../runtime/data/synthetic.js";
import { Rng } from "../../runtime/rng.js";

const off: IRViews = { name: "v", kind: "augment", crop: null, flip: 0, noise: 0, jitter: 0, erase: 0, rotate: 0 };
const full: IRViews = { name: "v", kind: "augment", crop: [0.6, 1], flip: 0.5, noise: 0.05, jitter: 0.3, erase: 0.25, rotate: 10 };
const batch = generateSynthetic({ count: 16, classes: 10, size: [28, 28], noise: 0.05, seed: 3, split: "train" });
const { images, n } = batch;
const H = 28;
const W = 28;
const same = (a: Float32Array, b: Float32Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe("augmentBatch", () => {
  it("returns the input unchanged when every augmentation is off", () => {
    expect(same(augmentBatch(off, images, n, H, W, new Rng(1)), images)).toBe(true);
  });

  it("treats a crop range of 1..1 as no crop", () => {
    expect(same(augmentBatch({ ...off, crop: [1, 1] }, images, n, H, W, new Rng(1)), images)).toBe(true);
  });

  it("is deterministic for a seed and differs across seeds", () => {
    const a = augmentBatch(full, images, n, H, W, new Rng(9));
    const b = augmentBatch(full, images, n, H, W, new Rng(9));
    const c = augmentBatch(full, images, n, H, W, new Rng(10));
    expect(same(a, b)).toBe(true);
    expect(same(a, c)).toBe(false);
  });

  it("keeps every value in [0, 1]", () => {
    const out = augmentBatch({ ...full, noise: 0.5, jitter: 0.9 }, images, n, H, W, new Rng(2));
    expect(out.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it("mirrors every image when flip is 1", () => {
    const out = augmentBatch({ ...off, flip: 1 }, images, n, H, W, new Rng(3));
    for (let k = 0; k < n; k++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) expect(out[k * H * W + y * W + x]).toBeCloseTo(images[k * H * W + y * W + (W - 1 - x)], 6);
      }
    }
  });

  it("adds gaussian noise of the requested std (before clamping)", () => {
    const grey = new Float32Array(64 * H * W).fill(0.5);
    const out = augmentBatch({ ...off, noise: 0.05 }, grey, 64, H, W, new Rng(4));
    let s2 = 0;
    for (const v of out) s2 += (v - 0.5) ** 2;
    expect(Math.sqrt(s2 / out.length)).toBeCloseTo(0.05, 2);
  });

  it("crops a region of the requested area and scales it back up", () => {
    // A horizontal ramp: after a crop of area fraction s and aspect r, the slope shrinks to
    // sqrt(s·r) of the original, which for s in 0.3..0.6 and r in 3/4..4/3 lies in [0.47, 0.9].
    const ramp = Float32Array.from({ length: H * W }, (_, i) => (i % W) / (W - 1));
    for (let s = 0; s < 20; s++) {
      const out = augmentBatch({ ...off, crop: [0.3, 0.6] }, ramp, 1, H, W, new Rng(s));
      const y = H / 2;
      const slope = (out[y * W + W / 2 + 1] - out[y * W + W / 2 - 1]) / 2 / (1 / (W - 1));
      expect(slope).toBeGreaterThan(0.47);
      expect(slope).toBeLessThan(0.9);
    }
  });

  it("erases one rectangle of at most a third of the image when erase is 1", () => {
    const out = augmentBatch({ ...off, erase: 1 }, images, n, H, W, new Rng(5));
    for (let k = 0; k < n; k++) {
      let changed = 0;
      for (let i = 0; i < H * W; i++) if (out[k * H * W + i] !== images[k * H * W + i]) changed++;
      expect(changed).toBeGreaterThan(0);
      expect(changed).toBeLessThanOrEqual(Math.ceil(0.34 * H * W) + W);
    }
  });

  it("changes brightness and contrast with jitter but leaves geometry alone", () => {
    const out = augmentBatch({ ...off, jitter: 0.5 }, images, n, H, W, new Rng(6));
    expect(same(out, images)).toBe(false);
    // pixel order by brightness is preserved within each image (a monotone map), up to clamping
    const a = images.subarray(0, H * W);
    const b = out.subarray(0, H * W);
    let inversions = 0;
    for (let i = 1; i < a.length; i++) if ((a[i] - a[i - 1]) * (b[i] - b[i - 1]) < -1e-6) inversions++;
    expect(inversions).toBe(0);
  });

  it("rotates by at most the given angle: a small rotation keeps the image close", () => {
    const small = augmentBatch({ ...off, rotate: 2 }, images, n, H, W, new Rng(7));
    const big = augmentBatch({ ...off, rotate: 45 }, images, n, H, W, new Rng(7));
    const dist = (x: Float32Array) => x.reduce((s, v, i) => s + Math.abs(v - images[i]), 0);
    expect(dist(small)).toBeGreaterThan(0);
    expect(dist(small)).toBeLessThan(dist(big) / 2);
  });

  it("draws two different views from forked streams, reproducibly", () => {
    const r1 = new Rng(11);
    const [a, b] = twoViews(full, images, n, H, W, r1);
    const [c, d] = twoViews(full, images, n, H, W, new Rng(11));
    expect(same(a, c) && same(b, d)).toBe(true);
    expect(same(a, b)).toBe(false);
    const [e] = twoViews(full, images, n, H, W, r1); // the parent moved on: fresh views
    expect(same(a, e)).toBe(false);
  });
});
