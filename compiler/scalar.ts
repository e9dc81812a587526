// The value of an objective weight (an IRScalar: numbers, params and schedules of the step). One
// definition: the checker samples it for sign warnings, the runtime weighs each loss by it.
import type { IRScalar } from "./ir.js";

/** The value of a weight expression at training step `step` (a schedule over 0 steps is at its end). */
export function evalScalar(s: IRScalar, step: number): number {
  switch (s.op) {
    case "num":
    case "param":
      return s.value;
    case "add":
      return evalScalar(s.a, step) + evalScalar(s.b, step);
    case "sub":
      return evalScalar(s.a, step) - evalScalar(s.b, step);
    case "mul":
      return evalScalar(s.a, step) * evalScalar(s.b, step);
    case "div":
      return evalScalar(s.a, step) / evalScalar(s.b, step);
    case "neg":
      return -evalScalar(s.a, step);
    case "warmup":
      return evalScalar(s.x, step) * (s.steps > 0 ? Math.min(1, step / s.steps) : 1);
    case "ramp": {
      const from = evalScalar(s.from, step);
      const to = evalScalar(s.to, step);
      const p = s.steps > 0 ? Math.min(1, step / s.steps) : 1;
      return from + (to - from) * p;
    }
    case "cosine": {
      const from = evalScalar(s.from, step);
      const to = evalScalar(s.to, step);
      const p = s.steps > 0 ? Math.min(1, step / s.steps) : 1;
      return to + ((from - to) * (1 + Math.cos(Math.PI * p))) / 2;
    }
  }
}

/**
 * True when a weight is 0 at every step of a run of `steps` steps (issue 12): the loss it weighs
 * is then never trained, and what only that loss trains (a generative head) must not be measured.
 * Every step is evaluated (a schedule may be 0 at the ends and positive between).
 */
export function zeroThroughout(s: IRScalar, steps: number): boolean {
  const n = Math.max(1, Math.floor(steps));
  // Long runs are sampled at 100 001 evenly spaced steps, ends included: schedules are smooth.
  const stride = n > 100_000 ? n / 100_000 : 1;
  for (let t = 0; t <= n; t += stride) if (evalScalar(s, Math.round(t)) !== 0) return false;
  return evalScalar(s, n) === 0;
}
