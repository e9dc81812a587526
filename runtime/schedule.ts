// Per-step numbers: the learning rate and the objective's loss weights. `step` is the number of
// the optimizer step being taken, 1 … totalSteps.

import type { IROptimizer, IRScalar } from "../compiler/ir.js";
import { evalScalar } from "../compiler/scalar.js";

export { evalScalar };

/**
 * The learning rate at `step`:
 *   1. warmup: for step ≤ warmup, lr · step / warmup (linear from lr/warmup up to lr);
 *   2. after it, progress p = (step − warmup) / (totalSteps − warmup), in [0, 1];
 *   3. constant: lr;  linear: floor + (lr − floor)·(1 − p);  cosine: floor + (lr − floor)·(1 + cos πp)/2,
 *      where floor = lr · minLrRatio.
 */
export function learningRate(opt: IROptimizer, step: number, totalSteps: number): number {
  const warmup = Math.max(0, Math.floor(opt.warmup));
  if (warmup > 0 && step <= warmup) return (opt.lr * step) / warmup;
  if (opt.schedule === "constant") return opt.lr;
  const span = Math.max(1, totalSteps - warmup);
  const p = Math.min(1, Math.max(0, (step - warmup) / span));
  const floor = opt.lr * opt.minLrRatio;
  if (opt.schedule === "linear") return floor + (opt.lr - floor) * (1 - p);
  return floor + ((opt.lr - floor) * (1 + Math.cos(Math.PI * p))) / 2;
}

/** Each loss's weight at `step`, by loss name. */
export function lossWeights(terms: { loss: string; weight: IRScalar }[], step: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of terms) out[t.loss] = (out[t.loss] ?? 0) + evalScalar(t.weight, step);
  return out;
}
