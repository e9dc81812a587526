// A sweep from start to end: lay out its folder, write each trial's IR, run the trials through
// the scheduler, index every trial run in the results database, and keep the aggregate files
// (sweep.json, sweep.csv, sweep.md, plots) up to date as trials finish.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { UserError } from "../../common/errors.js";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { IRSweep, IRTrial } from "../../compiler/ir.js";
import { dashboardArgs, dashboardEnv, prepareChildDashboards, type ChildDashboards } from "../dashboards/index.js";
import { isRunDir } from "../run-folder.js";
import type { Store } from "../store.js";
import type { SweepAggregate, TrialOutcome } from "./aggregate.js";
import { writeJsonAtomic } from "../atomic.js";
import { writeSweepOutputs } from "./output.js";
import { runTrials, type ChildCommand, type SchedulerEvent, type TrialJob } from "./scheduler.js";
import { liveTasks, runSlurmTrials, type SlurmEvent, type SlurmRunOptions } from "./slurm.js";
import { Asha } from "./asha.js";
import { nextPoint, type Observation } from "./search.js";

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

/**
 * The `hgc run` arguments of one trial, here and in a Slurm task alike: its IR, run folder and
 * seed, the dashboards it logs to, and `--resume` when it continues from a checkpoint.
 */
export function trialRunArgs(trial: { irPath: string; runDir: string; seed: number }, resume: boolean, log?: ChildDashboards): string[] {
  return [trial.irPath, "--out", trial.runDir, "--seed", String(trial.seed), ...dashboardArgs(log), ...(resume ? ["--resume"] : [])];
}

/** The default trial command: `node dist/cli/main.js run IR --out DIR --seed N [--log …] --json --no-tui [--resume]`. */
export function hgcRunCommand(job: TrialJob, irPath: string, resume: boolean, log?: ChildDashboards): ChildCommand {
  const env = dashboardEnv(log);
  return {
    command: process.execPath,
    args: [HGC_CLI, "run", ...trialRunArgs({ irPath, runDir: job.runDir, seed: job.seed }, resume, log), "--json", "--no-tui"],
    ...(Object.keys(env).length ? { env: { ...process.env, ...env } } : {}),
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
  /** The dashboards every trial logs to (`hgc sweep --log`), in its own run folder or the shared MLflow store. */
  log?: ChildDashboards;
  /** How to run one trial (default: `hgc run` on its IR). */
  command?: (job: TrialJob, irPath: string, resume: boolean) => ChildCommand;
  signal?: AbortSignal;
  onEvent?: (event: SchedulerEvent | SlurmEvent) => void;
  stopTimeoutMs?: number;
  /** Run the trials as a Slurm job array instead of local processes. */
  slurm?: Pick<SlurmRunOptions, "slurm" | "mode" | "onInterrupt" | "pollMs">;
  /** A search's point as trials (one per seed), checked and compiled: a TPE search proposes its points as it runs. */
  expand?: (point: Record<string, number>) => IRTrial[];
}

export interface SweepRunResult {
  dir: string;
  id: string;
  outcomes: TrialOutcome[];
  agg: SweepAggregate;
  files: string[];
  /** "completed" when every trial completed, "failed" when any failed, "interrupted" when stopped, "running" when left to Slurm. */
  status: "completed" | "failed" | "interrupted" | "running";
  /** On Slurm: trial id → its task (`job_index`), and the tasks left queued or running. */
  slurmTasks?: Map<string, string>;
  slurmLeft?: string[];
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
  if (!opts.slurm) {
    const live = await liveTasks(dir);
    if (live.length) {
      throw new UserError(
        `this sweep has ${live.length} Slurm task${live.length > 1 ? "s" : ""} still queued or running (${live.slice(0, 3).join(", ")}${live.length > 3 ? ", …" : ""})`,
        `follow them with \`hgc sweep FILE --status\`, or cancel them with \`scancel ${[...new Set(live.map((t) => t.split("_")[0]))].join(" ")}\` first`,
        1,
      );
    }
  }

  if (opts.slurm && sweep.search?.method === "tpe") {
    throw new UserError("a TPE search proposes each point from the results before it, so it runs here, not as one Slurm array", "run it without `--on slurm`, or use `search random(…)`, whose points are all known at the start", 2);
  }
  if (opts.slurm && sweep.prune) {
    throw new UserError("pruning stops trials on their evaluations as they happen, which a Slurm array does not report", "run it without `--on slurm`, or remove `prune`", 2);
  }
  const idLength = trialIdLength(sweep.trials);
  const irPaths = new Map<string, string>();
  const toJobs = (trials: readonly IRTrial[]): TrialJob[] =>
    trials.map((t) => {
      const { runDir, irPath } = trialPaths(dir, t, idLength);
      writeJsonAtomic(irPath, t.ir);
      irPaths.set(t.id, irPath);
      return { id: t.id, experiment: t.experiment, point: t.point, seed: t.seed, runDir };
    });
  const jobs = toJobs(sweep.trials);
  prepareChildDashboards(opts.log, sweep.trials.map((t) => t.ir.name));

  const state = new Map<string, TrialOutcome>(jobs.map((j) => [j.id, { ...j, status: "pending", metrics: {} }]));
  const meta = { name: sweep.name, params: sweep.params, objectives: sweep.objectives };
  let left: string[] = []; // Slurm tasks left queued or running
  const sweepStatus = (): string => {
    const all = [...state.values()];
    if (left.length || all.some((t) => t.status === "running")) return "running";
    if (all.some((t) => t.status === "failed")) return "failed";
    if (all.every((t) => t.status === "completed" || t.status === "pruned")) return "completed";
    return "interrupted";
  };
  const pids = new Map<string, number>();
  const slurmTasks = new Map<string, string>();
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
        ...(t.pruned ? { pruned: t.pruned } : {}),
        ...(t.status === "running" && pids.has(t.id) ? { pid: pids.get(t.id) } : {}),
        ...(slurmTasks.has(t.id) ? { slurm: slurmTasks.get(t.id) } : {}),
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

  const onEvent = (e: SchedulerEvent | SlurmEvent) => {
      if (e.type === "trial-pending") {
        slurmTasks.set(e.job.id, e.task);
        state.set(e.job.id, { ...e.job, status: "pending", metrics: {} });
        saveState();
      }
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
  };
  let outcomes: TrialOutcome[];
  if (opts.slurm) {
    const trials = new Map(sweep.trials.map((t, index) => [t.id, { index, irPath: irPaths.get(t.id)! }]));
    const r = await runSlurmTrials(jobs, {
      ...opts.slurm,
      sweepDir: dir,
      name: sweep.name,
      trials,
      cli: HGC_CLI,
      ...(opts.log ? { log: opts.log } : {}),
      signal: opts.signal,
      stopTimeoutMs: opts.stopTimeoutMs,
      onEvent: (e) => {
        if (e.type === "slurm-submit") {
          // every trial of the array is queued now; sweep.json says which task runs it
          for (const [id, t] of trials) if (e.indices.includes(t.index)) slurmTasks.set(id, `${e.job}_${t.index}`);
          saveState();
        }
        onEvent(e);
      },
    });
    outcomes = r.outcomes;
    left = r.left;
    for (const [id, task] of r.tasks) slurmTasks.set(id, task);
  } else {
    const asha = sweep.prune ? new Asha(sweep.prune, join(dir, "asha.json")) : null;
    const jobsAtOnce = Math.max(1, opts.jobs ?? sweep.jobs ?? 1);
    const run = (batch: TrialJob[]) =>
      runTrials(batch, {
        jobs: jobsAtOnce,
        command: opts.command
          ? (job, resume) => opts.command!(job, irPaths.get(job.id)!, resume)
          : (job, resume) => hgcRunCommand(job, irPaths.get(job.id)!, resume, opts.log),
        signal: opts.signal,
        stopTimeoutMs: opts.stopTimeoutMs,
        onEvent,
        ...(asha ? { prune: (job: TrialJob, step: number, metrics: Record<string, number | null>) => asha.report(job.id, step, metrics[asha.spec.metric]), pruneMetric: asha.spec.metric } : {}),
      });
    outcomes = await run(jobs);
    // TPE: the next `jobs` points at a time, each batch proposed from every result before it
    const search = sweep.search;
    if (search?.method === "tpe") {
      if (!opts.expand) throw new Error("internal error: a TPE search needs the compiler to expand its points");
      let tried = new Set(sweep.trials.map((t) => JSON.stringify(t.point))).size;
      while (tried < search.trials && !opts.signal?.aborted && outcomes.every((o) => o.status !== "interrupted" && o.status !== "pending")) {
        const observed = observations(outcomes, sweep.objectives);
        const n = Math.min(jobsAtOnce, search.trials - tried);
        const points = Array.from({ length: n }, (_, k) => nextPoint(search, tried + k, observed));
        const batch = toJobs(points.flatMap((p) => opts.expand!(p)));
        for (const j of batch) state.set(j.id, { ...j, status: "pending", metrics: {} });
        saveState();
        onEvent({ type: "trials-added", jobs: batch });
        outcomes.push(...(await run(batch)));
        tried += n;
      }
    }
  }
  for (const o of outcomes) state.set(o.id, o);
  for (const o of outcomes) if (o.status === "pending" || o.status === "running") record(o);
  const { agg, files } = save();
  const status = left.length
    ? "running"
    : outcomes.some((o) => o.status === "failed")
      ? "failed"
      : outcomes.every((o) => o.status === "completed" || o.status === "pruned")
        ? "completed"
        : "interrupted";
  store?.upsertSweep({ id, name: sweep.name, dir, file: opts.file ?? null, params: sweep.params, objectives: sweep.objectives, status });
  return { dir, id, outcomes, agg, files, status, ...(opts.slurm ? { slurmTasks, slurmLeft: left } : {}) };
}

/**
 * What a search has learned: each point tried (its trials over the seeds pooled), with the mean of
 * each objective over its completed or pruned trials, oriented so that lower is better. A point
 * missing an objective (every trial failed) teaches nothing and is left out.
 */
export function observations(outcomes: readonly TrialOutcome[], objectives: IRSweep["objectives"]): Observation[] {
  const byPoint = new Map<string, TrialOutcome[]>();
  for (const o of outcomes) {
    if (o.status !== "completed" && o.status !== "pruned") continue;
    const key = JSON.stringify(o.point);
    byPoint.set(key, [...(byPoint.get(key) ?? []), o]);
  }
  const out: Observation[] = [];
  for (const trials of byPoint.values()) {
    const losses = objectives.map((obj) => {
      const values = trials.map((t) => t.metrics[obj.metric]).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
      if (!values.length) return NaN;
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      return obj.direction === "maximize" ? -mean : mean;
    });
    if (losses.every(Number.isFinite)) out.push({ point: trials[0]!.point, losses });
  }
  return out;
}
