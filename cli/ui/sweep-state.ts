// What the sweep view shows, folded from sweep events. Pure, like run-state.
import type { Metrics } from "../../runtime/events.js";
import { formatValue } from "../../common/format.js";
import { layoutTable, LIVE_DIGITS } from "./format.js";
import type { AggregateRow, ParetoPoint, SweepEndEvent, SweepEvent, SweepStartEvent, SweepTrial } from "./sweep-events.js";

/** `pending`: waiting in a cluster scheduler's queue (`queued`: not handed to anyone yet). */
/** "pruned": stopped by the sweep's prune rule; finished, with the metrics of its last evaluation. */
export type TrialStatus = "queued" | "pending" | "running" | "done" | "failed" | "skipped" | "pruned";

export interface TrialState {
  readonly trial: SweepTrial;
  readonly status: TrialStatus;
  readonly step?: number;
  readonly totalSteps?: number;
  readonly metrics?: Metrics;
  readonly error?: string;
  readonly elapsedMs?: number;
  /** Why a pending trial waits (the scheduler's reason). */
  readonly reason?: string;
}

export interface SweepState {
  readonly start?: SweepStartEvent;
  readonly trials: readonly TrialState[];
  /** Ids of finished trials in the order they finished. */
  readonly finishedOrder: readonly string[];
  readonly end?: SweepEndEvent;
  /** Slurm job arrays submitted by this invocation. */
  readonly slurmJobs?: readonly string[];
}

export const initialSweepState: SweepState = { trials: [], finishedOrder: [] };

function update(state: SweepState, id: string, change: (t: TrialState) => TrialState): SweepState {
  return { ...state, trials: state.trials.map((t) => (t.trial.id === id ? change(t) : t)) };
}

export function reduceSweep(state: SweepState, event: SweepEvent): SweepState {
  switch (event.type) {
    case "sweep-start":
      return { start: event, trials: event.trials.map((trial) => ({ trial, status: "queued" })), finishedOrder: [] };
    case "trial-pending":
      return update(state, event.id, (t) => ({ ...t, status: "pending", reason: event.reason, step: undefined, totalSteps: undefined }));
    case "slurm-submit":
      return { ...state, slurmJobs: [...(state.slurmJobs ?? []), event.job] };
    case "trials-added":
      return { ...state, trials: [...state.trials, ...event.trials.filter((n) => !state.trials.some((t) => t.trial.id === n.id)).map((trial) => ({ trial, status: "queued" as const }))] };
    case "trial-start":
      return update(state, event.id, (t) => ({ ...t, status: "running", step: 0, reason: undefined }));
    case "trial-progress":
      return update(state, event.id, (t) => ({ ...t, status: "running", step: event.step, totalSteps: event.totalSteps }));
    case "trial-end":
      return update(
        // Finished trials are printed once, append-only: a trial keeps its first place.
        { ...state, finishedOrder: state.finishedOrder.includes(event.id) ? state.finishedOrder : [...state.finishedOrder, event.id] },
        event.id, (t) => ({
        ...t,
        status: event.status,
        metrics: event.metrics,
        error: event.error,
        elapsedMs: event.elapsedMs,
      }));
    case "sweep-end":
      return { ...state, end: event };
  }
}

/** Fraction of the sweep's work done: finished trials count whole, running ones by their steps. Skipped ones do not count. */
export function sweepFraction(trials: readonly TrialState[]): number {
  const counted = trials.filter((t) => t.status !== "skipped");
  if (counted.length === 0) return 1;
  let done = 0;
  for (const t of counted) {
    if (t.status === "done" || t.status === "failed" || t.status === "pruned") done += 1;
    else if (t.status === "running" && t.totalSteps) done += Math.min(1, (t.step ?? 0) / t.totalSteps);
  }
  return done / counted.length;
}

/** Time left, extrapolating the elapsed time by the work still to do. */
export function sweepEtaMs(trials: readonly TrialState[], elapsedMs: number): number | undefined {
  const f = sweepFraction(trials);
  if (f <= 0 || elapsedMs <= 0) return undefined;
  return (elapsedMs * (1 - f)) / f;
}

/** The metric a finished trial is summarised by. */
export function keyMetricOf(state: SweepState, metrics: Metrics | undefined): [string, number | null] | undefined {
  if (!metrics) return undefined;
  const key = state.start?.keyMetric;
  if (key !== undefined) return key in metrics ? [key, metrics[key]!] : undefined;
  const first = Object.entries(metrics)[0];
  return first;
}

/** squeue's reason in words where it is not obvious. */
export function pendingReason(reason: string): string {
  if (reason === "BeginTime") return "requeued, waiting to restart";
  if (reason === "None" || reason === "") return "submitted";
  return `waiting (${reason})`;
}

/** `wg=0.25 wc=0.75` */
export function formatPoint(point: Readonly<Record<string, number | string>>): string {
  return Object.entries(point)
    .map(([k, v]) => `${k}=${typeof v === "number" ? formatValue(v, LIVE_DIGITS) : v}`)
    .join(" ");
}

/** The aggregate table as aligned text lines, header first: point, seeds, mean ± std of each metric. */
export function aggregateLines(rows: readonly AggregateRow[]): string[] {
  if (rows.length === 0) return [];
  const metrics = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))];
  return layoutTable([
    ["point", "seeds", ...metrics],
    ...rows.map((r) => [
      formatPoint(r.point),
      String(r.seeds),
      ...metrics.map((m) => {
        const v = r.metrics[m];
        return v ? `${formatValue(v.mean, LIVE_DIGITS)} ± ${formatValue(v.std, LIVE_DIGITS)}` : "—";
      }),
    ]),
  ]);
}

/** The Pareto points as aligned text lines: grid point, then each objective's value. */
export function paretoLines(points: readonly ParetoPoint[]): string[] {
  return layoutTable(
    points.map((p) => [
      formatPoint(p.point),
      Object.entries(p.metrics)
        .map(([k, v]) => `${k} ${formatValue(v, LIVE_DIGITS)}`)
        .join("  "),
    ]),
  );
}
