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
