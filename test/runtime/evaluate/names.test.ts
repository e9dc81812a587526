// The compiler names a block's metrics (for sweeps' objectives and `hgc check`) and validates
// corruption names without importing the runtime; these tests keep the two sides in step.
import { describe, expect, it } from "vitest";
import { CORRUPTIONS as CHECKED } from "../../../compiler/check.js";
import type { IRProtocol } from "../../../compiler/ir.js";
import { experimentMetrics } from "../../../compiler/shapes.js";
import { CORRUPTIONS } from "../../../runtime/evaluate/corruptions.js";
import { metricNames, metricPrefixes } from "../../../runtime/evaluate/index.js";
import { protocols } from "./fixture.js";

describe("metric names", () => {
  it("are the same in the compiler and the runtime for every protocol kind, repeated kinds included", () => {
    const ps: IRProtocol[] = [
      protocols.linearProbe(),
      protocols.knn(),
      protocols.knn(5),
      protocols.bitsPerDim(),
      protocols.ood(["likelihood", "knn", "mahalanobis"]),
      protocols.robustness(["gaussian_noise", "pixelate"], [1, 3, 5]),
      protocols.samples(),
    ];
    const prefixes = metricPrefixes(ps);
    expect(experimentMetrics(ps)).toEqual(ps.flatMap((p, i) => metricNames(p, prefixes[i])));
  });

  it("accept exactly the corruptions the runtime implements", () => {
    expect([...CHECKED]).toEqual([...CORRUPTIONS]);
  });
});
