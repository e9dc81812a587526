// examples/paper.hgc reproduces the hybrid method's findings with one command,
// `hgc sweep examples/paper.hgc`: it must check clean and its one sweep must list every trial
// (the two baselines and the hybrid, three seeds each). Nothing is trained here.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const HGC = join(ROOT, "dist/cli/main.js");
const PAPER = join(ROOT, "examples/paper.hgc");

function hgc(args: string[]) {
  // a fresh --root keeps the plan column free of the runs already on this machine
  const r = spawnSync(process.execPath, [HGC, ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, HGC_DB: "", CI: "1" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("examples/paper.hgc", () => {
  it("checks clean, warnings included", () => {
    const r = hgc(["check", "--strict", PAPER]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("is the sweep `hgc sweep FILE` runs: 3 experiments × 3 seeds, listed by --dry-run", () => {
    const root = mkdtempSync(join(tmpdir(), "hgc-paper-"));
    const r = hgc(["sweep", PAPER, "--dry-run", "--root", root]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("sweep paper: 9 trials, jobs 2");
    const trials = lines.slice(2).filter((l) => /^[0-9a-f]{8}\s/.test(l));
    expect(trials).toHaveLength(9);
    const experiments = trials.map((l) => l.split(/\s+/)[1]);
    const seeds = trials.map((l) => l.split(/\s+/)[3]);
    for (const e of ["contrastive_only", "generative_only", "hybrid"]) {
      expect(experiments.filter((x) => x === e)).toHaveLength(3);
    }
    expect(new Set(seeds)).toEqual(new Set(["1", "2", "3"]));
    for (const l of trials) expect(l).toMatch(/\s800\s+\S+\s+run$/);
    expect(lines.at(-2)).toMatch(/^total: 7200 steps, /);
    expect(lines.at(-1)).toMatch(/^folder: .*paper-[0-9a-f]{8}$/);
  });
});
