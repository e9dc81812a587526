// Runs a sweep's trials on Slurm: one job array, one task per trial, each task running `hgc run`
// of its trial's IR into the trial's run folder on the shared filesystem. This process (the
// driver) submits the array, follows it with squeue (sacct where accounting keeps finished jobs),
// reads each task's progress from its metrics.jsonl and its end from its result.json, and is the
// only writer of the results database: SQLite over NFS from many writers is unsafe.
//
//   <sweep>/slurm/
//     trials.json        array index → trial (id, run folder, IR, seed): what a task runs
//     task.sh            the batch script: `hgc sweep --slurm-task <sweep> [--log …]`
//     jobs.json          every array submitted for this sweep: job id, indices, time
//     tasks/<index>      → ../../trials/<id8>: so `--output` can name each task's run folder
//   <sweep>/trials/<id8>/slurm-<job>_<index>.out   each attempt's output, kept across attempts
//
// The array index of a trial is its place in the sweep, so a resubmission of the unfinished
// trials keeps their indices. Tasks are submitted with `--requeue`: a preempted or node-failed
// task goes back to the queue and, when it starts again, resumes from its last checkpoint.
import { execFile } from "node:child_process";
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, symlinkSync, unlinkSync } from "node:fs";
import { join, relative } from "node:path";
import { UserError } from "../../common/errors.js";
import { defaultValue } from "../../language/builtins.js";
import { writeFileAtomic, writeJsonAtomic } from "../atomic.js";
import { dashboardArgs, dashboardEnv, type ChildDashboards } from "../dashboards/index.js";
import type { RunEvent } from "../events.js";
import type { TrialOutcome } from "./aggregate.js";
import { completedOutcome, planTrial, readResult, stderrGist, type SchedulerEvent, type TrialJob, type TrialPlan } from "./scheduler.js";

/** What each task asks Slurm for; every field maps to one sbatch option. */
export interface SlurmOptions {
  partition?: string;
  /** Time limit in any form sbatch takes: `30`, `2:00:00`, `1-12:00:00`. */
  time?: string;
  /** CPUs per task (default 1). */
  cpus?: number;
  /** GPUs per task. */
  gpus?: number;
  /** Memory per node, as sbatch takes it: `8G`, `16000M`. */
  mem?: string;
  /** At most this many tasks of the array at once (`--array=…%N`). */
  throttle?: number;
  /** Further sbatch arguments, passed as given (`--account=lab`, `--qos=short`). */
  sbatchArgs?: string[];
}

/** One trial as the tasks see it. */
export interface SlurmTrial {
  index: number;
  id: string;
  runDir: string;
  irPath: string;
  seed: number;
}

export interface SlurmSubmission {
  job: string;
  indices: number[];
  submitted: string;
}

/** What squeue (or sacct) says about one task. */
export interface TaskState {
  job: string;
  index: number;
  state: string;
  reason: string;
}

/** Slurm states of a task that is still queued or running (it may yet produce a result). */
const LIVE = new Set(["PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "REQUEUED", "REQUEUE_FED", "REQUEUE_HOLD", "RESIZING", "SUSPENDED", "STAGE_OUT", "SIGNALING", "STOPPED", "RESV_DEL_HOLD"]);
const RUNNING = new Set(["RUNNING", "COMPLETING", "STAGE_OUT", "SIGNALING"]);

export function isLive(state: string): boolean {
  return LIVE.has(state);
}

// ---- Slurm commands --------------------------------------------------------------------------

interface Exec {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a Slurm client command; a missing binary is a user-facing error, not a crash. */
export function slurmCommand(command: string, args: string[], timeoutMs = 60_000): Promise<Exec> {
  return new Promise((done, fail) => {
    execFile(command, args, { encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: unknown }) | null;
      if (e && e.code === "ENOENT") {
        fail(new UserError(`\`${command}\` was not found: this machine has no Slurm client`, "run the sweep on a Slurm login node, or without --on slurm", 1));
        return;
      }
      done({ code: e ? (typeof e.code === "number" ? e.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** The sbatch command line of a sweep's array: resources, requeue, one output file per task in its run folder. */
export function sbatchArgs(opts: SlurmOptions, sweepDir: string, name: string, indices: number[]): string[] {
  const args = [
    "--parsable",
    `--job-name=hgc-${name}`,
    `--array=${compressIndices(indices)}${opts.throttle ? `%${opts.throttle}` : ""}`,
    "--requeue",
    // a requeued task appends to its log instead of truncating it
    "--open-mode=append",
    `--output=${join(sweepDir, "slurm", "tasks", "%a", "slurm-%A_%a.out")}`,
    "--ntasks=1",
    `--cpus-per-task=${opts.cpus ?? defaultValue("slurm", "cpus")}`,
  ];
  if (opts.partition) args.push(`--partition=${opts.partition}`);
  if (opts.time) args.push(`--time=${opts.time}`);
  if (opts.gpus) args.push(`--gpus-per-task=${opts.gpus}`);
  if (opts.mem) args.push(`--mem=${opts.mem}`);
  args.push(...(opts.sbatchArgs ?? []));
  args.push(join(sweepDir, "slurm", "task.sh"));
  return args;
}

/** `[0,1,2,5,7,8]` → `0-2,5,7-8`: the array spec stays short for big sweeps. */
export function compressIndices(indices: number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/** Every task of the given array jobs that Slurm still knows, keyed `job_index`. */
export async function queryTasks(jobs: string[]): Promise<Map<string, TaskState>> {
  const out = new Map<string, TaskState>();
  if (!jobs.length) return out;
  const r = await slurmCommand("squeue", ["--array", "--noheader", "--states=all", `--jobs=${jobs.join(",")}`, "--format=%F|%K|%T|%r"]);
  // every job id unknown (finished longer ago than MinJobAge): nothing live
  if (r.code !== 0 && !/Invalid job id/i.test(r.stderr)) {
    throw new UserError(`squeue failed: ${r.stderr.trim() || `exit code ${r.code}`}`, "check that the Slurm controller is reachable (`sinfo`)", 1);
  }
  for (const line of r.stdout.split("\n")) {
    const [job, index, state, reason] = line.trim().split("|");
    if (!job || index === undefined || !/^\d+$/.test(index)) continue;
    out.set(`${job}_${index}`, { job, index: Number(index), state: state!.replace(/\+$/, ""), reason: reason ?? "" });
  }
  // sacct, where accounting exists, knows tasks squeue has forgotten
  const missing = jobs.filter((j) => ![...out.values()].some((t) => t.job === j));
  if (missing.length) for (const t of await sacctTasks(missing)) if (!out.has(`${t.job}_${t.index}`)) out.set(`${t.job}_${t.index}`, t);
  return out;
}

/** Finished tasks from accounting; nothing where accounting is disabled. */
async function sacctTasks(jobs: string[]): Promise<TaskState[]> {
  let r: Exec;
  try {
    r = await slurmCommand("sacct", ["--noheader", "--parsable2", "--allocations", `--jobs=${jobs.join(",")}`, "--format=JobID,State"]);
  } catch {
    return [];
  }
  if (r.code !== 0) return [];
  const out: TaskState[] = [];
  for (const line of r.stdout.split("\n")) {
    const m = /^(\d+)_(\d+)\|(\S+)/.exec(line.trim());
    if (m) out.push({ job: m[1]!, index: Number(m[2]), state: m[3]!.replace(/\+$/, ""), reason: "" });
  }
  return out;
}

export async function cancelTasks(tasks: string[]): Promise<void> {
  if (!tasks.length) return;
  const r = await slurmCommand("scancel", tasks);
  if (r.code !== 0) throw new UserError(`scancel failed: ${r.stderr.trim() || `exit code ${r.code}`}`, `cancel them by hand: scancel ${tasks.join(" ")}`, 1);
}

// ---- the sweep folder's Slurm files ---------------------------------------------------------

export function slurmDir(sweepDir: string): string {
  return join(sweepDir, "slurm");
}

export function readSubmissions(sweepDir: string): SlurmSubmission[] {
  try {
    const v = JSON.parse(readFileSync(join(slurmDir(sweepDir), "jobs.json"), "utf8"));
    return Array.isArray(v?.jobs) ? v.jobs : [];
  } catch {
    return [];
  }
}

function writeSubmissions(sweepDir: string, jobs: SlurmSubmission[]): void {
  writeJsonAtomic(join(slurmDir(sweepDir), "jobs.json"), { jobs });
}

/** The task each trial index was last submitted as (a later submission supersedes an earlier one). */
export function latestTasks(subs: SlurmSubmission[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const s of subs) for (const i of s.indices) out.set(i, `${s.job}_${i}`);
  return out;
}

/** Slurm tasks of this sweep that are still queued or running, e.g. to refuse running it locally meanwhile. */
export async function liveTasks(sweepDir: string): Promise<string[]> {
  const subs = readSubmissions(sweepDir);
  if (!subs.length) return [];
  let states: Map<string, TaskState>;
  try {
    states = await queryTasks(subs.map((s) => s.job));
  } catch {
    return []; // no Slurm client here (the sweep was submitted from elsewhere): nothing to tell
  }
  return [...latestTasks(subs).values()].filter((k) => isLive(states.get(k)?.state ?? ""));
}

/**
 * How the batch script starts hgc on a node: this node binary and this hgc, unless `HGC_NODE`/`HGC_CLI`
 * say otherwise there, with the dashboards the sweep was given (the MLflow store named absolutely,
 * as the driver resolved it).
 */
export function taskScript(sweepDir: string, cli: string, log?: ChildDashboards): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const env = Object.entries(dashboardEnv(log)).map(([k, v]) => `export ${k}=${q(v)}`);
  return [
    "#!/bin/sh",
    "# One trial of an hgc sweep per array task (written by `hgc sweep --on slurm`).",
    "# hgc decides from the trial's run folder whether it is done, resumes or starts afresh.",
    ...env,
    `exec "\${HGC_NODE:-${process.execPath}}" "\${HGC_CLI:-${cli}}" sweep --slurm-task ${[q(sweepDir), ...dashboardArgs(log)].join(" ")}`,
    "",
  ].join("\n");
}

/** Writes trials.json, task.sh and the tasks/<index> links; run folders are made so Slurm can open the logs in them. */
export function prepareSlurmDir(sweepDir: string, trials: SlurmTrial[], cli: string, log?: ChildDashboards): void {
  const dir = slurmDir(sweepDir);
  writeJsonAtomic(join(dir, "trials.json"), { trials });
  writeFileAtomic(join(dir, "task.sh"), taskScript(sweepDir, cli, log));
  mkdirSync(join(dir, "tasks"), { recursive: true });
  for (const t of trials) {
    mkdirSync(t.runDir, { recursive: true });
    const link = join(dir, "tasks", String(t.index));
    const target = relative(join(dir, "tasks"), t.runDir);
    try {
      unlinkSync(link);
    } catch {}
    symlinkSync(target, link);
  }
}

/** A task's trial and what to do with it, from the manifest and the trial's folder. */
export function planTask(sweepDir: string, index: number): { trial: SlurmTrial; plan: TrialPlan } {
  let manifest: { trials: SlurmTrial[] };
  try {
    manifest = JSON.parse(readFileSync(join(slurmDir(sweepDir), "trials.json"), "utf8"));
  } catch (err) {
    throw new UserError(`cannot read the sweep's task list in ${slurmDir(sweepDir)}: ${(err as Error).message}`, "is the sweep folder on a filesystem this node shares?", 2);
  }
  const trial = manifest.trials.find((t) => t.index === index);
  if (!trial) throw new UserError(`the sweep in ${sweepDir} has no trial with array index ${index}`, undefined, 2);
  const plan = planTrial(trial.runDir);
  // An interrupted attempt's result.json is stale once the trial resumes.
  if (plan === "resume") rmSync(join(trial.runDir, "result.json"), { force: true });
  return { trial, plan };
}

/** The newest `slurm-*.out` logs of a run folder, oldest first. */
export function slurmLogs(runDir: string): string[] {
  try {
    return readdirSync(runDir)
      .filter((f) => /^slurm-.*\.out$/.test(f))
      .sort((a, b) => Number(/^slurm-(\d+)/.exec(a)?.[1] ?? 0) - Number(/^slurm-(\d+)/.exec(b)?.[1] ?? 0))
      .map((f) => join(runDir, f));
  } catch {
    return [];
  }
}

/** The last `bytes` of a file (a task's log or metrics can be long). */
function tail(path: string, bytes = 16384): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const size = fstatSync(fd).size;
    const n = Math.min(size, bytes);
    const buf = Buffer.alloc(n);
    readSync(fd, buf, 0, n, size - n);
    return buf.toString("utf8");
  } catch {
    return "";
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The last `step` event a running trial wrote to its metrics.jsonl. */
function lastStep(runDir: string): RunEvent | undefined {
  const lines = tail(join(runDir, "metrics.jsonl")).split("\n").reverse();
  for (const l of lines) {
    if (!l.includes('"type":"step"')) continue;
    try {
      const e = JSON.parse(l);
      if (e?.type === "step") return e;
    } catch {}
  }
  return undefined;
}

/** How a task that Slurm no longer runs ended, from its run folder first and Slurm's state second. */
export function finishedOutcome(job: TrialJob, state: string | undefined): TrialOutcome {
  const result = readResult(job.runDir);
  if (result?.status === "completed") return completedOutcome(job);
  const logs = slurmLogs(job.runDir);
  const log = logs.at(-1);
  const where = log ? ` (log: ${log})` : "";
  if (result?.status === "interrupted" || state === "CANCELLED" || state === "PREEMPTED") {
    const why = state === "CANCELLED" ? "cancelled" : state === "TIMEOUT" ? "stopped at its time limit" : "interrupted";
    return { ...job, status: "interrupted", metrics: {}, error: `${why}; run the sweep again to resume it${where}` };
  }
  const err = result?.error;
  let error: string;
  if (err && typeof err.message === "string") error = err.hint ? `${err.message} (hint: ${err.hint})` : err.message;
  else if (state === "TIMEOUT") error = "reached its time limit before its first checkpoint (give it more with --time)";
  else if (state === "OUT_OF_MEMORY") error = "ran out of memory (give it more with --mem)";
  else if (state === "NODE_FAIL" || state === "BOOT_FAIL") error = `its node failed (${state}) and it was not requeued`;
  else error = (log && stderrGist(tail(log, 8192))) || `ended (${state ?? "unknown to Slurm"}) without a result.json`;
  return { ...job, status: "failed", metrics: {}, error: error + where };
}

// ---- the driver -------------------------------------------------------------------------------

export type SlurmEvent =
  | SchedulerEvent
  /** A trial waits in Slurm's queue; `reason` is squeue's (Resources, Priority, BeginTime after a requeue, …). */
  | { type: "trial-pending"; job: TrialJob; task: string; reason: string }
  | { type: "slurm-submit"; job: string; indices: number[]; trials: number };

export interface SlurmRunOptions {
  sweepDir: string;
  /** The sweep's name, for the job name. */
  name: string;
  slurm: SlurmOptions;
  /** Each job's array index (its place in the sweep) and IR. */
  trials: Map<string, { index: number; irPath: string }>;
  /** The hgc entry point the tasks run. */
  cli: string;
  /** The dashboards each task's trial logs to (`--log`); a requeued task keeps its submission's. */
  log?: ChildDashboards;
  /** `submit`: attach to live tasks and submit the rest; `status`: attach only; `detach`: submit the rest and return. */
  mode: "submit" | "status" | "detach";
  onEvent?: (event: SlurmEvent) => void;
  /** Aborting stops following; `onInterrupt` then decides whether the live tasks are cancelled. */
  signal?: AbortSignal;
  onInterrupt?: (tasks: string[]) => Promise<"cancel" | "leave">;
  /** squeue poll interval (default $HGC_SLURM_POLL_MS, else 5 s). */
  pollMs?: number;
  /** After scancel, wait at most this long for the tasks to checkpoint and end. */
  stopTimeoutMs?: number;
}

export interface SlurmRunResult {
  outcomes: TrialOutcome[];
  /** Trial id → its Slurm task (`job_index`), for every trial submitted now or before. */
  tasks: Map<string, string>;
  /** Tasks left queued or running in Slurm when this returned (detached, or left on Ctrl-C). */
  left: string[];
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((done) => {
    if (signal?.aborted) return done();
    const t = setTimeout(finish, ms);
    function finish() {
      clearTimeout(t);
      signal?.removeEventListener("abort", finish);
      done();
    }
    signal?.addEventListener("abort", finish, { once: true });
  });

export async function runSlurmTrials(jobs: TrialJob[], opts: SlurmRunOptions): Promise<SlurmRunResult> {
  const pollMs = opts.pollMs ?? (Number(process.env.HGC_SLURM_POLL_MS) || 5000);
  const emit = (e: SlurmEvent) => opts.onEvent?.(e);
  const outcomes = new Map<string, TrialOutcome>();
  const index = (job: TrialJob) => opts.trials.get(job.id)!.index;

  const subs = readSubmissions(opts.sweepDir);
  const previous = latestTasks(subs);
  const states = await queryTasks([...new Set(subs.map((s) => s.job))]);
  const tasks = new Map<string, string>();
  /** Trials followed in Slurm: id → task. */
  const attached = new Map<string, string>();
  const toSubmit: TrialJob[] = [];
  const seen = new Map<string, string>(); // id → last shown state (`PENDING:reason` or `RUNNING`)
  for (const job of jobs) {
    const task = previous.get(index(job));
    if (task) tasks.set(job.id, task);
    const live = task !== undefined && isLive(states.get(task)?.state ?? "");
    if (live) attached.set(job.id, task!);
    else if (planTrial(job.runDir) === "done") {
      const outcome = completedOutcome(job);
      outcomes.set(job.id, outcome);
      emit({ type: "trial-skip", job, outcome });
    } else if (opts.mode === "status") {
      // not live and not done: how its last task ended, if it ever ran
      if (task || existsSync(join(job.runDir, "result.json"))) {
        const outcome = finishedOutcome(job, task ? states.get(task)?.state : undefined);
        outcomes.set(job.id, outcome);
        emit({ type: "trial-end", job, outcome });
      }
    } else toSubmit.push(job);
  }

  if (toSubmit.length) {
    const trials: SlurmTrial[] = jobs.map((j) => ({ index: index(j), id: j.id, runDir: j.runDir, irPath: opts.trials.get(j.id)!.irPath, seed: j.seed }));
    prepareSlurmDir(opts.sweepDir, trials, opts.cli, opts.log);
    const indices = toSubmit.map(index);
    const r = await slurmCommand("sbatch", sbatchArgs(opts.slurm, opts.sweepDir, opts.name, indices));
    const jobId = r.stdout.trim().split(";")[0] ?? "";
    if (r.code !== 0 || !/^\d+$/.test(jobId)) {
      const why = r.stderr.trim().split("\n").filter(Boolean).at(-1) ?? `exit code ${r.code}`;
      throw new UserError(`sbatch refused the sweep's job array: ${why.replace(/^sbatch: error: /, "")}`, "check --partition, --time, --cpus, --gpus, --mem and --sbatch-arg against the cluster (`sinfo`)", 1);
    }
    writeSubmissions(opts.sweepDir, [...subs, { job: jobId, indices, submitted: new Date().toISOString() }]);
    emit({ type: "slurm-submit", job: jobId, indices, trials: toSubmit.length });
    for (const j of toSubmit) {
      const task = `${jobId}_${index(j)}`;
      tasks.set(j.id, task);
      attached.set(j.id, task);
      // queued from now on, whether or not squeue is asked before Slurm starts it
      seen.set(j.id, "PENDING:None");
      emit({ type: "trial-pending", job: j, task, reason: "None" });
    }
  }

  const byId = new Map(jobs.map((j) => [j.id, j]));
  const steps = new Map<string, number>();
  const finish = (id: string, state: string | undefined) => {
    const job = byId.get(id)!;
    const outcome = finishedOutcome(job, state);
    outcomes.set(id, outcome);
    attached.delete(id);
    // a task that ran to completion between two polls (a busy driver, a fast trial) was never
    // seen running: it started all the same
    if (outcome.status === "completed" && seen.get(id) !== "RUNNING") emit({ type: "trial-start", job, resume: false, pid: undefined });
    emit({ type: "trial-end", job, outcome });
  };
  const follow = async (): Promise<void> => {
    const now = await queryTasks([...new Set([...attached.values()].map((t) => t.split("_")[0]!))]);
    for (const [id, task] of [...attached]) {
      const job = byId.get(id)!;
      const s = now.get(task);
      if (!s || !isLive(s.state)) {
        finish(id, s?.state);
        continue;
      }
      if (RUNNING.has(s.state)) {
        if (seen.get(id) !== "RUNNING") {
          seen.set(id, "RUNNING");
          steps.delete(id);
          emit({ type: "trial-start", job, resume: false, pid: undefined });
        }
        const step = lastStep(job.runDir);
        if (step && step.type === "step" && step.step !== steps.get(id)) {
          steps.set(id, step.step);
          emit({ type: "trial-event", job, event: step });
        }
      } else {
        const key = `PENDING:${s.reason}`;
        if (seen.get(id) !== key) {
          seen.set(id, key);
          emit({ type: "trial-pending", job, task, reason: s.reason });
        }
      }
    }
  };

  if (opts.mode !== "detach") {
    while (attached.size && !opts.signal?.aborted) {
      await follow();
      if (attached.size) await sleep(pollMs, opts.signal);
    }
    if (attached.size && opts.signal?.aborted) {
      const live = [...attached.values()];
      const choice = opts.onInterrupt ? await opts.onInterrupt(live) : "leave";
      if (choice === "cancel") {
        await cancelTasks(live);
        // cancelled tasks get SIGTERM: they checkpoint and end; wait for that, then collect them
        const deadline = Date.now() + (opts.stopTimeoutMs ?? 120_000);
        while (attached.size && Date.now() < deadline) {
          await sleep(Math.min(pollMs, 1000));
          await follow();
        }
      }
    }
  }
  const left = [...attached.values()];
  const result = jobs.map(
    (job) => outcomes.get(job.id) ?? { ...job, status: (attached.has(job.id) ? (seen.get(job.id) === "RUNNING" ? "running" : "pending") : "pending") as TrialOutcome["status"], metrics: {} },
  );
  return { outcomes: result, tasks, left };
}
