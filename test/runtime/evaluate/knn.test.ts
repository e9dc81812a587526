import { describe, expect, it } from "vitest";
import { matrix, nearestByCosine } from "../../../runtime/evaluate/features.js";
import { knnClassify, knnOodScore } from "../../../runtime/evaluate/knn.js";
import { Rng } from "../../../runtime/rng.js";

/** A unit 2-D vector whose cosine with (1, 0) is s. */
const at = (s: number): number[] => [s, Math.sqrt(1 - s * s)];

describe("kNN classification", () => {
  it("classifies points around two separable directions perfectly", () => {
    const rng = new Rng(3);
    const train: number[] = [];
    const labels: number[] = [];
    const test: number[] = [];
    const testLabels: number[] = [];
    const dirs = [
      [1, 0, 0, 0],
      [0, 0, 1, 1],
    ];
    for (let i = 0; i < 40; i++) {
      const c = i % 2;
      const noisy = () => dirs[c]!.map((v) => 3 * v + 0.3 * rng.normal());
      train.push(...noisy());
      labels.push(c);
      test.push(...noisy());
      testLabels.push(c);
    }
    const r = knnClassify(matrix(Float32Array.from(train), 40), labels, matrix(Float32Array.from(test), 40), 5);
    expect(Array.from(r.predicted)).toEqual(testLabels);
  });

  it("weights votes by exp(similarity / τ), so a low τ lets one close neighbour outvote two far ones", () => {
    // Query (1, 0); neighbours at cosine 0.9 (class 0), 0.85 and 0.84 (class 1).
    const train = matrix(Float32Array.from([...at(0.9), ...at(0.85), ...at(0.84), ...at(-1)]), 4);
    const query = matrix(Float32Array.of(1, 0), 1);
    const labels = [0, 1, 1, 0];
    // τ = 0.07: e^0 = 1 against e^(−0.05/0.07) + e^(−0.06/0.07) ≈ 0.914 → class 0.
    expect(knnClassify(train, labels, query, 3, 0.07).predicted[0]).toBe(0);
    // τ = 1: 1 against e^(−0.05) + e^(−0.06) ≈ 1.89 → class 1.
    expect(knnClassify(train, labels, query, 3, 1).predicted[0]).toBe(1);
  });

  it("finds the k most cosine-similar rows in order, regardless of their norms", () => {
    const base = matrix(Float32Array.from([...at(0.2).map((v) => 5 * v), ...at(0.99), ...at(0.5).map((v) => 0.1 * v), ...at(0.7)]), 4);
    const nb = nearestByCosine(matrix(Float32Array.of(2, 0), 1), base, 3);
    expect(Array.from(nb.index)).toEqual([1, 3, 2]);
    expect(nb.similarity[0]).toBeCloseTo(0.99, 6);
    expect(nb.similarity[2]).toBeCloseTo(0.5, 6);
  });
});

describe("feature matrices", () => {
  it("refuse features that are not finite numbers", () => {
    expect(() => matrix(Float32Array.of(1, NaN), 1)).toThrow(/value 1 is NaN/);
    expect(() => matrix(Float32Array.of(1, 2, 3), 2)).toThrow(/do not split into 2 rows/);
  });
});

describe("kNN OOD score", () => {
  it("is the negative cosine distance to the k-th nearest training feature", () => {
    const train = matrix(Float32Array.from([...at(0.9), ...at(0.6), ...at(0.3)]), 3);
    const query = matrix(Float32Array.of(1, 0, 0, 1), 2);
    const s = knnOodScore(train, query, 2);
    expect(s[0]).toBeCloseTo(-(1 - 0.6), 6);
    // (0, 1) has cosines √(1−s²): 0.436, 0.8, 0.954 → 2nd nearest 0.8.
    expect(s[1]).toBeCloseTo(-(1 - 0.8), 6);
  });
});
