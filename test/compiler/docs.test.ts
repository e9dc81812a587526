import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BUILTINS } from "../../language/index.js";
import { defaultValue } from "../../language/builtins.js";
import { checkSource } from "../../compiler/index.js";

const doc = readFileSync(new URL("../../docs/language.md", import.meta.url), "utf8");

describe("the language reference", () => {
  it("documents every built-in and each of its arguments", () => {
    for (const b of BUILTINS) {
      const at = doc.indexOf(`#### \`${b.name}\``);
      expect(at, b.name).toBeGreaterThan(0);
      const section = doc.slice(at, doc.indexOf("####", at + 5) < 0 ? undefined : doc.indexOf("####", at + 5));
      for (const a of b.args) expect(section, `${b.name}.${a.name}`).toContain(`| \`${a.name}\` |`);
    }
  });

  it("documents the simplex grid extension", () => {
    expect(doc).toMatch(/grid \(wg, wc\) = simplex\(step: 0\.25\)/);
  });

  it("reads every default of the built-in table as a value", () => {
    for (const b of BUILTINS) for (const a of b.args) if (a.defaultText !== undefined) expect(defaultValue(b.name, a.name), `${b.name}.${a.name}`).not.toBeUndefined();
    expect(defaultValue("adamw", "lr")).toBe(1e-3);
    expect(defaultValue("ood", "scores")).toEqual(["likelihood", "knn"]);
    expect(defaultValue("robustness", "severities")).toEqual([1, 2, 3, 4, 5]);
    expect(defaultValue("synthetic", "size")).toEqual([28, 28]);
    expect(defaultValue("transformer", "causal")).toBe(false);
  });

  it("checks the tour's program clean", () => {
    const tour = /```hgc\n([\s\S]*?)```/.exec(doc)![1]!;
    const r = checkSource(tour, "/docs/tour.hgc");
    expect(r.diagnostics.filter((d) => d.severity !== "info")).toEqual([]);
    expect(r.sweeps.get("lambda_grid")!.trialCount).toBe(12);
  });
});
