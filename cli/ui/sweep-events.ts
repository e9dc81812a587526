// Typed events of a sweep, emitted by `hgc sweep` and shown by the sweep view and its plain and
// JSON loggers. A sweep's trials are separate processes; these events summarise them.
import type { Metrics } from "../../runtime/events.js";

/** A grid point: swept param name → value. */
export type GridPoint = Readonly<Record<string, number | string>>;

export interface SweepTrial {
  /** The trial's identity (hash of its normalised IR and seed). */
  id: string;
  experiment: string;
  point: GridPoint;
  seed: number;
}

export interface SweepStartEvent {
  type: "sweep-start";
  sweep: string;
  /** The sweep folder. */
  dir?: string;
  trials: SweepTrial[];
  /** Trials run at once. */
  jobs: number;
  /** The metric shown for each finished trial (e.g. the first objective); else its first metric. */
  keyMetric?: string;
  /** Where the trials run when not on this machine, e.g. `slurm`. */
  on?: string;
}

/** A trial waits in a cluster scheduler's queue (Slurm), with the scheduler's reason. */
export interface TrialPendingEvent {
  type: "trial-pending";
  id: string;
  /** squeue's reason: Resources, Priority, BeginTime (requeued, waiting to restart), … */
  reason?: string;
  /** The scheduler's name for the trial's task, e.g. `1234_5`. */
  task?: string;
}

/** Trials a search proposed from the results so far (TPE), queued after the ones known at the start. */
export interface TrialsAddedEvent {
  type: "trials-added";
  trials: SweepTrial[];
}

/** Trials handed to Slurm as one job array. */
export interface SlurmSubmitEvent {
  type: "slurm-submit";
  job: string;
  trials: number;
}

export interface TrialStartEvent {
  type: "trial-start";
  id: string;
  runDir?: string;
}

export interface TrialProgressEvent {
  type: "trial-progress";
  id: string;
  step: number;
  totalSteps: number;
  /** The objective at this step, if known. */
  objective?: number;
}

export interface TrialEndEvent {
  type: "trial-end";
  id: string;
  /** `skipped`: finished in an earlier invocation, not run again. */
  status: "done" | "failed" | "skipped" | "pruned";
  metrics?: Metrics;
  error?: string;
  elapsedMs?: number;
}

/** Mean and standard deviation over seeds. */
export interface MeanStd {
  mean: number;
  std: number;
}

export interface AggregateRow {
  point: GridPoint;
  /** Seeds that finished at this point. */
  seeds: number;
  metrics: Record<string, MeanStd | null>;
}

export interface ParetoPoint {
  point: GridPoint;
  /** Objective metric → mean value at this point. */
  metrics: Record<string, number>;
}

export interface SweepEndEvent {
  type: "sweep-end";
  elapsedMs: number;
  /** Per grid point, mean ± std over seeds of every metric. */
  table: AggregateRow[];
  /** The non-dominated points over the sweep's objectives. */
  pareto: ParetoPoint[];
  /** The objectives, e.g. `["max linear_probe.accuracy", "min bits_per_dim"]`, for the record. */
  objectives?: string[];
  /** Where the aggregate files were written. */
  files?: string[];
}

export type SweepEvent = SweepStartEvent | TrialStartEvent | TrialPendingEvent | TrialProgressEvent | TrialEndEvent | SweepEndEvent | SlurmSubmitEvent | TrialsAddedEvent;

export type SweepListener = (event: SweepEvent) => void;

/** A synchronous bus for sweep events, like the runtime's `EventBus`. */
export class SweepBus {
  private listeners: SweepListener[] = [];

  on(listener: SweepListener): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  emit(event: SweepEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        process.stderr.write(`internal error in a sweep event listener: ${(err as Error).stack ?? err}\n`);
      }
    }
  }
}
