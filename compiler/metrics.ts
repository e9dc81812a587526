// Metric names: what the evaluation writes to result.json and what a sweep's `objectives` may name.
// One definition, read by the checker (compiler/check/) and the runtime (runtime/evaluate).
import type { IRBaseline, IRProtocol } from "./ir.js";
import { BASELINES } from "../language/builtins.js";

/** The baselines a protocol reports when its `baselines:` argument is left out (and for an IR
 *  written before the argument existed): every one the registry declares. */
export const DEFAULT_BASELINES: readonly IRBaseline[] = BASELINES;

/** A linear_probe's or knn's baselines (an IR written before issue 12 has none listed: the default). */
export function baselinesOf(p: IRProtocol): readonly IRBaseline[] {
  if (p.kind !== "linear_probe" && p.kind !== "knn") return [];
  return (p as { baselines?: IRBaseline[] }).baselines ?? DEFAULT_BASELINES;
}

/** The metric a baseline of a protocol reports: `<prefix>.init_accuracy`, `<prefix>.pixels_accuracy`. */
export function baselineMetric(prefix: string, b: IRBaseline): string {
  return `${prefix}.${b}_accuracy`;
}

/** Each protocol's metric prefix: its kind, and `<kind>_<n>` for a kind's second and later protocols. */
export function metricPrefixes(protocols: readonly Pick<IRProtocol, "kind">[]): string[] {
  const seen = new Map<string, number>();
  return protocols.map((p) => {
    const n = (seen.get(p.kind) ?? 0) + 1;
    seen.set(p.kind, n);
    return n === 1 ? p.kind : `${p.kind}_${n}`;
  });
}

/** The name of a trained figure's margin over its init baseline, as sweep tables show it: `linear_probe.accuracy − init`. */
export function marginMetric(prefix: string): string {
  return `${prefix}.accuracy − init`;
}

/**
 * A run's margins over initialisation: `<prefix>.accuracy − <prefix>.init_accuracy` for every
 * protocol that reports both (per run, so a sweep's mean ± std over seeds is of paired differences).
 */
export function marginsOverInit(metrics: Record<string, number | null | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, init] of Object.entries(metrics)) {
    const m = /^(.*)\.init_accuracy$/.exec(name);
    if (!m || typeof init !== "number") continue;
    const trained = metrics[`${m[1]}.accuracy`];
    if (typeof trained === "number") out[marginMetric(m[1]!)] = trained - init;
  }
  return out;
}

/** The baseline columns that belong beside a metric in a table: `<prefix>.init_accuracy`, `<prefix>.pixels_accuracy` and the margin, for `<prefix>.accuracy`. */
export function baselineColumns(metric: string): string[] {
  const m = /^(.*)\.accuracy$/.exec(metric);
  if (!m || /\.(init|pixels)_accuracy$/.test(metric)) return [];
  return [`${m[1]}.init_accuracy`, `${m[1]}.pixels_accuracy`, marginMetric(m[1]!)];
}

/** Every metric a protocol reports. */
export function metricNames(p: IRProtocol, prefix: string = p.kind): string[] {
  switch (p.kind) {
    case "linear_probe":
      return [
        `${prefix}.accuracy`,
        `${prefix}.ece`,
        ...baselinesOf(p).map((b) => baselineMetric(prefix, b)),
        // The block a probe over `.layers` chose on held-out data (1-based).
        ...(p.features.member === "layers" ? [`${prefix}.layer`] : []),
      ];
    case "knn":
      return [`${prefix}.accuracy`, ...baselinesOf(p).map((b) => baselineMetric(prefix, b))];
    case "bits_per_dim":
      return [prefix];
    case "ood":
      return [`${prefix}.auroc`, ...p.scores.flatMap((s) => ["auroc", "aupr_in", "aupr_out", "fpr95"].map((m) => `${prefix}.${s}.${m}`))];
    case "robustness":
      return [
        ...p.corruptions.flatMap((c) => [...p.severities.map((s) => `${prefix}.${c}.${s}.accuracy`), `${prefix}.${c}.accuracy`]),
        `${prefix}.mean_accuracy`,
        `${prefix}.clean_accuracy`,
        `${prefix}.drop`,
      ];
    case "samples":
      return [`${prefix}.count`];
  }
}

/** Every metric an evaluate block reports. */
export function experimentMetrics(protocols: readonly IRProtocol[]): string[] {
  const prefixes = metricPrefixes(protocols);
  return protocols.flatMap((p, i) => metricNames(p, prefixes[i]));
}
