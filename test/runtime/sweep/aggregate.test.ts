import { describe, expect, it } from "vitest";
import { aggregate, meanStd, pointKey, type TrialOutcome } from "../../../runtime/sweep/aggregate.js";

function trial(experiment: string, point: Record<string, number>, seed: number, metrics: Record<string, number | null>, status: TrialOutcome["status"] = "completed"): TrialOutcome {
  return { id: `${experiment}-${JSON.stringify(point)}-${seed}`, experiment, point, seed, status, runDir: "/x", metrics };
}

describe("meanStd", () => {
  it("uses the sample standard deviation with n − 1", () => {
    // mean 0.8; squared deviations 0.01+0+0.01 = 0.02; /2 = 0.01; sqrt = 0.1
    const s = meanStd([0.7, 0.8, 0.9]);
    expect(s.n).toBe(3);
    expect(s.mean).toBeCloseTo(0.8, 12);
    expect(s.std).toBeCloseTo(0.1, 12);
  });
  it("has no standard deviation for a single value", () => {
    expect(meanStd([2])).toEqual({ mean: 2, std: null, n: 1 });
  });
});

describe("aggregate", () => {
  const sweep = {
    name: "grid",
    params: ["lambda"],
    objectives: [
      { direction: "maximize" as const, metric: "linear_probe.accuracy" },
      { direction: "minimize" as const, metric: "bits_per_dim" },
    ],
  };

  it("groups trials by experiment and point and averages each metric over seeds", () => {
    const agg = aggregate(sweep, [
      trial("hybrid", { lambda: 0.1 }, 1, { "linear_probe.accuracy": 0.6, bits_per_dim: 3.0, knn: 0.5 }),
      trial("hybrid", { lambda: 0.1 }, 2, { "linear_probe.accuracy": 0.8, bits_per_dim: 3.2, knn: null }),
      trial("hybrid", { lambda: 1 }, 1, { "linear_probe.accuracy": 0.9, bits_per_dim: 3.5 }),
      trial("hybrid", { lambda: 1 }, 2, { "linear_probe.accuracy": 0.7, bits_per_dim: 3.7 }),
    ]);
    expect(agg.groups.map((g) => g.key)).toEqual(["hybrid lambda=0.1", "hybrid lambda=1"]);
    const [a, b] = agg.groups;
    expect(a!.metrics["linear_probe.accuracy"]!.mean).toBeCloseTo(0.7, 12);
    expect(a!.metrics["linear_probe.accuracy"]!.std).toBeCloseTo(Math.SQRT2 * 0.1, 12);
    expect(a!.metrics["bits_per_dim"]!.mean).toBeCloseTo(3.1, 12);
    // a null metric does not count towards n
    expect(a!.metrics["knn"]).toEqual({ mean: 0.5, std: null, n: 1 });
    expect(b!.metrics["linear_probe.accuracy"]!.mean).toBeCloseTo(0.8, 12);
    expect(agg.metrics).toEqual(["linear_probe.accuracy", "bits_per_dim", "knn"]);
  });

  it("computes the Pareto front on the means", () => {
    // means: λ=0.1 (0.7, 3.1), λ=1 (0.8, 3.6), λ=3 (0.65, 3.2) — dominated by λ=0.1
    const agg = aggregate(sweep, [
      trial("hybrid", { lambda: 0.1 }, 1, { "linear_probe.accuracy": 0.6, bits_per_dim: 3.0 }),
      trial("hybrid", { lambda: 0.1 }, 2, { "linear_probe.accuracy": 0.8, bits_per_dim: 3.2 }),
      trial("hybrid", { lambda: 1 }, 1, { "linear_probe.accuracy": 0.8, bits_per_dim: 3.6 }),
      trial("hybrid", { lambda: 3 }, 1, { "linear_probe.accuracy": 0.65, bits_per_dim: 3.2 }),
    ]);
    expect(agg.groups.map((g) => [g.key, g.pareto])).toEqual([
      ["hybrid lambda=0.1", "front"],
      ["hybrid lambda=1", "front"],
      ["hybrid lambda=3", "dominated"],
    ]);
    expect(agg.front).toEqual(["hybrid lambda=0.1", "hybrid lambda=1"]);
    expect(agg.groups[2]!.dominatedBy).toEqual(["hybrid lambda=0.1"]);
  });

  it("leaves failed trials out of the means but counts them", () => {
    const agg = aggregate(sweep, [
      trial("hybrid", { lambda: 0.1 }, 1, { "linear_probe.accuracy": 0.6, bits_per_dim: 3 }),
      trial("hybrid", { lambda: 0.1 }, 2, {}, "failed"),
    ]);
    expect(agg.groups[0]!.completed).toBe(1);
    expect(agg.groups[0]!.failed).toBe(1);
    expect(agg.groups[0]!.seeds).toEqual([1, 2]);
    expect(agg.groups[0]!.metrics["linear_probe.accuracy"]!.n).toBe(1);
  });

  it("keeps experiments without a swept param apart by experiment name", () => {
    expect(pointKey("contrastive_only", {}, [])).toBe("contrastive_only");
    const agg = aggregate({ name: "paper", params: [], objectives: [] }, [
      trial("contrastive_only", {}, 1, { acc: 1 }),
      trial("hybrid", {}, 1, { acc: 2 }),
      trial("contrastive_only", {}, 2, { acc: 3 }),
    ]);
    expect(agg.groups.map((g) => [g.key, g.metrics["acc"]!.mean])).toEqual([
      ["contrastive_only", 2],
      ["hybrid", 2],
    ]);
    expect(agg.groups.every((g) => g.pareto === "unranked")).toBe(true);
  });
});
