// Typed events between the runtime and whoever listens: the terminal UI, the plain and JSON
// loggers, the metrics file and the results store. The runtime only emits; it never calls a UI.

/** A flat map of metric path → value, e.g. `linear_probe.accuracy`, `ood.likelihood.auroc`. */
export type Metrics = Record<string, number | null>;

export interface StartEvent {
  type: "start";
  /** The run's id (runtime/run.ts runIdOf); absent in folders of an older hgc. */
  id?: string;
  /** The command line's `path=value` overrides, as given (their values are in the IR). */
  overrides?: string[];
  time: string;
  experiment: string;
  runDir: string;
  backend: string;
  /** Extra kernels in use (e.g. a native matmul), for the record. */
  kernels: string[];
  parameters: number;
  datasets: { name: string; images: number }[];
  totalSteps: number;
  batch: number;
  seed: number;
  /** Step the run resumed from, or 0 for a fresh run. */
  startStep: number;
}

export interface StepEvent {
  type: "step";
  step: number;
  totalSteps: number;
  /** Each loss term on its own (autoregressive terms in bits/dim), by loss name. */
  losses: Record<string, number>;
  /** The objective's weight of each loss at this step. */
  weights: Record<string, number>;
  objective: number;
  lr: number;
  gradNorm: number;
  imagesPerSec: number;
  msPerStep: number;
  elapsedMs: number;
}

export interface EvalEvent {
  type: "eval";
  step: number;
  /** Metric path → value; null where a protocol was not applicable. */
  metrics: Metrics;
  /** Protocols reported as not applicable, with why. */
  skipped: { protocol: string; reason: string }[];
  elapsedMs: number;
  /** How each linear probe was fitted (runtime/evaluate/probe.ts ProbeReport), by metric prefix. */
  probes?: Record<string, { l2: number; iterations: number; gradNorm: number; converged: boolean; layer?: number }>;
}

export interface CheckpointEvent {
  type: "checkpoint";
  step: number;
  path: string;
}

export interface LogEvent {
  type: "log";
  level: "info" | "warn";
  message: string;
}

export interface ErrorEvent {
  type: "error";
  message: string;
  hint?: string;
  step?: number;
}

export interface EndEvent {
  type: "end";
  step: number;
  status: "completed" | "interrupted" | "failed";
  elapsedMs: number;
  /** Final metrics (from the last evaluation), if any. */
  metrics: Metrics;
  runDir: string;
}

export type RunEvent = StartEvent | StepEvent | EvalEvent | CheckpointEvent | LogEvent | ErrorEvent | EndEvent;

export type Listener = (event: RunEvent) => void;

/** A minimal synchronous event bus. Listeners run in subscription order; a throwing listener does not stop the others. */
export class EventBus {
  private listeners: Listener[] = [];

  on(listener: Listener): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  emit(event: RunEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        process.stderr.write(`internal error in an event listener: ${(err as Error).stack ?? err}\n`);
      }
    }
  }
}
