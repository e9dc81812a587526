import { describe, expect, it } from "vitest";
import { dominates, paretoFront, type Objective } from "../../../runtime/sweep/pareto.js";

const maxAcc: Objective = { direction: "maximize", metric: "acc" };
const minBpd: Objective = { direction: "minimize", metric: "bpd" };

function statuses(points: { key: string; values: (number | null)[] }[], objectives: Objective[]) {
  const marks = paretoFront(points, objectives);
  return Object.fromEntries(points.map((p) => [p.key, marks.get(p.key)!.status]));
}

describe("dominates", () => {
  it("holds when a point is at least as good everywhere and strictly better somewhere", () => {
    expect(dominates([0.9, 3.0], [0.8, 3.0], ["maximize", "minimize"])).toBe(true);
    expect(dominates([0.9, 2.9], [0.8, 3.0], ["maximize", "minimize"])).toBe(true);
  });
  it("does not hold between equal points or points that trade off", () => {
    expect(dominates([0.9, 3.0], [0.9, 3.0], ["maximize", "minimize"])).toBe(false);
    expect(dominates([0.9, 3.1], [0.8, 3.0], ["maximize", "minimize"])).toBe(false);
  });
});

describe("paretoFront", () => {
  it("keeps the trade-off points and marks the dominated ones with who dominates them", () => {
    // acc↑ bpd↓: a=(0.9,3.2) b=(0.8,3.0) c=(0.7,3.1) d=(0.85,3.3)
    // c is dominated by b (0.8 ≥ 0.7, 3.0 ≤ 3.1); d by a (0.9 ≥ 0.85, 3.2 ≤ 3.3)
    const points = [
      { key: "a", values: [0.9, 3.2] },
      { key: "b", values: [0.8, 3.0] },
      { key: "c", values: [0.7, 3.1] },
      { key: "d", values: [0.85, 3.3] },
    ];
    const marks = paretoFront(points, [maxAcc, minBpd]);
    expect(statuses(points, [maxAcc, minBpd])).toEqual({ a: "front", b: "front", c: "dominated", d: "dominated" });
    expect(marks.get("c")!.dominatedBy).toEqual(["b"]);
    expect(marks.get("d")!.dominatedBy).toEqual(["a"]);
  });

  it("keeps tied points on the front together and dominates what they both beat", () => {
    const points = [
      { key: "a", values: [0.9, 3.0] },
      { key: "b", values: [0.9, 3.0] },
      { key: "c", values: [0.9, 3.1] },
    ];
    const marks = paretoFront(points, [maxAcc, minBpd]);
    expect(statuses(points, [maxAcc, minBpd])).toEqual({ a: "front", b: "front", c: "dominated" });
    expect(marks.get("c")!.dominatedBy).toEqual(["a", "b"]);
  });

  it("treats a tie on one objective as no improvement there", () => {
    // same accuracy; lower bpd wins
    const points = [
      { key: "a", values: [0.8, 3.0] },
      { key: "b", values: [0.8, 2.5] },
    ];
    expect(statuses(points, [maxAcc, minBpd])).toEqual({ a: "dominated", b: "front" });
  });

  it("respects each objective's direction", () => {
    const points = [
      { key: "low", values: [1] },
      { key: "high", values: [2] },
    ];
    expect(statuses(points, [{ direction: "maximize", metric: "x" }])).toEqual({ low: "dominated", high: "front" });
    expect(statuses(points, [{ direction: "minimize", metric: "x" }])).toEqual({ low: "front", high: "dominated" });
  });

  it("leaves points with a missing objective value unranked and out of the comparison", () => {
    const points = [
      { key: "a", values: [0.9, null] },
      { key: "b", values: [0.8, 3.0] },
      { key: "c", values: [NaN, 2.0] },
    ];
    expect(statuses(points, [maxAcc, minBpd])).toEqual({ a: "unranked", b: "front", c: "unranked" });
  });

  it("ranks over three objectives", () => {
    const o3: Objective[] = [maxAcc, { direction: "maximize", metric: "auroc" }, minBpd];
    const points = [
      { key: "a", values: [0.9, 0.7, 3.0] },
      { key: "b", values: [0.8, 0.9, 3.0] },
      { key: "c", values: [0.8, 0.7, 3.0] },
    ];
    expect(statuses(points, o3)).toEqual({ a: "front", b: "front", c: "dominated" });
  });
});
