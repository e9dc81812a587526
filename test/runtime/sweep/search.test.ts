import { describe, expect, it } from "vitest";
import { nextPoint, randomPoint, rankObservations, type Observation, type SearchSpec } from "../../../runtime/sweep/search.js";
import { Asha, promotable, rungOf } from "../../../runtime/sweep/asha.js";

// Branin-Hoo, the test function of the TPE paper's era: minimum 0.397887 at three points.
const branin = ({ x1, x2 }: Record<string, number>) => {
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (x2! - b * x1! ** 2 + c * x1! - 6) ** 2 + 10 * (1 - t) * Math.cos(x1!) + 10;
};
const space: SearchSpec["space"] = { x1: { low: -5, high: 10, log: false, int: false }, x2: { low: 0, high: 15, log: false, int: false } };

function bestFound(method: SearchSpec["method"], seed: number, trials = 40): number {
  const spec: SearchSpec = { method, trials, seed, space };
  const observed: Observation[] = [];
  for (let i = 0; i < trials; i++) {
    const point = nextPoint(spec, i, observed);
    observed.push({ point, losses: [branin(point)] });
  }
  return Math.min(...observed.map((o) => o.losses[0]!));
}

describe("search", () => {
  it("draws random points from the seed and the index alone, inside the ranges, log-uniform for log params", () => {
    const spec: SearchSpec = { method: "random", trials: 200, seed: 3, space: { lr: { low: 1e-4, high: 1e-2, log: true, int: false }, layers: { low: 1, high: 4, log: false, int: true } } };
    const points = Array.from({ length: 200 }, (_, i) => randomPoint(spec, i));
    expect(randomPoint(spec, 17)).toEqual(points[17]);
    for (const p of points) {
      expect(p.lr).toBeGreaterThanOrEqual(1e-4);
      expect(p.lr).toBeLessThanOrEqual(1e-2);
      expect(Number.isInteger(p.layers)).toBe(true);
    }
    // log-uniform: about half the draws fall below the geometric middle 1e-3
    const below = points.filter((p) => p.lr! < 1e-3).length;
    expect(below).toBeGreaterThan(70);
    expect(below).toBeLessThan(130);
  });

  it("TPE finds better points of the Branin function than random search with the same budget (Bergstra et al. 2011)", () => {
    let tpe = 0;
    let random = 0;
    let wins = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const a = bestFound("random", seed);
      const b = bestFound("tpe", seed);
      random += a;
      tpe += b;
      if (b < a) wins++;
    }
    expect(tpe / 20).toBeLessThan(random / 20);
    expect(wins).toBeGreaterThanOrEqual(12);
  });

  it("TPE proposes the same points again for the same observations (a resumed search repeats itself)", () => {
    const spec: SearchSpec = { method: "tpe", trials: 20, seed: 5, space };
    const observed: Observation[] = Array.from({ length: 8 }, (_, i) => {
      const point = randomPoint(spec, i);
      return { point, losses: [branin(point)] };
    });
    expect(nextPoint(spec, 8, observed)).toEqual(nextPoint(spec, 8, observed));
  });

  it("ranks several objectives by Pareto front first", () => {
    const o = (a: number, b: number): Observation => ({ point: { a, b }, losses: [a, b] });
    const ranked = rankObservations([o(3, 3), o(1, 4), o(4, 1), o(2, 2), o(5, 5)]);
    expect(ranked.slice(0, 3).map((r) => r.losses)).toEqual(expect.arrayContaining([[1, 4], [4, 1], [2, 2]]));
    expect(ranked.at(-1)!.losses).toEqual([5, 5]);
  });
});

describe("asha", () => {
  const spec = { method: "asha" as const, metric: "knn.accuracy", direction: "maximize" as const, grace: 100, reduction: 3 };

  it("places rungs at grace × reduction^k steps", () => {
    expect([50, 100, 299, 300, 899, 900].map((s) => rungOf(spec, s))).toEqual([-1, 0, 0, 1, 1, 2]);
  });

  it("promotes the top ⌊n/η⌋ of a rung, and only the best while fewer than η have reached it (Optuna's rule)", () => {
    expect(promotable(0.5, [0.5], 3, "maximize")).toBe(true);
    expect(promotable(0.4, [0.5, 0.4], 3, "maximize")).toBe(false);
    expect(promotable(0.6, [0.5, 0.4, 0.6], 3, "maximize")).toBe(true);
    expect(promotable(0.5, [0.5, 0.4, 0.6], 3, "maximize")).toBe(false);
    expect(promotable(0.5, [0.5, 0.4, 0.6, 0.1, 0.2, 0.3], 3, "maximize")).toBe(true);
    expect(promotable(1.2, [1.2, 1.5, 2], 3, "minimize")).toBe(true);
  });

  it("judges a trial once per rung and stops the ones that cannot make the cut", () => {
    const asha = new Asha(spec);
    expect(asha.report("a", 100, 0.5)).toBeNull();
    expect(asha.report("a", 200, 0.1)).toBeNull(); // still rung 0: judged there already
    const d = asha.report("b", 100, 0.3);
    expect(d).toMatchObject({ rung: 0, at: 100, step: 100, value: 0.3 });
    expect(asha.report("c", 100, 0.7)).toBeNull();
    expect(asha.report("d", 120, Number.NaN)).not.toBeNull();
  });
});
