// Events as the runtime and the sweep runner emit them, for the UI tests.
import type { CheckpointEvent, EndEvent, EvalEvent, StartEvent, StepEvent } from "../../../runtime/events.js";
import type { SweepStartEvent } from "../../../cli/ui/sweep-events.js";

/** Removes ANSI escape sequences (colours, cursor moves), leaving what a reader sees. */
export function strip(text: string | undefined): string {
  // eslint-disable-next-line no-control-regex
  return (text ?? "").replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, "").replace(/\u001b\][^\u0007]*\u0007/g, "");
}

export const start: StartEvent = {
  type: "start",
  time: "2026-11-29T06:00:00.000Z",
  experiment: "quickstart",
  runDir: "runs/quickstart-1a2b3c",
  backend: "tensorflow",
  kernels: [],
  parameters: 1_234_567,
  datasets: [
    { name: "fashion_mnist/train", images: 60000 },
    { name: "fashion_mnist/test", images: 10000 },
  ],
  totalSteps: 1500,
  batch: 256,
  seed: 7,
  startStep: 0,
};

/** Step `step` of a run whose losses fall smoothly, taking 150 ms a step. */
export function step(n: number, totalSteps = 1500): StepEvent {
  const gen = 2 + 3 / Math.sqrt(n);
  const con = 4 + 2 / Math.sqrt(n);
  return {
    type: "step",
    step: n,
    totalSteps,
    losses: { gen, con },
    weights: { gen: 0.5, con: 1 },
    objective: 0.5 * gen + con,
    lr: 1e-3 * Math.min(1, n / 100),
    gradNorm: 1.5,
    imagesPerSec: 410,
    msPerStep: 150,
    elapsedMs: n * 150,
  };
}

export const evalAt500: EvalEvent = {
  type: "eval",
  step: 500,
  metrics: { "linear_probe.accuracy": 0.8123, "linear_probe.ece": 0.0312, "knn.accuracy": 0.7954, "ood.likelihood.auroc": null },
  skipped: [{ protocol: "ood", reason: "no out-of-distribution set given" }],
  elapsedMs: 4200,
};

export const checkpointAt500: CheckpointEvent = { type: "checkpoint", step: 500, path: "runs/quickstart-1a2b3c/checkpoints/500" };

export const completed: EndEvent = {
  type: "end",
  step: 1500,
  status: "completed",
  elapsedMs: 225_000,
  metrics: { "linear_probe.accuracy": 0.8431, "bits_per_dim": 3.12 },
  runDir: "runs/quickstart-1a2b3c",
};

export const sweepStart: SweepStartEvent = {
  type: "sweep-start",
  sweep: "weights",
  dir: "sweeps/weights-9f8e",
  jobs: 2,
  keyMetric: "linear_probe.accuracy",
  trials: [
    { id: "aaaa1111bbbb", experiment: "hybrid", point: { wg: 0.25 }, seed: 1 },
    { id: "cccc2222dddd", experiment: "hybrid", point: { wg: 0.25 }, seed: 2 },
    { id: "eeee3333ffff", experiment: "hybrid", point: { wg: 0.75 }, seed: 1 },
    { id: "gggg4444hhhh", experiment: "hybrid", point: { wg: 0.75 }, seed: 2 },
  ],
};
