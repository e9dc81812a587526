// Every example is checked clean and every experiment in it trains with the real binary: the
// examples are documentation, and documentation that does not run is worse than none.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const HGC = join(ROOT, "dist/cli/main.js");
const EXAMPLES = readdirSync(join(ROOT, "examples"))
  .filter((f) => f.endsWith(".hgc"))
  .map((f) => join(ROOT, "examples", f));

function experimentsOf(file: string): string[] {
  return [...readFileSync(file, "utf8").matchAll(/^experiment\s+([A-Za-z_][A-Za-z0-9_]*)/gm)].map((m) => m[1]!);
}

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [HGC, ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, CI: "1" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the examples", () => {
  it("check clean, warnings included", () => {
    // execFileSync throws on a non-zero exit, with the diagnostics in the message
    const out = execFileSync(process.execPath, [HGC, "check", "--strict", ...EXAMPLES], { cwd: ROOT, encoding: "utf8" });
    expect(out).toBe("");
  });

  for (const file of EXAMPLES) {
    for (const experiment of experimentsOf(file)) {
      it(`trains ${experiment} of ${file.slice(ROOT.length + 1)} for a step`, () => {
        const out = mkdtempSync(join(tmpdir(), "hgc-example-"));
        const r = run(["run", file, "--experiment", experiment, "--steps", "1", "--no-eval", "--json", "--out", out]);
        expect(r.code, r.stderr).toBe(0);
        const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8"));
        expect(result).toMatchObject({ experiment, status: "completed", steps: 1 });
        for (const v of Object.values(result.losses as Record<string, number>)) expect(Number.isFinite(v)).toBe(true);
      });
    }
  }

  it("runs the quickstart's every evaluation protocol after two steps", () => {
    const out = mkdtempSync(join(tmpdir(), "hgc-quickstart-"));
    const r = run(["run", "examples/quickstart.hgc", "--steps", "2", "--json", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8"));
    for (const name of ["linear_probe.accuracy", "knn.accuracy", "bits_per_dim", "ood.auroc", "robustness.mean_accuracy", "samples.count"]) {
      expect(typeof result.metrics[name], name).toBe("number");
    }
    expect(readdirSync(out)).toEqual(expect.arrayContaining(["report.md", "report.html", "samples.png"]));
  });
});
