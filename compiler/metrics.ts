// Metric names: what the evaluation writes to result.json and what a sweep's `objectives` may name.
// One definition, read by the checker (compiler/check.ts) and the runtime (runtime/evaluate).
import type { IRProtocol } from "./ir.js";

/** Each protocol's metric prefix: its kind, and `<kind>_<n>` for a kind's second and later protocols. */
export function metricPrefixes(protocols: readonly Pick<IRProtocol, "kind">[]): string[] {
  const seen = new Map<string, number>();
  return protocols.map((p) => {
    const n = (seen.get(p.kind) ?? 0) + 1;
    seen.set(p.kind, n);
    return n === 1 ? p.kind : `${p.kind}_${n}`;
  });
}

/** Every metric a protocol reports. */
export function metricNames(p: IRProtocol, prefix: string = p.kind): string[] {
  switch (p.kind) {
    case "linear_probe":
      return [`${prefix}.accuracy`, `${prefix}.ece`];
    case "knn":
      return [`${prefix}.accuracy`];
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
