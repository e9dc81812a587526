// examples/methods/: one program per method of the two-view family and its hybrid with the
// next-token loss. Each checks clean; each method trains its 100 steps on synthetic data with the
// real binary and its linear probe must beat the same probe on the encoder at initialisation;
// each hybrid trains with both terms logged and reported; byol's lambda sweep runs.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const HGC = join(ROOT, "dist/cli/main.js");
const DIR = join(ROOT, "examples/methods");
const METHODS = readdirSync(DIR)
  .filter((f) => f.endsWith(".hgc"))
  .map((f) => f.slice(0, -4))
  .sort();

function hgc(args: string[], cwd = ROOT): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [HGC, ...args], { cwd, encoding: "utf8", env: { ...process.env, CI: "1", HGC_DB: "" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = (what: string) => mkdtempSync(join(tmpdir(), `hgc-${what}-`));

describe("examples/methods", () => {
  it("has one program per method of the family, each with its hybrid", () => {
    expect(METHODS).toEqual(["barlow_twins", "byol", "moco", "ntxent", "simsiam", "supcon", "vicreg"]);
    for (const m of METHODS) {
      const text = readFileSync(join(DIR, `${m}.hgc`), "utf8");
      expect(text).toMatch(new RegExp(`^experiment ${m} \\{`, "m"));
      expect(text).toMatch(new RegExp(`^experiment ${m}_hybrid extends ${m} \\{`, "m"));
    }
  });

  it("check clean, warnings included", () => {
    const out = execFileSync(process.execPath, [HGC, "check", "--strict", ...METHODS.map((m) => join(DIR, `${m}.hgc`))], { cwd: ROOT, encoding: "utf8" });
    expect(out).toBe("");
  });

  for (const m of METHODS) {
    it(`trains ${m} for 100 steps on synthetic data, and its probe beats the encoder at initialisation`, () => {
      const out = tmp(m);
      const r = hgc(["run", `examples/methods/${m}.hgc`, "--experiment", m, "--json", "--out", out]);
      expect(r.code, r.stderr).toBe(0);
      const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8"));
      expect(result).toMatchObject({ experiment: m, status: "completed", steps: 100 });
      const acc = result.metrics["linear_probe.accuracy"] as number;
      const init = result.metrics["linear_probe.init_accuracy"] as number;
      expect(acc, `${m}: probe ${acc} vs ${init} at init`).toBeGreaterThan(init);
    });
  }

  it("trains every hybrid with both terms in the objective, logged each step and in the report", () => {
    for (const m of METHODS) {
      const out = tmp(`${m}-hybrid`);
      const r = hgc(["run", `examples/methods/${m}.hgc`, "--experiment", `${m}_hybrid`, "--steps", "3", "--no-eval", "--json", "--out", out]);
      expect(r.code, r.stderr).toBe(0);
      const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8"));
      const terms = Object.keys(result.losses).sort();
      expect(terms, m).toHaveLength(2);
      expect(terms).toContain("gen");
      for (const v of Object.values(result.losses as Record<string, number>)) expect(Number.isFinite(v)).toBe(true);
      const steps = readFileSync(join(out, "metrics.jsonl"), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l))
        .filter((e) => e.type === "step");
      expect(steps).toHaveLength(3);
      for (const s of steps) expect(Object.keys(s.losses).sort()).toEqual(terms);
      const report = readFileSync(join(out, "report.md"), "utf8");
      for (const t of terms) expect(report).toContain(`\`loss.${t}\``);
    }
  });

  it("runs a sweep over lambda of byol + lambda · gen through the real binary", () => {
    const cwd = tmp("byol-sweep");
    // the example's sweep, shortened: 4 steps a trial, two grid points, one seed
    writeFileSync(join(cwd, "byol.hgc"), readFileSync(join(DIR, "byol.hgc"), "utf8").replace("steps: 100", "steps: 4"));
    const r = hgc(["sweep", "byol.hgc", "--sweep", "byol_lambda", "--grid", "lambda=0.1,2", "--seeds", "1", "--json", "--no-tui", "--out", "sw"], cwd);
    expect(r.code, r.stderr).toBe(0);
    const [header, ...rows] = readFileSync(join(cwd, "sw", "sweep.csv"), "utf8").trim().split("\n").map((l) => l.split(","));
    const col = (name: string) => header!.indexOf(name);
    expect(rows.map((r) => [r[col("experiment")], r[col("lambda")], r[col("completed")], r[col("failed")]])).toEqual([
      ["byol_hybrid", "0.1", "1", "0"],
      ["byol_hybrid", "2", "1", "0"],
    ]);
    for (const r of rows) expect(Number(r[col("linear_probe.accuracy.mean")])).toBeGreaterThan(0);
  });
});
