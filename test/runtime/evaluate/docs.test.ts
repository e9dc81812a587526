import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CORRUPTIONS, SEVERITY } from "../../../runtime/evaluate/corruptions.js";

const doc = readFileSync(new URL("../../../docs/evaluation.md", import.meta.url), "utf8");

describe("docs/evaluation.md", () => {
  it("prints the same severity table as the code", () => {
    const rows = new Map<string, { parameter: string; values: number[] }>();
    for (const line of doc.split("\n")) {
      const m = /^\| `([a-z_]+)` \| (.+?) \| ([^|]+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$/.exec(line);
      if (m && (CORRUPTIONS as readonly string[]).includes(m[1]!)) rows.set(m[1]!, { parameter: m[2]!, values: m.slice(3, 8).map(Number) });
    }
    expect([...rows.keys()]).toEqual([...CORRUPTIONS]);
    for (const c of CORRUPTIONS) {
      expect(rows.get(c)!.values, c).toEqual([...SEVERITY[c].severities]);
      expect(rows.get(c)!.parameter, c).toBe(SEVERITY[c].parameter);
    }
  });

  it("documents every metric family", () => {
    for (const name of ["linear_probe.accuracy", "linear_probe.ece", "knn.accuracy", "`bits_per_dim`", "ood.auroc", "ood.<score>.aupr_in", "ood.<score>.aupr_out", "ood.<score>.fpr95", "robustness.<corruption>.<severity>.accuracy", "robustness.mean_accuracy", "robustness.clean_accuracy", "robustness.drop", "samples.count"]) {
      expect(doc).toContain(name);
    }
  });
});
