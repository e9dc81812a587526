// Checking again only what an edit touched (compiler/parse.ts's item cache, compiler/check-cache.ts)
// must give exactly what a check from scratch gives, wherever the edit moved the rest.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkSource, type CheckResult } from "../../compiler/index.js";

function normal(r: CheckResult, file: string): string {
  const experiments = [...r.experiments.values()].map((c) => [c.name, c.body, [...c.items.values()], c.diagnostics, c.metrics]);
  const sweeps = [...r.sweeps.values()].map((s) => [s.name, s.trialCount, s.ok]);
  return JSON.stringify({ d: r.diagnostics, refs: r.references, experiments, sweeps, ast: r.workspace.files.get(file)?.program.items }).replaceAll(file, "FILE");
}

describe("incremental checking", () => {
  it("gives after each edit what a check from scratch gives", () => {
    const text = readFileSync(new URL("../../examples/hybrid.hgc", import.meta.url), "utf8");
    const file = "/virtual/incremental/hybrid.hgc";
    checkSource(text, file);
    const edits: ((t: string) => string)[] = [
      (t) => `// a new first line\n\n${t}`,
      (t) => t.replace("ntxent(proj", "ntxent(prj"),
      (t) => t.replace("ntxent(prj", "ntxent(proj").replace(/seed = (\d+)/, "seed =  $1"),
      (t) => t.replace(/layers: (\d+)/, "layers: 100000"),
      (t) => t,
    ];
    let current = text;
    edits.forEach((edit, i) => {
      current = edit(current);
      const fresh = `/virtual/incremental/fresh-${i}.hgc`;
      expect(normal(checkSource(current, file), file), `edit ${i}`).toBe(normal(checkSource(current, fresh), fresh));
    });
  });
});
