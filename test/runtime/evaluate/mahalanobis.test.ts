import { describe, expect, it } from "vitest";
import { matrix } from "../../../runtime/evaluate/features.js";
import { cholesky, fitGaussians, MAHALANOBIS_RIDGE, mahalanobisScore } from "../../../runtime/evaluate/mahalanobis.js";

describe("Mahalanobis OOD score", () => {
  it("is minus the squared distance to the nearest class mean under the shared variance", () => {
    // Class 0 at {−1, 1} (mean 0), class 1 at {9, 11} (mean 10): pooled variance 1, plus the ridge.
    const model = fitGaussians(matrix(Float32Array.of(-1, 1, 9, 11), 4), [0, 0, 1, 1], 2);
    const v = 1 + MAHALANOBIS_RIDGE * 1 + 1e-9;
    const s = mahalanobisScore(model, matrix(Float32Array.of(2, 7, 30), 3));
    expect(s[0]).toBeCloseTo(-4 / v, 9);
    expect(s[1]).toBeCloseTo(-9 / v, 9);
    expect(s[2]).toBeCloseTo(-400 / v, 6);
  });

  it("measures distance in the covariance's metric, not the Euclidean one", () => {
    // One class, spread 10× wider along x than y: (5, 0) is nearer than (0, 2).
    const pts = [-10, -1, 10, 1, -10, 1, 10, -1];
    const model = fitGaussians(matrix(Float32Array.from(pts), 4), [0, 0, 0, 0], 1);
    const s = mahalanobisScore(model, matrix(Float32Array.of(5, 0, 0, 2), 2));
    expect(s[0]).toBeGreaterThan(s[1]!);
    expect(s[0]).toBeCloseTo(-25 / (100 + MAHALANOBIS_RIDGE * 50.5 + 1e-9), 6);
  });

  it("factors a positive-definite matrix exactly", () => {
    const a = Float64Array.of(4, 2, 2, 3);
    const l = cholesky(a, 2);
    expect(Array.from(l)).toEqual([2, 0, 1, Math.sqrt(2)]);
  });
});
