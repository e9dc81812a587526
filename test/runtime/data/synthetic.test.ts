import { describe, expect, it } from "vitest";
import { generateSynthetic } from "../../../runtime/data/synthetic.js";
import { loadDataset } from "../../../runtime/data/index.js";
import { dataset } from "./helpers.js";
import { UserError } from "../../../common/errors.js";

const opts = { count: 2000, classes: 10, size: [28, 28] as [number, number], noise: 0.05, seed: 1, split: "train" };

/** Accuracy of nearest-class-mean on `test`, with means fitted on `train`, over the given features. */
function nearestMean(trainX: Float32Array[], trainY: Int32Array, testX: Float32Array[], testY: Int32Array, classes: number): number {
  const d = trainX[0].length;
  const means = Array.from({ length: classes }, () => new Float64Array(d));
  const counts = new Array(classes).fill(0);
  trainX.forEach((x, i) => {
    counts[trainY[i]]++;
    for (let j = 0; j < d; j++) means[trainY[i]][j] += x[j];
  });
  means.forEach((m, c) => m.forEach((_, j) => (m[j] /= counts[c])));
  let correct = 0;
  testX.forEach((x, i) => {
    let best = -1;
    let bestD = Infinity;
    means.forEach((m, c) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += (x[j] - m[j]) ** 2;
      if (s < bestD) {
        bestD = s;
        best = c;
      }
    });
    if (best === testY[i]) correct++;
  });
  return correct / testX.length;
}

const rows = (images: Float32Array, n: number, d: number): Float32Array[] => Array.from({ length: n }, (_, i) => images.subarray(i * d, (i + 1) * d));

describe("synthetic source", () => {
  it("is deterministic in its seed and differs across seeds and splits", () => {
    const a = generateSynthetic({ ...opts, count: 50 });
    const b = generateSynthetic({ ...opts, count: 50 });
    expect(Buffer.from(a.images.buffer).equals(Buffer.from(b.images.buffer))).toBe(true);
    expect([...a.labels]).toEqual([...b.labels]);
    const c = generateSynthetic({ ...opts, count: 50, seed: 2 });
    const t = generateSynthetic({ ...opts, count: 50, split: "test" });
    expect(Buffer.from(a.images.buffer).equals(Buffer.from(c.images.buffer))).toBe(false);
    expect(Buffer.from(a.images.buffer).equals(Buffer.from(t.images.buffer))).toBe(false);
  });

  it("draws balanced labels, values in [0, 1] and the requested shape", () => {
    const s = generateSynthetic({ ...opts, count: 300, classes: 3, size: [16, 20] });
    expect(s.n).toBe(300);
    expect(s.images.length).toBe(300 * 16 * 20);
    expect([s.height, s.width, s.classes]).toEqual([16, 20, 3]);
    expect([0, 1, 2].map((c) => s.labels.filter((l) => l === c).length)).toEqual([100, 100, 100]);
    expect(s.images.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(s.classNames).toEqual(["disk", "ring", "square"]);
  });

  it("has class structure in its pixels that mean brightness alone does not reveal", () => {
    const train = generateSynthetic(opts);
    const test = generateSynthetic({ ...opts, count: 1000, split: "test" });
    const d = 28 * 28;
    // Measured: pixels ≈ 0.49, brightness ≈ 0.18 (chance 0.1).
    const pixelAcc = nearestMean(rows(train.images, train.n, d), train.labels, rows(test.images, test.n, d), test.labels, 10);
    const mean = (s: typeof train) => Array.from({ length: s.n }, (_, i) => Float32Array.of(s.images.subarray(i * d, (i + 1) * d).reduce((a, v) => a + v, 0) / d));
    const brightAcc = nearestMean(mean(train), train.labels, mean(test), test.labels, 10);
    expect(pixelAcc).toBeGreaterThan(0.35); // chance is 0.1
    expect(brightAcc).toBeLessThan(0.3);
    expect(pixelAcc).toBeGreaterThan(brightAcc + 0.1);
  });

  it("rejects a class count it cannot draw", () => {
    expect(() => generateSynthetic({ ...opts, classes: 11 })).toThrow(UserError);
    expect(() => generateSynthetic({ ...opts, count: 0 })).toThrow(UserError);
  });

  it("loads through the IR with count, limit and size, the same bytes every time", async () => {
    const ds = dataset("synthetic", { count: 120, classes: 4, size: [28, 28], noise: 0.1, seed: 5 }, { split: "train", limit: 50, size: [14, 14] });
    const a = await loadDataset(ds);
    const b = await loadDataset(ds);
    expect([a.n, a.height, a.width, a.classes]).toEqual([50, 14, 14, 4]);
    expect(Buffer.from(a.images.buffer).equals(Buffer.from(b.images.buffer))).toBe(true);
    const val = await loadDataset({ ...ds, split: "val" });
    expect(Buffer.from(val.images.buffer).equals(Buffer.from(a.images.buffer))).toBe(false);
  });
});
