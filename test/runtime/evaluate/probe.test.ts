import { describe, expect, it } from "vitest";
import { matrix } from "../../../runtime/evaluate/features.js";
import { probeProbabilities, scoreProbe, trainProbe } from "../../../runtime/evaluate/probe.js";
import { Rng } from "../../../runtime/rng.js";

/** n points of `classes` gaussian blobs in `width` dimensions, centres `spread` apart, shifted and scaled per feature. */
function blobs(n: number, classes: number, width: number, spread: number, seed: number) {
  const rng = new Rng(seed);
  const centres = Array.from({ length: classes }, () => Array.from({ length: width }, () => spread * rng.normal()));
  const data = new Float32Array(n * width);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    labels[i] = c;
    // Features on wildly different scales and offsets: standardisation has to undo them.
    for (let j = 0; j < width; j++) data[i * width + j] = (centres[c]![j]! + rng.normal()) * (j + 1) * 10 + 500 * j;
  }
  return { x: matrix(data, n), labels };
}

describe("linear probe", () => {
  it("reaches high accuracy on linearly separable features", () => {
    const train = blobs(400, 4, 8, 3, 1);
    const probe = trainProbe(train.x, train.labels, 4, { epochs: 20, lr: 1e-2, seed: 7 });
    const onTrain = scoreProbe(probe, train.x, train.labels);
    expect(onTrain.accuracy).toBeGreaterThan(0.95);
    expect(onTrain.ece).toBeGreaterThanOrEqual(0);
    expect(onTrain.ece).toBeLessThan(0.1);
  });

  it("generalises to held-out points of the same classes", () => {
    const all = blobs(600, 3, 6, 2.5, 5);
    const idx = (from: number, to: number) => {
      const d = all.x.data.slice(from * 6, to * 6);
      return { x: matrix(d, to - from), labels: all.labels.slice(from, to) };
    };
    const train = idx(0, 400);
    const test = idx(400, 600);
    const probe = trainProbe(train.x, train.labels, 3, { epochs: 15, lr: 1e-2, seed: 1 });
    expect(scoreProbe(probe, test.x, test.labels).accuracy).toBeGreaterThan(0.9);
  });

  it("scores chance on features that carry no label information", () => {
    const rng = new Rng(11);
    const n = 600;
    const x = matrix(Float32Array.from({ length: n * 4 }, () => rng.normal()), n);
    const labels = Int32Array.from({ length: n }, () => rng.int(2));
    const probe = trainProbe(matrix(x.data.slice(0, 400 * 4), 400), labels.slice(0, 400), 2, { epochs: 10, lr: 1e-2, seed: 1 });
    const acc = scoreProbe(probe, matrix(x.data.slice(400 * 4), 200), labels.slice(400)).accuracy;
    expect(acc).toBeGreaterThan(0.35);
    expect(acc).toBeLessThan(0.65);
  });

  it("is deterministic given the seed, and the seed changes the minibatch order", () => {
    const { x, labels } = blobs(300, 3, 5, 1, 4);
    const a = trainProbe(x, labels, 3, { epochs: 3, lr: 1e-2, seed: 1 });
    const b = trainProbe(x, labels, 3, { epochs: 3, lr: 1e-2, seed: 1 });
    const c = trainProbe(x, labels, 3, { epochs: 3, lr: 1e-2, seed: 2 });
    expect(Array.from(a.weights)).toEqual(Array.from(b.weights));
    expect(Array.from(a.weights)).not.toEqual(Array.from(c.weights));
  });

  it("outputs a probability distribution for every row", () => {
    const { x, labels } = blobs(90, 3, 4, 2, 9);
    const p = probeProbabilities(trainProbe(x, labels, 3, { epochs: 2, lr: 1e-2, seed: 1 }), x);
    for (let i = 0; i < 90; i++) expect(p[i * 3]! + p[i * 3 + 1]! + p[i * 3 + 2]!).toBeCloseTo(1, 9);
  });
});
