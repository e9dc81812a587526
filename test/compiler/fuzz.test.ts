// Any input gives diagnostics, never an exception or a hang: thousands of seeded mutations of the
// examples (deleted, inserted and swapped characters and tokens, duplicated spans, truncations).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkSource, compileExperiment } from "../../compiler/index.js";
import { renderDiagnostics } from "../../compiler/diagnostics.js";
import { exampleSources, FuzzRng, fuzzInputs, mutate } from "../../bench/check.js";

/** Per input; generous because the suite shares two cores with other work. */
const BOUND_MS = 2000;

describe("fuzzing the checker", () => {
  const sources = exampleSources();
  const file = join(sources[0]!.file, "..", "fuzz.hgc");

  it("mutates deterministically from a seed", () => {
    const a = [...fuzzInputs([sources[0]!.text], 5, 42)];
    const b = [...fuzzInputs([sources[0]!.text], 5, 42)];
    expect(a).toEqual(b);
    expect(a.some((t) => t !== sources[0]!.text)).toBe(true);
  });

  it("never throws and answers each of 3000 mutated examples within the time bound", () => {
    let slowest = 0;
    let withErrors = 0;
    let compiled = 0;
    for (const input of fuzzInputs(sources.map((s) => s.text), 3000, 7)) {
      const t0 = performance.now();
      const r = checkSource(input, file);
      renderDiagnostics(r.diagnostics, r.sources);
      // Whatever still checks must still compile to schema-valid IR.
      if (!r.diagnostics.some((d) => d.severity === "error")) {
        if (r.experiments.size > 0 && compileExperiment(r).value) compiled++;
      } else withErrors++;
      const ms = performance.now() - t0;
      slowest = Math.max(slowest, ms);
      expect(ms, input).toBeLessThan(BOUND_MS);
      for (const d of r.diagnostics) {
        expect(d.span.start.line).toBeGreaterThanOrEqual(1);
        expect(d.message.length).toBeGreaterThan(0);
      }
    }
    expect(withErrors).toBeGreaterThan(1000);
    expect(compiled).toBeGreaterThan(0);
  });

  it("refuses a 10 MB file at once with one diagnostic", () => {
    const t0 = performance.now();
    const r = checkSource(sources[0]!.text.repeat(Math.ceil(10e6 / sources[0]!.text.length)), file);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["HGC012"]);
    expect(r.diagnostics[0]!.message).toMatch(/too large to check \(10\.\d MB/);
    expect(performance.now() - t0).toBeLessThan(BOUND_MS);
  });

  it("survives random bytes, deep nesting and a truncated file", () => {
    const rng = new FuzzRng(3);
    const bytes = Array.from({ length: 4000 }, () => String.fromCharCode(rng.int(256))).join("");
    const inputs = [
      bytes,
      `experiment e { objective = ${"(".repeat(5000)}gen${")".repeat(5000)} }`,
      `experiment e { objective = ${Array.from({ length: 3000 }, () => "gen").join(" + ")} }`,
      `experiment e { param p = ${"-".repeat(3000)}1 }`,
      sources[0]!.text.slice(0, sources[0]!.text.length / 2),
      "",
      "experiment",
      mutate(sources[0]!.text, rng),
    ];
    for (const input of inputs) {
      const t0 = performance.now();
      const r = checkSource(input, file);
      expect(() => renderDiagnostics(r.diagnostics, r.sources)).not.toThrow();
      expect(performance.now() - t0).toBeLessThan(BOUND_MS * 2);
    }
  });
});
