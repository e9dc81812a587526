import { describe, expect, it } from "vitest";
import {
  accuracy,
  auroc,
  averagePrecision,
  expectedCalibrationError,
  fprAtTpr,
  mean,
  rankingMetrics,
} from "../../../runtime/evaluate/metrics.js";

// Ranking A: in = [0.9, 0.8, 0.7, 0.5], out = [0.8, 0.6, 0.5, 0.1] — two ties across the sets.
const inA = [0.9, 0.8, 0.7, 0.5];
const outA = [0.8, 0.6, 0.5, 0.1];
// Ranking B: in = [3, 2, 2], out = [2, 1] — a three-way tie.
const inB = [3, 2, 2];
const outB = [2, 1];

describe("ranking metrics", () => {
  it("counts each tied in/out pair as one half in the AUROC", () => {
    // Wins per in-score: 4, 3 + ½, 3, 1 + ½ → 12 of 16 pairs.
    expect(auroc(inA, outA)).toBeCloseTo(12 / 16, 12);
    // 3 beats both (2); each 2 ties one and beats one (1.5 each) → 5 of 6.
    expect(auroc(inB, outB)).toBeCloseTo(5 / 6, 12);
  });

  it("gives AUROC 1 for a perfect ranking, 0 for a reversed one and ½ for all-equal scores", () => {
    expect(auroc([3, 4], [1, 2])).toBe(1);
    expect(auroc([1, 2], [3, 4])).toBe(0);
    expect(auroc([5, 5, 5], [5, 5])).toBe(0.5);
  });

  it("computes average precision over grouped thresholds", () => {
    // Thresholds 0.9, 0.8, 0.7, 0.6, 0.5, 0.1: recall steps of ¼ at precisions 1, 2/3, 3/4, 4/7.
    expect(averagePrecision(inA, outA)).toBeCloseTo(0.25 * (1 + 2 / 3 + 3 / 4 + 4 / 7), 12);
    // B, in as positives: ⅓ at precision 1, then ⅔ at 3/4 → 5/6.
    expect(averagePrecision(inB, outB)).toBeCloseTo(5 / 6, 12);
  });

  it("reports AUPR-out with the outliers as positives and the score negated", () => {
    // B negated: out −1 (P), then {−2 out, −2 in, −2 in}: ½ at precision 1, ½ at 2/4 → ¾.
    const r = rankingMetrics(inB, outB);
    expect(r.auprOut).toBeCloseTo(0.75, 12);
    expect(r.auprIn).toBeCloseTo(5 / 6, 12);
    expect(r.auroc).toBeCloseTo(5 / 6, 12);
    expect(r.fpr95).toBeCloseTo(0.5, 12);
  });

  it("ranks infinite scores exactly and refuses NaN", () => {
    // An image the head finds impossible has likelihood score −∞: the lowest, tied with its kind.
    expect(auroc([1, -Infinity], [-Infinity, -Infinity])).toBeCloseTo((2 + 0.5 + 0.5) / 4, 12);
    expect(rankingMetrics([Infinity, 2], [1, -Infinity]).auroc).toBe(1);
    expect(() => auroc([1, NaN], [0])).toThrow(/NaN/);
  });

  it("measures FPR at the highest threshold that keeps 95% of the in-distribution set", () => {
    // Four in-scores: 95% needs all four, threshold 0.5, so out-scores 0.8, 0.6 and 0.5 pass.
    expect(fprAtTpr(inA, outA)).toBeCloseTo(0.75, 12);
    // Twenty in-scores 1..20: 19 are needed, threshold 2; out-scores 2 (tie, accepted) and 10 pass.
    const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(fprAtTpr(twenty, [0.5, 1.5, 2, 10])).toBeCloseTo(0.5, 12);
    expect(fprAtTpr(twenty, [0.5, 1.5])).toBe(0);
  });
});

describe("expected calibration error", () => {
  it("sums |accuracy − confidence| over 15 equal-width bins weighted by their share", () => {
    // 0.95, 0.95 → bin 15 (acc ½, conf 0.95); 0.58 → bin 9; 0.62 → bin 10; 0.3 → bin 5.
    const ece = expectedCalibrationError([0.95, 0.95, 0.58, 0.62, 0.3], [1, 0, 1, 1, 0]);
    expect(ece).toBeCloseTo((2 / 5) * 0.45 + (1 / 5) * 0.42 + (1 / 5) * 0.38 + (1 / 5) * 0.3, 12);
    expect(ece).toBeCloseTo(0.4, 12);
  });

  it("is zero when every bin's accuracy equals its confidence", () => {
    // Four predictions at confidence 0.75, three of them right.
    expect(expectedCalibrationError([0.75, 0.75, 0.75, 0.75], [1, 1, 1, 0])).toBeCloseTo(0, 12);
  });

  it("puts a confidence on a bin edge in the lower bin", () => {
    // 1/3 is the upper edge of bin 5 of 15: it must not share a bin with 0.34 (bin 6).
    const together = Math.abs(1 - (1 / 3 + 0.34) / 2);
    const apart = 0.5 * (1 - 1 / 3) + 0.5 * (0 + 0.34);
    expect(expectedCalibrationError([1 / 3, 0.34], [1, 0])).toBeCloseTo(apart, 12);
    expect(apart).not.toBeCloseTo(together, 3);
  });
});

describe("accuracy and mean", () => {
  it("counts matching labels", () => {
    expect(accuracy([0, 1, 2, 2], [0, 1, 1, 2])).toBe(0.75);
    expect(mean([1, 2, 3, 6])).toBe(3);
  });
});
