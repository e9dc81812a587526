// The names a block's metrics get (compiler/metrics.ts, shared by the checker and the runtime),
// and the corruption names the checker accepts against those the runtime implements.
import { describe, expect, it } from "vitest";
import { CORRUPTIONS as CHECKED } from "../../../language/builtins.js";
import type { IRProtocol } from "../../../compiler/ir.js";
import { experimentMetrics } from "../../../compiler/shapes.js";
import { corrupt, CORRUPTIONS, SEVERITY } from "../../../runtime/evaluate/corruptions.js";
import { metricNames, metricPrefixes } from "../../../runtime/evaluate/index.js";
import { protocols } from "./fixture.js";

describe("metric names", () => {
  it("name every protocol's metrics, numbering a repeated kind", () => {
    const ps: IRProtocol[] = [
      protocols.linearProbe(),
      protocols.knn(),
      protocols.knn(5),
      protocols.bitsPerDim(),
      protocols.ood(["likelihood", "mahalanobis"]),
      protocols.robustness(["pixelate"], [1, 5]),
      protocols.samples(),
    ];
    expect(experimentMetrics(ps)).toEqual([
      "linear_probe.accuracy",
      "linear_probe.ece",
      "linear_probe.init_accuracy",
      "linear_probe.pixels_accuracy",
      "knn.accuracy",
      "knn.init_accuracy",
      "knn.pixels_accuracy",
      "knn_2.accuracy",
      "knn_2.init_accuracy",
      "knn_2.pixels_accuracy",
      "bits_per_dim",
      "ood.auroc",
      "ood.likelihood.auroc",
      "ood.likelihood.aupr_in",
      "ood.likelihood.aupr_out",
      "ood.likelihood.fpr95",
      "ood.mahalanobis.auroc",
      "ood.mahalanobis.aupr_in",
      "ood.mahalanobis.aupr_out",
      "ood.mahalanobis.fpr95",
      "robustness.pixelate.1.accuracy",
      "robustness.pixelate.5.accuracy",
      "robustness.pixelate.accuracy",
      "robustness.mean_accuracy",
      "robustness.clean_accuracy",
      "robustness.drop",
      "samples.count",
    ]);
    const prefixes = metricPrefixes(ps);
    expect(ps.flatMap((p, i) => metricNames(p, prefixes[i]))).toEqual(experimentMetrics(ps));
  });

  it("give every corruption the checker accepts a severity table and an implementation", () => {
    const img = new Float32Array(8 * 8).map((_, i) => (i % 8) / 8);
    for (const c of CHECKED) {
      expect(SEVERITY[c as keyof typeof SEVERITY], c).toBeDefined();
      const out = corrupt(img, 1, 8, 8, c as (typeof CORRUPTIONS)[number], 5, 1);
      expect(out.length, c).toBe(img.length);
      expect(Array.from(out), c).not.toEqual(Array.from(img));
    }
  });
});
