// `hgc sweep --on slurm` against a real Slurm: the one-node cluster of scripts/slurm-local.sh
// (started here when it is not up; stopped again afterwards if this file started it), the real
// binary, tiny synthetic trials. Where Slurm cannot start (not root, no apt), the tests skip and
// say why.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Store } from "../../runtime/store.js";
import { readDashboard } from "../runtime/dashboards/read.js";

const CLI = join(process.cwd(), "dist", "cli", "main.js");
const SCRIPT = join(process.cwd(), "scripts", "slurm-local.sh");

/** Starts the local cluster if it is not up; the reason it cannot, if it cannot. */
function startSlurm(): { ok: boolean; startedHere: boolean; reason: string } {
  const r = spawnSync("bash", [SCRIPT, "start"], { encoding: "utf8", timeout: 180_000 });
  const last = (r.stderr ?? "").trim().split("\n").filter(Boolean).at(-1) ?? `exit code ${r.status}`;
  if (r.status !== 0) return { ok: false, startedHere: false, reason: last.replace(/^slurm-local: /, "") };
  return { ok: true, startedHere: !/already up/.test(last), reason: "" };
}

const slurm = process.platform === "linux" ? startSlurm() : { ok: false, startedHere: false, reason: "Slurm needs Linux" };
afterAll(() => {
  if (slurm.startedHere) spawnSync("bash", [SCRIPT, "stop"], { encoding: "utf8", timeout: 60_000 });
});

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

// The driver polls squeue every second here (5 s by default), so the tests do not wait on it.
const ENV = { HGC_DB: "", HGC_SLURM_POLL_MS: "1000" };
/** Real trials through a real scheduler: generous on a loaded machine (about a minute each on a quiet one). */
const TIMEOUT = 600_000;
// Steps of the trials that are cancelled or failed mid-run. The driver sees progress once per poll
// (1 s here), and a quiet machine runs ~100 tiny steps a second: the window in which the test acts
// (after the first checkpoint, well before the end) must span several polls on any machine.
const LONG = 600;

/** Runs `hgc ARGS` with `--json`, its events parsed as they come; `onEvent` may act on the sweep. */
function hgc(args: string[], cwd: string, onEvent?: (e: any) => void): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...ENV }, stdio: ["ignore", "pipe", "pipe"] });
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
          onEvent?.(e);
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

const readJson = (p: string) => JSON.parse(readFileSync(p, "utf8"));

/** The `start` events of a run's metrics.jsonl: one per attempt, with the step it started from. */
function starts(runDir: string): number[] {
  return readFileSync(join(runDir, "metrics.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((e) => e.type === "start")
    .map((e) => e.startStep);
}

function slurmLog(runDir: string): string {
  const logs = readdirSync(runDir).filter((f) => /^slurm-\d+_\d+\.out$/.test(f));
  expect(logs.length).toBeGreaterThanOrEqual(1);
  return logs.map((f) => readFileSync(join(runDir, f), "utf8")).join("\n");
}

function trialEnds(r: Run): Record<string, string> {
  return Object.fromEntries(r.events.filter((e) => e.type === "trial-end").map((e) => [e.id, e.status]));
}

describe.skipIf(!slurm.ok)(`hgc sweep --on slurm${slurm.ok ? "" : ` (skipped: ${slurm.reason})`}`, () => {
  it("gives the local executor's table for the same seeds, logs each trial to TensorBoard with --log, and a rerun submits nothing", async () => {
    const onSlurm = mkdtempSync(join(tmpdir(), "hgc-slurm-"));
    const local = mkdtempSync(join(tmpdir(), "hgc-slurm-local-"));
    for (const cwd of [onSlurm, local]) writeFileSync(join(cwd, "tiny.hgc"), TINY(12, 6, GRID));
    const [s, l] = await Promise.all([hgc(["sweep", "tiny.hgc", "--on", "slurm", "--json", "--log", "tensorboard"], onSlurm), hgc(["sweep", "tiny.hgc", "--json"], local)]);
    expect(s.code, s.stderr).toBe(0);
    expect(l.code, l.stderr).toBe(0);
    expect(s.events[0]).toMatchObject({ type: "sweep-start", on: "slurm" });
    expect(s.events.filter((e) => e.type === "slurm-submit").map((e) => e.trials)).toEqual([4]);
    expect(Object.values(trialEnds(s))).toEqual(["done", "done", "done", "done"]);
    // every trial was pending in Slurm's queue before it ran
    for (const id of Object.keys(trialEnds(s))) {
      const mine = s.events.filter((e) => e.id === id).map((e) => e.type);
      expect(mine.indexOf("trial-pending")).toBeLessThan(mine.indexOf("trial-start"));
    }
    const dir = sweepFolder(onSlurm);
    expect(readFileSync(join(dir, "sweep.csv"), "utf8")).toBe(readFileSync(join(sweepFolder(local), "sweep.csv"), "utf8"));
    expect(s.events.at(-1).table).toEqual(l.events.at(-1).table);
    // each task's output is in its run folder; the driver alone indexed the trials in the database
    const state = readJson(join(dir, "sweep.json"));
    for (const t of state.trials) {
      expect(t.slurm).toMatch(/^\d+_\d$/);
      expect(slurmLog(t.runDir)).toContain(`hgc: trial ${t.id.slice(0, 8)} starts on`);
      // the task's `hgc run` got the sweep's --log: a readable event file in the trial's folder
      const events = readdirSync(t.runDir).filter((f) => f.startsWith("events.out.tfevents."));
      expect(events).toHaveLength(1);
      const steps = readFileSync(join(t.runDir, "metrics.jsonl"), "utf8").split("\n").filter((l) => l.includes('"type":"step"'));
      expect(readDashboard("tfevents", join(t.runDir, events[0]!)).scalars["train/objective"]).toHaveLength(steps.length);
    }
    const store = new Store(join(onSlurm, "runs", "hgc.sqlite"));
    expect(store.listRuns({ sweep: "grid" }).map((x) => x.status)).toEqual(["completed", "completed", "completed", "completed"]);
    store.close();
    const show = spawnSync(process.execPath, [CLI, "runs", "show", join(state.trials[0].runDir)], { cwd: onSlurm, encoding: "utf8", env: { ...process.env, ...ENV } });
    expect(show.stdout).toMatch(/slurm log\s+runs\/sweeps\/grid-[0-9a-f]{8}\/trials\/[0-9a-f]{8}\/slurm-\d+_\d\.out/);

    const again = await hgc(["sweep", "tiny.hgc", "--on", "slurm", "--json"], onSlurm);
    expect(again.code, again.stderr).toBe(0);
    expect(again.events.filter((e) => e.type === "slurm-submit")).toEqual([]);
    expect(Object.values(trialEnds(again))).toEqual(["skipped", "skipped", "skipped", "skipped"]);
    expect(readJson(join(dir, "slurm", "jobs.json")).jobs).toHaveLength(1);
  }, TIMEOUT);

  it("resumes a task cancelled with scancel from its checkpoint on --resume, resubmitting only that trial", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-slurm-cancel-"));
    writeFileSync(join(cwd, "tiny.hgc"), TINY(LONG, 10, "sweep two {\n  experiments = [tiny]\n  seeds = [1, 2]\n}\n"));
    let cancelled: string | undefined;
    const first = await hgc(["sweep", "tiny.hgc", "--on", "slurm", "--json"], cwd, (e) => {
      if (!cancelled && e.type === "trial-progress" && e.step >= 15 && e.step < LONG - 150) {
        const state = readJson(join(sweepFolder(cwd), "sweep.json"));
        const t = state.trials.find((x: any) => x.id === e.id);
        cancelled = e.id;
        spawnSync("scancel", [t.slurm]);
      }
    });
    expect(cancelled).toBeDefined();
    expect(first.code, first.stderr).toBe(1);
    expect(first.stderr).toContain("1 trial was cancelled on Slurm");
    const dir = sweepFolder(cwd);
    const state = readJson(join(dir, "sweep.json"));
    const byId = Object.fromEntries(state.trials.map((t: any) => [t.id, t]));
    expect(byId[cancelled!].status).toBe("interrupted");
    expect(state.trials.filter((t: any) => t.id !== cancelled).map((t: any) => t.status)).toEqual(["completed"]);

    const second = await hgc(["sweep", "tiny.hgc", "--on", "slurm", "--json", "--resume"], cwd);
    expect(second.code, second.stderr).toBe(0);
    expect(second.events.filter((e) => e.type === "slurm-submit").map((e) => e.trials)).toEqual([1]);
    expect(trialEnds(second)[cancelled!]).toBe("done");
    const runDir = byId[cancelled!].runDir;
    const s = starts(runDir);
    expect(s).toHaveLength(2);
    expect(s[1]).toBeGreaterThanOrEqual(10);
    expect(slurmLog(runDir)).toContain("resumes from its last checkpoint");
    expect(readJson(join(dir, "sweep.json")).trials.map((t: any) => t.status)).toEqual(["completed", "completed"]);
  }, TIMEOUT);

  it("requeues a task killed by a node failure, which resumes from its checkpoint; --detach and --status around it", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-slurm-node-"));
    writeFileSync(join(cwd, "tiny.hgc"), TINY(LONG, 10, "sweep one {\n  experiments = [tiny]\n  seeds = [3]\n}\n"));
    const submitted = await hgc(["sweep", "tiny.hgc", "--on", "slurm", "--detach", "--json"], cwd);
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(submitted.stderr).toMatch(/1 trial queued or running on Slurm \(job \d+\); `hgc sweep tiny\.hgc --status` follows them/);

    const node = spawnSync("sinfo", ["-h", "-N", "-o", "%N"], { encoding: "utf8" }).stdout.trim().split("\n")[0]!;
    let failed = false;
    const followed = await hgc(["sweep", "tiny.hgc", "--status", "--json"], cwd, (e) => {
      if (!failed && e.type === "trial-progress" && e.step >= 15 && e.step < LONG - 150) {
        failed = true;
        spawnSync("scontrol", ["update", `nodename=${node}`, "state=down", "reason=hgc-test"]);
        // ReturnToService=2 may have brought it back already; then this is refused, harmlessly
        spawnSync("scontrol", ["update", `nodename=${node}`, "state=resume"]);
      }
    });
    expect(failed).toBe(true);
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.events.filter((e) => e.type === "slurm-submit")).toEqual([]);
    const types = followed.events.filter((e) => e.type === "trial-pending" || e.type === "trial-start" || e.type === "trial-end").map((e) => e.type + (e.reason ? `:${e.reason}` : ""));
    // running, back in the queue waiting to restart, running again, done
    expect(types).toContain("trial-pending:BeginTime");
    expect(types.lastIndexOf("trial-start")).toBeGreaterThan(types.indexOf("trial-pending:BeginTime"));
    expect(types.at(-1)).toBe("trial-end");
    expect(followed.events.filter((e) => e.type === "trial-end").map((e) => e.status)).toEqual(["done"]);
    const state = readJson(join(sweepFolder(cwd), "sweep.json"));
    const runDir = state.trials[0].runDir;
    const s = starts(runDir);
    expect(s).toHaveLength(2);
    expect(s[1]).toBeGreaterThanOrEqual(10);
    const log = slurmLog(runDir);
    expect(log).toContain("DUE TO NODE FAILURE");
    expect(log).toContain("resumes from its last checkpoint");
    expect(readJson(join(runDir, "result.json")).status).toBe("completed");
  }, TIMEOUT);
});
