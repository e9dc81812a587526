import { existsSync, readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { IRSweep } from "../../../compiler/ir.js";
import { Store } from "../../../runtime/store.js";
import { defaultSweepDir, runSweep, sweepHash, trialPaths } from "../../../runtime/sweep/run.js";

const TRIAL = fileURLToPath(new URL("./fixtures/trial.mjs", import.meta.url));

function sweep(modes: Record<number, string> = {}): { ir: IRSweep; modes: Record<number, string> } {
  const trials = [0.1, 1].flatMap((lambda) =>
    [1, 2].map((seed) => ({
      id: `${lambda === 1 ? "b" : "a"}${seed}`.padEnd(64, "0"),
      experiment: "tiny",
      point: { lambda },
      seed,
      ir: { name: "tiny", seed, params: { lambda } } as any,
    })),
  );
  return {
    ir: {
      irVersion: 1,
      name: "tiny_grid",
      jobs: 2,
      params: ["lambda"],
      objectives: [
        { direction: "maximize", metric: "acc" },
        { direction: "minimize", metric: "bpd" },
      ],
      trials,
    },
    modes,
  };
}

function command(modes: Record<number, string>) {
  return (job: { runDir: string; seed: number; point: Record<string, number> }, irPath: string, resume: boolean) => ({
    command: process.execPath,
    args: [TRIAL, job.runDir, modes[job.point.lambda!] ?? "ok", String(job.seed), ...(resume ? ["--resume"] : []), String(job.point.lambda)],
  });
}

describe("runSweep", () => {
  it("lays out the sweep folder, aggregates over seeds and indexes every trial", async () => {
    const root = mkdtempSync(join(tmpdir(), "hgc-runsweep-"));
    const { ir, modes } = sweep();
    const store = new Store(join(root, "hgc.sqlite"));
    const dir = defaultSweepDir(ir, root);
    const res = await runSweep({ sweep: ir, dir, store, command: command(modes) });
    expect(res.status).toBe("completed");
    expect(dir).toBe(join(root, "sweeps", `tiny_grid-${sweepHash(ir).slice(0, 8)}`));
    for (const t of ir.trials) {
      const { runDir, irPath } = trialPaths(dir, t);
      expect(JSON.parse(readFileSync(irPath, "utf8"))).toEqual(t.ir);
      expect(JSON.parse(readFileSync(join(runDir, "result.json"), "utf8")).status).toBe("completed");
    }
    // acc = 0.5 + seed/100 + λ/10 → λ=0.1: 0.525 ± 0.00707; λ=1: 0.615
    const [a, b] = res.agg.groups;
    expect(a!.metrics.acc!.mean).toBeCloseTo(0.525, 12);
    expect(a!.metrics.acc!.std).toBeCloseTo(Math.SQRT1_2 / 100, 12);
    expect(b!.metrics.acc!.mean).toBeCloseTo(0.615, 12);
    expect(res.agg.front).toEqual(["tiny lambda=0.1", "tiny lambda=1"]);
    expect(res.files.sort()).toEqual(["acc-vs-lambda.svg", "bpd-vs-lambda.svg", "pareto.svg", "sweep.csv", "sweep.html", "sweep.md"]);
    const state = JSON.parse(readFileSync(join(dir, "sweep.json"), "utf8"));
    expect(state.status).toBe("completed");
    expect(state.trials.map((t: any) => t.status)).toEqual(["completed", "completed", "completed", "completed"]);

    expect(store.listSweeps().map((s) => [s.name, s.status])).toEqual([["tiny_grid", "completed"]]);
    expect(store.listTrials(res.id).every((t) => t.status === "completed" && t.run)).toBe(true);
    expect(store.listRuns({ sweep: "tiny_grid" })).toHaveLength(4);
    store.close();
  });

  it("records a failed trial's error in sweep.json, sweep.md and the database while the others complete", async () => {
    const root = mkdtempSync(join(tmpdir(), "hgc-runsweep-"));
    const { ir, modes } = sweep({ 1: "fail" });
    const store = new Store(join(root, "hgc.sqlite"));
    const res = await runSweep({ sweep: ir, dir: join(root, "s"), store, command: command(modes) });
    expect(res.status).toBe("failed");
    expect(res.outcomes.map((o) => o.status)).toEqual(["completed", "completed", "failed", "failed"]);
    const md = readFileSync(join(root, "s", "sweep.md"), "utf8");
    expect(md).toContain("4 trials over 2 grid points: 2 completed, 2 failed.");
    expect(md).toContain("| b1000000 | tiny | lambda=1 | 1 | cannot read data/missing.idx: no such file |");
    expect(md).toContain("Not ranked (an objective metric is missing): tiny lambda=1.");
    expect(store.listTrials(res.id).filter((t) => t.status === "failed").map((t) => t.error)).toEqual([
      "cannot read data/missing.idx: no such file",
      "cannot read data/missing.idx: no such file",
    ]);
    // with one point ranked there is nothing to trade off against, but the plot still shows it
    expect(existsSync(join(root, "s", "pareto.svg"))).toBe(true);
    store.close();
  });
});

describe("lockSweep", () => {
  it("refuses a second live runner of the same sweep folder and takes over a stale lock", async () => {
    const { lockSweep } = await import("../../../runtime/sweep/run.js");
    const { writeFileSync, mkdirSync } = await import("node:fs");
    const dir = mkdtempSync(join(tmpdir(), "hgc-lock-"));
    // a live process that is not this one: the test runner's parent
    writeFileSync(join(dir, ".lock"), String(process.ppid));
    expect(() => lockSweep(dir)).toThrow(`this sweep is already running (process ${process.ppid})`);
    // a pid that cannot be alive
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, ".lock"), "999999999");
    const unlock = lockSweep(dir);
    expect(readFileSync(join(dir, ".lock"), "utf8")).toBe(String(process.pid));
    unlock();
    expect(existsSync(join(dir, ".lock"))).toBe(false);
  });
});

describe("trialIdLength", () => {
  it("names trial folders by 8 characters of the id unless two ids share them", async () => {
    const { trialIdLength } = await import("../../../runtime/sweep/run.js");
    expect(trialIdLength([{ id: "a".repeat(64) }, { id: "b".repeat(64) }])).toBe(8);
    expect(trialIdLength([{ id: "abcdef01" + "1".repeat(56) }, { id: "abcdef01" + "2".repeat(56) }])).toBe(12);
    // the same trial listed twice is not a collision
    expect(trialIdLength([{ id: "a".repeat(64) }, { id: "a".repeat(64) }])).toBe(8);
  });
});
