// A property of the whole front end: whatever `check` accepts, `compile` turns into IR the schema
// accepts (every experiment and every sweep), and `fmt` never changes what a program means.
// Mutated examples, including numbers replaced by extreme ones (1e999, 1e308, 100000, …).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exampleSources, fuzzInputs } from "../../bench/check.js";
import { runPipeline } from "../../bench/fuzz.js";
import { checkSource, compileExperiment } from "../../compiler/index.js";

describe("check → compile → fmt → check", () => {
  const sources = exampleSources();
  const file = join(sources[0]!.file, "..", "pipeline.hgc");

  it("never crashes, and compiles what checks to schema-valid IR, on 400 mutated examples", () => {
    let compiled = 0;
    for (const input of fuzzInputs(sources.map((s) => s.text), 400, 424242)) {
      const o = runPipeline(input, file);
      expect(o.crash, input).toBeUndefined();
      expect(o.fmtChanged, input).toBe(false);
      compiled += o.compiled;
    }
    expect(compiled).toBeGreaterThan(50);
  });

  it("refuses at check time the numbers the IR cannot hold", () => {
    const hybrid = sources.find((s) => s.file.endsWith("quickstart.hgc"))!.text;
    const cases: [RegExp, string, string][] = [
      [/temperature: [\d.]+/, "temperature: 1e999", "HGC050"],
      [/layers: \d+/, "layers: 100000", "HGC047"],
      [/width: \d+/, "width: 99999999999999999999", "HGC050"],
      [/batch: \d+/, "batch: 1e15", "HGC047"],
      [/steps: \d+/, "steps: 1e15", "HGC047"],
      [/mlp: [\d.]+/, "mlp: 1e308", "HGC047"],
      [/heads: \d+/, "heads: 5", "HGC040"],
    ];
    for (const [re, by, code] of cases) {
      expect(re.test(hybrid), String(re)).toBe(true);
      const r = checkSource(hybrid.replace(re, by), file);
      const errors = r.diagnostics.filter((d) => d.severity === "error").map((d) => d.code);
      expect(errors, by).toContain(code);
      expect(compileExperiment(r).value, by).toBeNull();
    }
  });

  it("lifts the hard size limit to a warning when asked", () => {
    const text = sources.find((s) => s.file.endsWith("quickstart.hgc"))!.text.replace(/layers: \d+/, "layers: 100000");
    const r = checkSource(text, file, { limits: false });
    expect(r.diagnostics.filter((d) => d.code === "HGC047").map((d) => d.severity)).toEqual(["warning"]);
  });
});
