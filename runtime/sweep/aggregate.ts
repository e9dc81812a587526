// Aggregation of a sweep's trials: one row per grid point (experiment + param values), each
// metric's mean ± sample standard deviation over the seeds that completed, and the Pareto front
// over the sweep's objectives computed on those means.
import type { Metrics } from "../events.js";
import { paretoFront, type Objective, type ParetoStatus } from "./pareto.js";
import { marginsOverInit } from "../../compiler/metrics.js";

/** "pruned": stopped by the sweep's prune rule (its checkpoint kept; its metrics are its last evaluation's). */
export type TrialStatus = "pending" | "running" | "completed" | "failed" | "interrupted" | "pruned";

/** What the sweep knows about one trial: its place in the grid and, once run, its outcome. */
export interface TrialOutcome {
  id: string;
  experiment: string;
  point: Record<string, number>;
  seed: number;
  status: TrialStatus;
  runDir: string;
  /** Final metrics from the run's result.json (empty until it completes). */
  metrics: Metrics;
  error?: string;
  /** Where the prune rule stopped it: the rung's step, the step judged, and its value there. */
  pruned?: { rung: number; at: number; step: number; value: number };
}

export interface MetricStat {
  mean: number;
  /** Sample standard deviation (n − 1); null with a single value. */
  std: number | null;
  n: number;
}

export interface GroupRow {
  /** Stable key of the grid point, e.g. `hybrid lambda=0.1`. */
  key: string;
  experiment: string;
  point: Record<string, number>;
  seeds: number[];
  completed: number;
  failed: number;
  metrics: Record<string, MetricStat>;
  pareto: ParetoStatus;
  dominatedBy: string[];
}

export interface SweepAggregate {
  sweep: string;
  params: string[];
  objectives: Objective[];
  /** Every metric seen, objectives first, then alphabetical. */
  metrics: string[];
  groups: GroupRow[];
  /** Keys of the groups on the Pareto front. */
  front: string[];
}

export function pointKey(experiment: string, point: Record<string, number>, params: string[]): string {
  const names = params.length ? params.filter((p) => p in point) : Object.keys(point).sort();
  const parts = names.map((p) => `${p}=${paramText(point[p]!)}`);
  return [experiment, ...parts].join(" ");
}

/** A param value as written in keys and file names: shortest round-trip form. */
export function paramText(v: number): string {
  return String(v);
}

export function meanStd(values: number[]): MetricStat {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (n < 2) return { mean, std: null, n };
  const ss = values.reduce((s, v) => s + (v - mean) * (v - mean), 0);
  return { mean, std: Math.sqrt(ss / (n - 1)), n };
}

export function aggregate(
  sweep: { name: string; params: string[]; objectives: Objective[] },
  trials: TrialOutcome[],
): SweepAggregate {
  const groups = new Map<string, { experiment: string; point: Record<string, number>; trials: TrialOutcome[] }>();
  for (const t of trials) {
    const key = pointKey(t.experiment, t.point, sweep.params);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { experiment: t.experiment, point: t.point, trials: [] }));
    g.trials.push(t);
  }

  const metricNames = new Set<string>();
  const rows: GroupRow[] = [];
  for (const [key, g] of groups) {
    const done = g.trials.filter((t) => t.status === "completed");
    const values = new Map<string, number[]>();
    for (const t of done) {
      // Margins over the init baseline are derived per trial (issue 12), then aggregated like any metric.
      for (const [name, v] of Object.entries({ ...t.metrics, ...marginsOverInit(t.metrics) })) {
        if (typeof v !== "number" || !Number.isFinite(v)) continue;
        metricNames.add(name);
        let list = values.get(name);
        if (!list) values.set(name, (list = []));
        list.push(v);
      }
    }
    const metrics: Record<string, MetricStat> = {};
    for (const [name, list] of values) metrics[name] = meanStd(list);
    rows.push({
      key,
      experiment: g.experiment,
      point: g.point,
      seeds: g.trials.map((t) => t.seed),
      completed: done.length,
      failed: g.trials.filter((t) => t.status === "failed").length,
      metrics,
      pareto: "unranked",
      dominatedBy: [],
    });
  }

  const marks = paretoFront(
    rows.map((r) => ({ key: r.key, values: sweep.objectives.map((o) => r.metrics[o.metric]?.mean ?? null) })),
    sweep.objectives,
  );
  for (const r of rows) {
    const m = marks.get(r.key)!;
    r.pareto = m.status;
    r.dominatedBy = m.dominatedBy;
  }

  const objectiveNames = sweep.objectives.map((o) => o.metric);
  const rest = [...metricNames].filter((m) => !objectiveNames.includes(m)).sort();
  return {
    sweep: sweep.name,
    params: sweep.params,
    objectives: sweep.objectives,
    metrics: [...objectiveNames, ...rest],
    groups: rows,
    front: rows.filter((r) => r.pareto === "front").map((r) => r.key),
  };
}
