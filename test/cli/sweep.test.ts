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
    expect(grid.stderr).toContain("`--grid`, `--seeds` and PATH=VALUE overrides need the .hgc file");
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

// ---- end to end: the real `hgc sweep` running real `hgc run` trials on a tiny synthetic experiment ----

import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { Store } from "../../runtime/store.js";
import { readDashboard } from "../runtime/dashboards/read.js";

const TINY = (steps: number, checkpointEvery: number, sweep: string) => `
experiment tiny {
  seed = 1
  dataset train = synthetic(split: "train", count: 64, classes: 4, size: 8x8)
  dataset test  = synthetic(split: "test", count: 32, classes: 4, size: 8x8)
  tokens pixels = quantize(size: 8x8, levels: 4)
  views aug = augment(crop: 0.6..1.0, noise: 0.05)
  encoder enc = transformer(tokens: pixels, layers: 1, width: 16, heads: 2, mlp: 2, causal: true, pool: mean)
  head proj = mlp(enc.pooled, hidden: [16], out: 8)
  head lm   = linear(enc.tokens, out: pixels.vocab)
  loss con = ntxent(proj, views: aug, temperature: 0.5)
  loss gen = autoregressive(lm, target: pixels)
  param lambda = 0.5
  objective = gen + lambda * con
  optimizer = adamw(lr: 3e-3)
  train(data: train, steps: ${steps}, batch: 16, checkpoint_every: ${checkpointEvery})
  evaluate {
    linear_probe(features: enc.pooled, train: train, test: test, epochs: 3)
    bits_per_dim(data: test)
  }
}
${sweep}
`;

const GRID = `sweep grid {
  experiments = [tiny]
  grid lambda = [0.1, 1]
  seeds = [1, 2]
  jobs = 2
  objectives = [maximize linear_probe.accuracy, minimize bits_per_dim]
}`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  events: any[];
}

/** Runs `hgc ARGS` and parses stdout as JSON lines; `onEvent` may kill the process. */
function hgcAsync(args: string[], cwd: string, onEvent?: (e: any, pid: number) => void, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, HGC_DB: "", ...env } });
    let stdout = "";
    let stderr = "";
    let buf = "";
    const events: any[] = [];
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
      buf += c;
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          const e = JSON.parse(line);
          events.push(e);
          onEvent?.(e, child.pid!);
        } catch {}
      }
    });
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("close", (code) => done({ code, stdout, stderr, events }));
  });
}

function sweepFolder(cwd: string): string {
  const root = join(cwd, "runs", "sweeps");
  const dirs = readdirSync(root);
  expect(dirs).toHaveLength(1);
  return join(root, dirs[0]!);
}

function maxConcurrent(events: any[]): number {
  let running = 0;
  let peak = 0;
  for (const e of events) {
    if (e.type === "trial-start") peak = Math.max(peak, ++running);
    if (e.type === "trial-end" && e.status !== "skipped") running--;
  }
  return peak;
}

describe("hgc sweep end to end", () => {
  it("runs a 2-point × 2-seed sweep 2 at a time into the aggregate table, the Pareto front, the plots and the database", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-sweep-e2e-"));
    writeFileSync(join(cwd, "tiny.hgc"), TINY(12, 6, GRID));
    const r = await hgcAsync(["sweep", "tiny.hgc", "--json"], cwd);
    expect(r.stderr, JSON.stringify(r.events.filter((e) => e.type === "trial-end"))).toBe("");
    expect(r.code).toBe(0);
    expect(r.events[0]).toMatchObject({ type: "sweep-start", sweep: "grid", jobs: 2 });
    expect(r.events[0].trials).toHaveLength(4);
    expect(maxConcurrent(r.events)).toBe(2);
    expect(r.events.filter((e) => e.type === "trial-end").map((e) => e.status)).toEqual(["done", "done", "done", "done"]);

    const dir = sweepFolder(cwd);
    for (const f of ["sweep.csv", "sweep.md", "sweep.html", "sweep.json", "pareto.svg", "linear_probe.accuracy-vs-lambda.svg", "bits_per_dim-vs-lambda.svg"]) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    // the csv's means are the means of the trials' own result.json metrics
    const state = JSON.parse(readFileSync(join(dir, "sweep.json"), "utf8"));
    const acc = (lambda: number) =>
      state.trials
        .filter((t: any) => t.point.lambda === lambda)
        .map((t: any) => JSON.parse(readFileSync(join(t.runDir, "result.json"), "utf8")).metrics["linear_probe.accuracy"]);
    const csv = readFileSync(join(dir, "sweep.csv"), "utf8").trimEnd().split("\n");
    const header = csv[0]!.split(",");
    expect(csv).toHaveLength(3);
    const rows = csv.slice(1).map((l) => Object.fromEntries(l.split(",").map((v, i) => [header[i], v])));
    expect(rows.map((row) => [row.lambda, row.completed])).toEqual([["0.1", "2"], ["1", "2"]]);
    for (const row of rows) {
      const values = acc(Number(row.lambda));
      expect(Number(row["linear_probe.accuracy.mean"])).toBeCloseTo((values[0] + values[1]) / 2, 10);
      expect(Number(row["linear_probe.accuracy.std"])).toBeCloseTo(Math.abs(values[0] - values[1]) / Math.SQRT2, 10);
    }
    expect(rows.some((row) => row.pareto === "front")).toBe(true);
    const md = readFileSync(join(dir, "sweep.md"), "utf8");
    expect(md).toContain("4 trials over 2 grid points: 4 completed, 0 failed.");
    expect(md).toContain("## Pareto front");
    expect(readFileSync(join(dir, "pareto.svg"), "utf8")).toMatch(/>lambda=(0\.1|1)<\/text>/);
    // sweep.html links every trial's own report, and `hgc report` reads the sweep folder
    const page = readFileSync(join(dir, "sweep.html"), "utf8");
    for (const t of state.trials) {
      expect(existsSync(join(t.runDir, "report.html"))).toBe(true);
      expect(page).toContain(`href="trials/${t.runDir.split("/").at(-1)}/report.html"`);
    }
    const report = hgc(["report", dir], cwd);
    expect(report.stderr).toBe("");
    expect(report.stdout).toMatch(/^lambda=0\.1 +2 +0\.\d+ ± /m);
    const end = r.events.at(-1);
    expect(end.type).toBe("sweep-end");
    expect(end.table).toHaveLength(2);
    expect(end.pareto.length).toBeGreaterThanOrEqual(1);

    // the database has every trial, and `hgc runs` lists them
    const store = new Store(join(cwd, "runs", "hgc.sqlite"));
    expect(store.listRuns({ sweep: "grid" }).map((x) => x.status)).toEqual(["completed", "completed", "completed", "completed"]);
    expect(store.listSweeps().map((s) => [s.name, s.status])).toEqual([["grid", "completed"]]);
    store.close();
    const runs = hgc(["runs"], cwd);
    expect(runs.code).toBe(0);
    const lines = runs.stdout.trimEnd().split("\n").slice(1);
    expect(lines).toHaveLength(4);
    for (const t of state.trials) expect(runs.stdout).toContain(`trials/${t.id.slice(0, 8)}`);
    const [a, b] = state.trials.filter((t: any) => t.seed === 1).map((t: any) => `trials/${t.id.slice(0, 8)}`);
    const sweeps = hgc(["runs", "sweeps"], cwd);
    expect(sweeps.stdout.trimEnd().split("\n")[1]).toMatch(/^[0-9a-f]{8}\s+grid\s+completed\s+4\s+4\s+0\s+\S+ \S+\s+runs\/sweeps\/grid-[0-9a-f]{8}$/);
    const cmp = hgc(["compare", join(dir, a), join(dir, b)], cwd);
    expect(cmp.code).toBe(0);
    expect(cmp.stdout).toContain("~ params.lambda: 0.1 → 1");
  });

  it("finishes only the missing trials when a sweep stopped midway is run again, resuming the interrupted one", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-sweep-e2e-"));
    writeFileSync(join(cwd, "tiny.hgc"), TINY(20, 5, GRID));
    let finished = 0;
    let sent = false;
    const first = await hgcAsync(["sweep", "tiny.hgc", "--json", "--jobs", "1"], cwd, (e, pid) => {
      if (e.type === "trial-end") finished++;
      // stop once one trial is done and the next is past its first checkpoint
      if (!sent && finished === 1 && e.type === "trial-progress" && e.step >= 7) {
        sent = true;
        process.kill(pid, "SIGINT");
      }
    });
    expect(sent).toBe(true);
    expect(first.code, first.stderr).toBe(130);
    const dir = sweepFolder(cwd);
    const state = JSON.parse(readFileSync(join(dir, "sweep.json"), "utf8"));
    expect(state.trials.map((t: any) => t.status)).toEqual(["completed", "interrupted", "pending", "pending"]);
    const done = state.trials[0];
    const doneMtime = statSync(join(done.runDir, "result.json")).mtimeMs;

    const second = await hgcAsync(["sweep", "tiny.hgc", "--json", "--jobs", "1", "--resume"], cwd);
    expect(second.code, second.stderr + JSON.stringify(second.events.filter((e) => e.type === "trial-end"))).toBe(0);
    const ends = second.events.filter((e) => e.type === "trial-end");
    expect(ends.filter((e) => e.status === "skipped").map((e) => e.id)).toEqual([done.id]);
    expect(second.events.filter((e) => e.type === "trial-start").map((e) => e.id)).toEqual(state.trials.slice(1).map((t: any) => t.id));
    expect(ends.filter((e) => e.status === "done")).toHaveLength(3);
    // the finished trial was left alone; the interrupted one continued from its checkpoint
    expect(statSync(join(done.runDir, "result.json")).mtimeMs).toBe(doneMtime);
    const starts = readFileSync(join(state.trials[1].runDir, "metrics.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((e) => e.type === "start");
    expect(starts.length).toBe(2);
    expect(starts[1].startStep).toBeGreaterThanOrEqual(5);
    const after = JSON.parse(readFileSync(join(dir, "sweep.json"), "utf8"));
    expect(after.trials.map((t: any) => t.status)).toEqual(["completed", "completed", "completed", "completed"]);
  });

  it("on SIGTERM stops like `hgc run`: the running trial checkpoints and the sweep exits 143", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-sweep-e2e-"));
    writeFileSync(join(cwd, "tiny.hgc"), TINY(20, 5, GRID));
    let sent = false;
    const first = await hgcAsync(["sweep", "tiny.hgc", "--json", "--jobs", "1"], cwd, (e, pid) => {
      // stop once the first trial is past its first checkpoint
      if (!sent && e.type === "trial-progress" && e.step >= 7) {
        sent = true;
        process.kill(pid, "SIGTERM");
      }
    });
    expect(sent).toBe(true);
    expect(first.code, first.stderr).toBe(143);
    expect(first.stderr).toContain("send it again");
    const state = JSON.parse(readFileSync(join(sweepFolder(cwd), "sweep.json"), "utf8"));
    expect(state.trials.map((t: any) => t.status)).toEqual(["interrupted", "pending", "pending", "pending"]);
    const ckpts = readdirSync(join(state.trials[0].runDir, "checkpoints")).filter((n) => /^step-\d+$/.test(n));
    expect(ckpts.length).toBeGreaterThan(0);
  });

  it("stops the trials a sweep killed outright left running, then resumes them and finishes the sweep", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-sweep-e2e-"));
    writeFileSync(join(cwd, "tiny.hgc"), TINY(800, 100, GRID));
    let killed = false;
    const first = await hgcAsync(["sweep", "tiny.hgc", "--json"], cwd, (e, pid) => {
      if (!killed && e.type === "trial-progress" && e.step >= 7) {
        killed = true;
        process.kill(pid, "SIGKILL");
      }
    });
    expect(killed).toBe(true);
    expect(first.code).toBe(null);
    const dir = sweepFolder(cwd);
    const state = JSON.parse(readFileSync(join(dir, "sweep.json"), "utf8"));
    const orphans = state.trials.filter((t: any) => t.status === "running");
    expect(orphans).toHaveLength(2);
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(orphans.every((t: any) => alive(t.pid))).toBe(true);

    const second = await hgcAsync(["sweep", "tiny.hgc", "--json"], cwd);
    expect(second.code, second.stderr).toBe(0);
    expect(orphans.some((t: any) => alive(t.pid))).toBe(false);
    const after = JSON.parse(readFileSync(join(dir, "sweep.json"), "utf8"));
    expect(after.trials.map((t: any) => t.status)).toEqual(["completed", "completed", "completed", "completed"]);
    for (const t of orphans) {
      const starts = readFileSync(join(t.runDir, "metrics.jsonl"), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l))
        .filter((e) => e.type === "start");
      expect(starts.map((e) => e.startStep > 0)).toEqual([false, true]);
    }
  });

  it("reports a trial whose data file is missing while the other trials complete", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-sweep-e2e-"));
    writeFileSync(
      join(cwd, "tiny.hgc"),
      TINY(8, 4, "") +
        `
experiment broken extends tiny {
  dataset train = idx(images: "data/train-images.idx", labels: "data/train-labels.idx", size: 8x8)
}
sweep mixed {
  experiments = [tiny, broken]
  seeds = [1, 2]
  jobs = 2
}
`,
    );
    const r = await hgcAsync(["sweep", "tiny.hgc", "--no-tui"], cwd);
    expect(r.code, r.stderr).toBe(1);
    const failures = r.stderr.split("\n").filter((l) => l.startsWith("✗"));
    expect(failures, r.stderr).toHaveLength(2);
    for (const l of failures) expect(l).toMatch(/experiment=broken {2}seed [12] {2}failed: .*data\/train-images\.idx: no such file/);
    expect(r.stderr).toMatch(/hgc sweep: 2 of 4 trials failed; their errors are in runs\/sweeps\/mixed-[0-9a-f]{8}\/sweep\.md/);
    const dir = sweepFolder(cwd);
    const state = JSON.parse(readFileSync(join(dir, "sweep.json"), "utf8"));
    expect(state.trials.map((t: any) => [t.experiment, t.status])).toEqual([
      ["tiny", "completed"],
      ["tiny", "completed"],
      ["broken", "failed"],
      ["broken", "failed"],
    ]);
    const md = readFileSync(join(dir, "sweep.md"), "utf8");
    expect(md).toContain("4 trials over 2 grid points: 2 completed, 2 failed.");
    expect(md).toMatch(/\| [0-9a-f]{8} \| broken \|  \| 1 \| .*data\/train-images\.idx: no such file/);
    const store = new Store(join(cwd, "runs", "hgc.sqlite"));
    const trials = store.listTrials(state.id);
    expect(trials.filter((t) => t.status === "failed").every((t) => /train-images\.idx: no such file/.test(t.error ?? ""))).toBe(true);
    store.close();
  });

  it("stops before any trial starts when a trial does not check, also with --grid values", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-sweep-e2e-"));
    writeFileSync(join(cwd, "tiny.hgc"), TINY(8, 4, GRID));
    const r = hgc(["sweep", "tiny.hgc", "--grid", "temperature=0.1,0.2"], cwd);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tiny\.hgc:\d+:\d+: error\[HGC\d+\]: .*temperature/);
    expect(r.stderr).toContain("hgc: error: the sweep was not started");
    expect(existsSync(join(cwd, "runs", "sweeps"))).toBe(false);

    const dry = hgc(["sweep", "tiny.hgc", "--grid", "lambda=0.3", "--seeds", "5,6", "--dry-run"], cwd);
    expect(dry.stderr).toBe("");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^sweep grid: 2 trials, jobs 2, swept lambda\n/);
    expect(dry.stdout).toMatch(/tiny\s+lambda=0\.3\s+5\s/);
    expect(dry.stdout).toMatch(/tiny\s+lambda=0\.3\s+6\s/);
  });
});

describe("hgc sweep on a simplex grid", () => {
  it("expands `grid (wg, wc) = simplex(step: 0.25)` into five weightings that sum to one", () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-sweep-simplex-"));
    const src = TINY(8, 4, "")
      .replace("param lambda = 0.5", "param lambda = 0.5\n  param wg = 0.5\n  param wc = 0.5")
      .replace("objective = gen + lambda * con", "objective = wg * gen + wc * con");
    writeFileSync(
      join(cwd, "tiny.hgc"),
      src + "\nsweep tradeoff {\n  experiments = [tiny]\n  grid (wg, wc) = simplex(step: 0.25)\n  seeds = [1]\n}\n",
    );
    const r = hgc(["sweep", "tiny.hgc", "--dry-run"], cwd);
    // The two corner points train one loss with weight 0: each is flagged as not trained (HGC070).
    expect(r.stderr).toMatch(/HGC070/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^sweep tradeoff: 5 trials, jobs 1, swept wg, wc\n/);
    const points = [...r.stdout.matchAll(/wg=([\d.]+) wc=([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(points).toHaveLength(5);
    expect(points.map(([g, c]) => g! + c!)).toEqual([1, 1, 1, 1, 1]);
    expect(points.map(([g]) => g).sort()).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });
});

describe("choosing the sweep and its folder", () => {
  it("asks which sweep to run when a file has several, and takes --out as the sweep folder", () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-sweep-choose-"));
    writeFileSync(join(cwd, "tiny.hgc"), TINY(8, 4, GRID + "\nsweep seeds_only {\n  experiments = [tiny]\n  seeds = [1, 2, 3]\n}\n"));
    const both = hgc(["sweep", "tiny.hgc", "--dry-run"], cwd);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe("hgc: error: `tiny.hgc` has 2 sweeps: `grid`, `seeds_only`\n  hint: choose one with --sweep NAME\n");
    const one = hgc(["sweep", "tiny.hgc", "--sweep", "seeds_only", "--dry-run", "--out", "elsewhere/s"], cwd);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/^sweep seeds_only: 3 trials, jobs 1\n/);
    expect(one.stdout.trimEnd().split("\n").at(-1)).toBe("folder: elsewhere/s");
    const unknown = hgc(["sweep", "tiny.hgc", "--sweep", "nope", "--dry-run"], cwd);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no sweep named `nope`");
  });
});

describe("notes from the checker", () => {
  it("are not printed by a sweep whose baseline cannot run a protocol", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-sweep-notes-"));
    writeFileSync(
      join(cwd, "tiny.hgc"),
      TINY(8, 4, "experiment con_only extends tiny { objective = con }\nsweep base {\n  experiments = [tiny, con_only]\n  seeds = [1]\n}\n"),
    );
    const { checkFile } = await import("../../compiler/index.js");
    expect(checkFile(join(cwd, "tiny.hgc")).diagnostics.filter((d) => d.severity === "info").map((d) => d.message).join("\n")).toContain("bits_per_dim");
    const r = hgc(["sweep", "tiny.hgc", "--dry-run"], cwd);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/con_only\s+—\s+1\s+/);
  });
});

describe("hgc sweep --log", () => {
  it("passes the dashboards on to every trial: event files in each trial's folder, one MLflow store for the sweep", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-sweep-log-"));
    const two = "sweep two {\n  experiments = [tiny]\n  grid lambda = [0.1, 1]\n  seeds = [1]\n  jobs = 2\n}";
    writeFileSync(join(cwd, "tiny.hgc"), TINY(4, 2, two));
    const r = await hgcAsync(["sweep", "tiny.hgc", "--json", "--log", "tensorboard,mlflow"], cwd, undefined, { MLFLOW_TRACKING_URI: "" });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const trials = JSON.parse(readFileSync(join(sweepFolder(cwd), "sweep.json"), "utf8")).trials;
    expect(trials).toHaveLength(2);
    for (const t of trials) {
      const files = readdirSync(t.runDir).filter((f) => f.startsWith("events.out.tfevents."));
      expect(files).toHaveLength(1);
      const tb = readDashboard("tfevents", join(t.runDir, files[0]!));
      const steps = readFileSync(join(t.runDir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((e) => e.type === "step");
      expect(steps.map((e) => e.step)).toEqual([1, 2, 3, 4]);
      for (const e of steps) expect(tb.scalars["train/objective"]).toContainEqual([e.step, Math.fround(e.objective)]);
      const result = JSON.parse(readFileSync(join(t.runDir, "result.json"), "utf8"));
      expect(tb.scalars["linear_probe/accuracy"]).toContainEqual([4, Math.fround(result.metrics["linear_probe.accuracy"])]);
    }
    // both trials in the one experiment of the sweep's store (created before either started)
    const store = readDashboard("mlflow", join(cwd, "mlruns"));
    const experiments = Object.values(store).filter((x: any) => x.name === "tiny") as any[];
    expect(experiments).toHaveLength(1);
    const runs = Object.values(experiments[0].runs) as any[];
    expect(runs.map((x) => x.meta.status)).toEqual([3, 3]);
    expect(runs.map((x) => x.tags["hgc.run_dir"]).sort()).toEqual(trials.map((t: any) => t.runDir).sort());
  }, 300_000);

  it("refuses a bad target with `hgc run`'s error, and --log beside --status", () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-sweep-log-"));
    writeFileSync(join(cwd, "tiny.hgc"), TINY(4, 2, GRID));
    const sweep = hgc(["sweep", "tiny.hgc", "--log", "tensorboard,wandb"], cwd);
    const run = hgc(["run", "tiny.hgc", "--log", "tensorboard,wandb"], cwd);
    expect(sweep.code).toBe(2);
    expect(sweep.stderr).toBe("hgc: error: unknown `--log` target `wandb`\n  hint: use tensorboard or mlflow (comma-separated or repeated for both)\n");
    expect(sweep.stderr).toBe(run.stderr);
    const status = hgc(["sweep", "tiny.hgc", "--status", "--log", "mlflow"], cwd);
    expect(status.code).toBe(2);
    expect(status.stderr).toContain("`--log` is given to the trials when they are submitted, and `--status` submits nothing");
  });
});
