// A sweep from start to end: lay out its folder, write each trial's IR, run the trials through
// the scheduler, index every trial run in the results database, and keep the aggregate files
// (sweep.json, sweep.csv, sweep.md, plots) up to date as trials finish.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { UserError } from "../../common/errors.js";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { IRSweep, IRTrial } from "../../compiler/ir.js";
import { isRunDir } from "../run-folder.js";
import type { Store } from "../store.js";
import type { SweepAggregate, TrialOutcome } from "./aggregate.js";
import { writeJsonAtomic } from "../atomic.js";
import { writeSweepOutputs } from "./output.js";
import { runTrials, type ChildCommand, type SchedulerEvent, type TrialJob } from "./scheduler.js";

/** What names a sweep's folder: its name and the set of its trial ids. */
export type SweepIdentity = { readonly name: string; readonly trials: readonly Pick<IRTrial, "id">[] };

/** The sweep's identity: its name and the sorted ids of its trials. The same sweep, compiled again, lands in the same folder. */
export function sweepHash(sweep: SweepIdentity): string {
  const h = createHash("sha256").update(sweep.name + "\n");
  for (const id of sweep.trials.map((t) => t.id).sort()) h.update(id + "\n");
  return h.digest("hex");
}

export function defaultSweepDir(sweep: SweepIdentity, runsRoot = "runs"): string {
  return resolve(runsRoot, "sweeps", `${sweep.name}-${sweepHash(sweep).slice(0, 8)}`);
}

/**
 * How many leading characters of the trial ids name the trial folders: 8, or more in the rare
 * sweep where two ids share their first 8. It depends only on the set of ids, so the same sweep
 * always gets the same folders.
 */
export function trialIdLength(trials: readonly Pick<IRTrial, "id">[]): number {
  for (let n = 8; n < 64; n += 4) {
    if (new Set(trials.map((t) => t.id.slice(0, n))).size === new Set(trials.map((t) => t.id)).size) return n;
  }
  return 64;
}

/** A trial's run folder and input IR inside the sweep folder. */
export function trialPaths(dir: string, trial: Pick<IRTrial, "id">, idLength = 8): { runDir: string; irPath: string } {
  const short = trial.id.slice(0, idLength);
  return { runDir: join(dir, "trials", short), irPath: join(dir, "ir", `${short}.json`) };
}

/** The hgc CLI entry point next to this module in dist/. */
export const HGC_CLI = fileURLToPath(new URL("../../cli/main.js", import.meta.url));

/** The default trial command: `node dist/cli/main.js run IR --out DIR --seed N --json --no-tui [--resume]`. */
export function hgcRunCommand(job: TrialJob, irPath: string, resume: boolean): ChildCommand {
  return {
    command: process.execPath,
    args: [HGC_CLI, "run", irPath, "--out", job.runDir, "--seed", String(job.seed), "--json", "--no-tui", ...(resume ? ["--resume"] : [])],
  };
}

/**
 * Takes the sweep folder's lock (`.lock`, holding the pid), so two processes never run the same
 * trials into the same folders. A lock left by a process that is gone is taken over.
 */
export function lockSweep(dir: string): () => void {
  const path = join(dir, ".lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: "wx" });
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number(readFileSync(path, "utf8").trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new UserError(`this sweep is already running (process ${pid}) in ${dir}`, "wait for it, or stop it with Ctrl-C", 1);
      }
      rmSync(path, { force: true });
    }
  }
  throw new UserError(`cannot take the lock ${path}`, "remove it if no sweep is running", 1);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface SweepRunOptions {
  sweep: IRSweep;
  /** The .hgc file it came from, for the record. */
  file?: string;
  /** The sweep folder (default runs/sweeps/<name>-<hash8>). */
  dir?: string;
  /** Trials at once (default: the sweep's `jobs`). */
  jobs?: number;
  /** Results database to index into; null for none. */
  store: Store | null;
  /** How to run one trial (default: `hgc run` on its IR). */
  command?: (job: TrialJob, irPath: string, resume: boolean) => ChildCommand;
  signal?: AbortSignal;
  onEvent?: (event: SchedulerEvent) => void;
  stopTimeoutMs?: number;
}

export interface SweepRunResult {
  dir: string;
  id: string;
  outcomes: TrialOutcome[];
  agg: SweepAggregate;
  files: string[];
  /** "completed" when every trial completed, "failed" when any failed, "interrupted" when stopped. */
  status: "completed" | "failed" | "interrupted";
}

export async function runSweep(opts: SweepRunOptions): Promise<SweepRunResult> {
  const { sweep } = opts;
  const id = sweepHash(sweep);
  const dir = resolve(opts.dir ?? defaultSweepDir(sweep));
  mkdirSync(join(dir, "trials"), { recursive: true });
  const unlock = lockSweep(dir);
  try {
    return await runLocked(opts, id, dir);
  } finally {
    unlock();
  }
}

/** True when `pid` is alive and (where /proc tells) its command line names `runDir`. */
function isTrialProcess(pid: number, runDir: string): boolean {
  if (!alive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(runDir);
  } catch {
    return false; // without /proc we cannot tell it from an unrelated process that reused the pid
  }
}

/**
 * Trials left running by a sweep process that was killed outright (their own process groups
 * outlive it): each gets SIGINT, so it checkpoints and exits, before this run takes its folder.
 */
export async function stopOrphans(dir: string, timeoutMs = 60_000): Promise<number> {
  let previous: any;
  try {
    previous = JSON.parse(readFileSync(join(dir, "sweep.json"), "utf8"));
  } catch {
    return 0;
  }
  const orphans = ((previous?.trials ?? []) as any[])
    .filter((t) => t?.status === "running" && Number.isInteger(t.pid) && typeof t.runDir === "string")
    .filter((t) => isTrialProcess(t.pid, t.runDir))
    .map((t) => t.pid as number);
  for (const pid of orphans) {
    try {
      process.kill(pid, "SIGINT");
    } catch {}
  }
  const deadline = Date.now() + timeoutMs;
  while (orphans.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of orphans.filter(alive)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  return orphans.length;
}

async function runLocked(opts: SweepRunOptions, id: string, dir: string): Promise<SweepRunResult> {
  const { sweep, store } = opts;
  await stopOrphans(dir, opts.stopTimeoutMs);

  const idLength = trialIdLength(sweep.trials);
  const irPaths = new Map<string, string>();
  const jobs: TrialJob[] = sweep.trials.map((t) => {
    const { runDir, irPath } = trialPaths(dir, t, idLength);
    writeJsonAtomic(irPath, t.ir);
    irPaths.set(t.id, irPath);
    return { id: t.id, experiment: t.experiment, point: t.point, seed: t.seed, runDir };
  });

  const state = new Map<string, TrialOutcome>(jobs.map((j) => [j.id, { ...j, status: "pending", metrics: {} }]));
  const meta = { name: sweep.name, params: sweep.params, objectives: sweep.objectives };
  const sweepStatus = (): string => {
    const all = [...state.values()];
    if (all.some((t) => t.status === "running")) return "running";
    if (all.some((t) => t.status === "failed")) return "failed";
    if (all.every((t) => t.status === "completed")) return "completed";
    return "interrupted";
  };
  const pids = new Map<string, number>();
  const saveState = () => {
    const trials = [...state.values()];
    writeJsonAtomic(join(dir, "sweep.json"), {
      id,
      name: sweep.name,
      file: opts.file ?? null,
      params: sweep.params,
      objectives: sweep.objectives,
      jobs: opts.jobs ?? sweep.jobs,
      status: sweepStatus(),
      updated: new Date().toISOString(),
      trials: trials.map((t) => ({
        id: t.id,
        experiment: t.experiment,
        point: t.point,
        seed: t.seed,
        status: t.status,
        runDir: t.runDir,
        metrics: t.metrics,
        ...(t.error ? { error: t.error } : {}),
        ...(t.status === "running" && pids.has(t.id) ? { pid: pids.get(t.id) } : {}),
      })),
    });
  };
  const save = () => {
    saveState();
    return writeSweepOutputs(dir, meta, [...state.values()]);
  };
  const record = (t: TrialOutcome) => {
    if (!store) return;
    const run = isRunDir(t.runDir) ? store.indexRun(t.runDir) : null;
    store.upsertTrial({
      sweep: id,
      trial: t.id,
      run,
      experiment: t.experiment,
      point: t.point,
      seed: t.seed,
      status: t.status,
      error: t.error ?? null,
    });
  };

  store?.upsertSweep({ id, name: sweep.name, dir, file: opts.file ?? null, params: sweep.params, objectives: sweep.objectives, status: "running" });
  for (const t of state.values()) record(t);

  const outcomes = await runTrials(jobs, {
    jobs: Math.max(1, opts.jobs ?? sweep.jobs ?? 1),
    command: opts.command
      ? (job, resume) => opts.command!(job, irPaths.get(job.id)!, resume)
      : (job, resume) => hgcRunCommand(job, irPaths.get(job.id)!, resume),
    signal: opts.signal,
    stopTimeoutMs: opts.stopTimeoutMs,
    onEvent: (e) => {
      if (e.type === "trial-start") {
        state.set(e.job.id, { ...e.job, status: "running", metrics: {} });
        if (e.pid !== undefined) pids.set(e.job.id, e.pid);
        saveState();
      }
      if (e.type === "trial-skip" || e.type === "trial-end") {
        state.set(e.job.id, e.outcome);
        record(e.outcome);
        if (e.type === "trial-end") save();
      }
      opts.onEvent?.(e);
    },
  });
  for (const o of outcomes) state.set(o.id, o);
  for (const o of outcomes) if (o.status === "pending") record(o);
  const { agg, files } = save();
  const status = outcomes.some((o) => o.status === "failed")
    ? "failed"
    : outcomes.every((o) => o.status === "completed")
      ? "completed"
      : "interrupted";
  store?.upsertSweep({ id, name: sweep.name, dir, file: opts.file ?? null, params: sweep.params, objectives: sweep.objectives, status });
  return { dir, id, outcomes, agg, files, status };
}
