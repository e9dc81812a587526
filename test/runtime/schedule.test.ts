import { describe, expect, it } from "vitest";
import type { IROptimizer, IRScalar } from "../../compiler/ir.js";
import { evalScalar, learningRate, lossWeights } from "../../runtime/schedule.js";

const opt = (o: Partial<IROptimizer>): IROptimizer => ({
  kind: "adamw",
  lr: 1e-3,
  weightDecay: 0,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  momentum: 0,
  warmup: 10,
  schedule: "cosine",
  minLrRatio: 0,
  clip: null,
  ...o,
});

describe("learning rate", () => {
  it("warms up linearly to lr over the warmup steps", () => {
    expect(learningRate(opt({}), 1, 110)).toBeCloseTo(1e-4, 12);
    expect(learningRate(opt({}), 5, 110)).toBeCloseTo(5e-4, 12);
    expect(learningRate(opt({}), 10, 110)).toBeCloseTo(1e-3, 12);
  });

  it("follows a half cosine from lr down to the floor after warmup", () => {
    const o = opt({ minLrRatio: 0.1 });
    expect(learningRate(o, 60, 110)).toBeCloseTo(1e-4 + 0.9e-3 / 2, 12);
    expect(learningRate(o, 110, 110)).toBeCloseTo(1e-4, 12);
  });

  it("decays linearly or stays constant when asked", () => {
    expect(learningRate(opt({ schedule: "linear" }), 60, 110)).toBeCloseTo(0.5e-3, 12);
    expect(learningRate(opt({ schedule: "constant" }), 100, 110)).toBe(1e-3);
  });
});

describe("loss weights", () => {
  const num = (value: number): IRScalar => ({ op: "num", value });
  it("evaluates warmup, ramp and cosine schedules at a step", () => {
    expect(evalScalar({ op: "warmup", x: num(2), steps: 10 }, 5)).toBe(1);
    expect(evalScalar({ op: "warmup", x: num(2), steps: 10 }, 50)).toBe(2);
    expect(evalScalar({ op: "ramp", from: num(0), to: num(1), steps: 4 }, 1)).toBe(0.25);
    expect(evalScalar({ op: "cosine", from: num(1), to: num(0), steps: 10 }, 5)).toBeCloseTo(0.5, 12);
    expect(evalScalar({ op: "mul", a: { op: "param", name: "lambda", value: 0.3 }, b: num(2) }, 1)).toBeCloseTo(0.6, 12);
  });

  it("merges a loss named twice into one weight", () => {
    expect(lossWeights([{ loss: "gen", weight: num(1) }, { loss: "gen", weight: { op: "neg", a: num(0.25) } }], 1)).toEqual({ gen: 0.75 });
  });
});
