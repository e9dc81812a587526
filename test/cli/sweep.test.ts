import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseOverrides } from "../../cli/sweep.js";
import { defaultSweepDir, trialPaths } from "../../runtime/sweep/run.js";

const CLI = join(process.cwd(), "dist", "cli", "main.js");

function hgc(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", env: { ...process.env, HGC_DB: "", ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A sweep's IR as `hgc compile --sweep` prints it, cut down to what the sweep reads. */
function sweepIr() {
  const trial = (lambda: number, seed: number) => ({
    id: `${String(lambda).replace(".", "")}${seed}`.padEnd(64, "0"),
    experiment: "hybrid",
    point: { lambda },
    seed,
    ir: { name: "hybrid", seed, params: { lambda }, train: { steps: 20 }, estimates: { parameters: 12345, flopsPerStep: 5e9, imagesPerStep: 16 } },
  });
  return { irVersion: 1, name: "grid", jobs: 2, objectives: [], params: ["lambda"], trials: [trial(0.1, 1), trial(0.1, 2), trial(1, 1), trial(1, 2)] };
}

describe("parseOverrides", () => {
  it("reads repeated --grid options and a seed list", () => {
    expect(parseOverrides(["lambda=0.1,1", "temp=0.2"], "1,2,3")).toEqual({ grid: { lambda: [0.1, 1], temp: [0.2] }, seeds: [1, 2, 3] });
  });
  it("rejects malformed grids and seeds", () => {
    expect(() => parseOverrides(["lambda"])).toThrow("is not of the form P=v1,v2,…");
    expect(() => parseOverrides(["lambda=0.1,x"])).toThrow("must be a comma-separated list of numbers");
    expect(() => parseOverrides(["a=1", "a=2"])).toThrow("gives param `a` twice");
    expect(() => parseOverrides([], "1,2.5")).toThrow("non-negative integers");
  });
});

describe("hgc sweep --dry-run", () => {
  it("prints every trial with its cost and plan, and the total, without running anything", () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-sweep-dry-"));
    const ir = sweepIr();
    writeFileSync(join(cwd, "grid.json"), JSON.stringify(ir));
    // one trial already done in the default folder
    const dir = defaultSweepDir(ir, join(cwd, "runs"));
    const done = trialPaths(dir, ir.trials[0]!).runDir;
    mkdirSync(done, { recursive: true });
    writeFileSync(join(done, "result.json"), JSON.stringify({ status: "completed", metrics: {} }));

    const r = hgc(["sweep", "grid.json", "--dry-run"], cwd);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("sweep grid: 4 trials, jobs 2, swept lambda");
    expect(lines[1]).toMatch(/^TRIAL\s+EXPERIMENT\s+POINT\s+SEED\s+PARAMS\s+FLOP\/STEP\s+STEPS\s+FLOP\s+PLAN$/);
    expect(lines[2]).toMatch(/^01100000\s+hybrid\s+lambda=0\.1\s+1\s+12\.3k\s+5G\s+20\s+100G\s+done, skip$/);
    expect(lines[5]).toMatch(/^12000000\s+hybrid\s+lambda=1\s+2\s+12\.3k\s+5G\s+20\s+100G\s+run$/);
    expect(lines[6]).toBe("total: 80 steps, 400G FLOP (1 trial already done; 300G FLOP to run)");
    expect(lines[7]).toMatch(/^folder: runs\/sweeps\/grid-[0-9a-f]{8}$/);
  });

  it("uses --jobs over the sweep's own", () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-sweep-dry-"));
    writeFileSync(join(cwd, "grid.json"), JSON.stringify(sweepIr()));
    expect(hgc(["sweep", "grid.json", "--dry-run", "--jobs", "3"], cwd).stdout).toMatch(/^sweep grid: 4 trials, jobs 3/);
  });
});

describe("hgc sweep usage", () => {
  it("refuses --resume when there is no sweep to resume", () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-sweep-"));
    writeFileSync(join(cwd, "grid.json"), JSON.stringify(sweepIr()));
    const r = hgc(["sweep", "grid.json", "--resume"], cwd);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^hgc: error: there is no sweep to resume in runs\/sweeps\/grid-[0-9a-f]{8}\n  hint: run it without --resume to start it\n$/);
  });

  it("reports a missing file, a file that is not a sweep, and bad options as usage errors", () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-sweep-"));
    expect(hgc(["sweep", "nope.hgc"], cwd).stderr).toContain("cannot read `nope.hgc`: no such file");
    writeFileSync(join(cwd, "x.json"), JSON.stringify({ name: "x" }));
    const notSweep = hgc(["sweep", "x.json"], cwd);
    expect(notSweep.code).toBe(2);
    expect(notSweep.stderr).toContain("`x.json` is not a sweep's IR");
    const jobs = hgc(["sweep", "x.json", "--jobs", "0"], cwd);
    expect(jobs.code).toBe(2);
    expect(jobs.stderr).toContain("`--jobs` must be an integer ≥ 1, got `0`");
    writeFileSync(join(cwd, "grid.json"), JSON.stringify(sweepIr()));
    const grid = hgc(["sweep", "grid.json", "--grid", "lambda=1,2"], cwd);
    expect(grid.code).toBe(2);
    expect(grid.stderr).toContain("`--grid` and `--seeds` need the .hgc file");
  });
});

describe("applyOverridesToSource", () => {
  const src = [
    "experiment e { param lambda = 1 param t = 2 }",
    "sweep s {",
    "  experiments = [e]",
    "  grid lambda = [0.1,",
    "                 0.3]",
    "  seeds = [1, 2, 3]",
    "}",
    "sweep other { experiments = [e] grid (wg, wc) = simplex(step: 0.5) }",
    "",
  ].join("\n");

  async function edit(sweep: string | undefined, ov: ReturnType<typeof parseOverrides>) {
    const { parse } = await import("../../compiler/parse.js");
    const { applyOverridesToSource } = await import("../../cli/sweep.js");
    return applyOverridesToSource(parse(src, "/x/s.hgc").value, src, sweep, ov);
  }

  it("replaces a grid's values and the seeds while every line stays where it was", async () => {
    const out = (await edit("s", parseOverrides(["lambda=1,3"], "7")))!;
    const lines = out.split("\n");
    expect(lines).toHaveLength(src.split("\n").length);
    expect(lines[3]).toBe("  grid lambda = [1, 3]");
    expect(lines[4]).toBe("");
    expect(lines[5]).toBe("  seeds = [7]");
    expect(lines[7]).toBe(src.split("\n")[7]);
  });

  it("adds a grid for a param the sweep does not sweep yet, on the last statement's line", async () => {
    const out = (await edit("s", parseOverrides(["t=1,2"])))!;
    expect(out.split("\n")[5]).toBe("  seeds = [1, 2, 3] grid t = [1, 2] ");
  });

  it("refuses to replace one param of a simplex grid", async () => {
    await expect(edit("other", parseOverrides(["wg=0.5"]))).rejects.toThrow("cannot replace one param of the grid (wg, wc)");
  });

  it("leaves an ambiguous or unknown sweep to the compiler", async () => {
    expect(await edit(undefined, parseOverrides(["t=1"]))).toBeNull();
    expect(await edit("nope", parseOverrides(["t=1"]))).toBeNull();
  });
});
