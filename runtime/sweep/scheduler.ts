// Runs a sweep's trials as child processes, `jobs` at a time. Each trial is a normal run folder;
// what is already in the folder decides what happens to it: a completed result is kept, a run
// with a checkpoint is resumed, anything else (failed, never started, interrupted before its
// first checkpoint) starts afresh. A failing trial is recorded and the others go on.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, renameSync, rmSync } from "node:fs";
import { isUserError } from "../../common/errors.js";
import type { Metrics, RunEvent } from "../events.js";
import { writeJsonAtomic } from "../atomic.js";
import type { PruneDecision } from "./asha.js";
import { eventProblem, readRunResult, runFile, type RunResult } from "../run-folder.js";
import type { TrialOutcome } from "./aggregate.js";

export interface TrialJob {
  id: string;
  experiment: string;
  point: Record<string, number>;
  seed: number;
  /** The trial's run folder. */
  runDir: string;
}

export interface ChildCommand {
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** What to do with a trial given its folder: keep it, resume it from a checkpoint, or start it afresh. */
export type TrialPlan = "done" | "resume" | "fresh";

/** The trial's result.json; a damaged one counts as none, so the trial runs again. */
export function readResult(runDir: string): RunResult | null {
  try {
    return readRunResult(runDir);
  } catch (err) {
    if (isUserError(err)) return null;
    throw err;
  }
}

export function hasCheckpoint(runDir: string): boolean {
  try {
    return readdirSync(runFile(runDir, "checkpoints")).some((f) => !f.startsWith("."));
  } catch {
    return false;
  }
}

export function planTrial(runDir: string): TrialPlan {
  const result = readResult(runDir);
  // a pruned trial is finished for its sweep (`hgc run … --resume` continues it by hand)
  if (result?.status === "completed" || result?.status === "pruned") return "done";
  if (result?.status === "failed") return "fresh";
  return hasCheckpoint(runDir) ? "resume" : "fresh";
}

export type SchedulerEvent =
  | { type: "trials-added"; jobs: TrialJob[] }
  | { type: "trial-skip"; job: TrialJob; outcome: TrialOutcome }
  | { type: "trial-start"; job: TrialJob; resume: boolean; pid: number | undefined }
  | { type: "trial-event"; job: TrialJob; event: RunEvent }
  | { type: "trial-end"; job: TrialJob; outcome: TrialOutcome };

export interface SchedulerOptions {
  /** Trials running at once (≥ 1). */
  jobs: number;
  /** The process that runs one trial. */
  command: (job: TrialJob, resume: boolean) => ChildCommand;
  onEvent?: (event: SchedulerEvent) => void;
  /** When aborted: start nothing new, send SIGINT to running trials and wait for them to exit. */
  signal?: AbortSignal;
  /** After SIGINT, wait this long for a trial to checkpoint and exit before SIGKILL. */
  stopTimeoutMs?: number;
  /** Judges each evaluation of a running trial: a decision stops the trial (SIGINT: it checkpoints) as pruned. */
  prune?: (job: TrialJob, step: number, metrics: Metrics) => PruneDecision | null;
  /** The metric the prune rule reads (recorded in a pruned trial's result.json). */
  pruneMetric?: string;
}

function metricsOf(result: RunResult | null): TrialOutcome["metrics"] {
  const out: TrialOutcome["metrics"] = {};
  for (const [k, v] of Object.entries(result?.metrics ?? {})) out[k] = typeof v === "number" && Number.isFinite(v) ? v : null;
  return out;
}

/** The outcome of a trial whose folder says it is done (completed, or pruned). */
export function completedOutcome(job: TrialJob): TrialOutcome {
  const result = readResult(job.runDir);
  if (result?.status === "pruned") return { ...job, status: "pruned", metrics: metricsOf(result), ...(result.pruned ? { pruned: { ...result.pruned, at: result.pruned.step } } : {}) };
  return { ...job, status: "completed", metrics: metricsOf(result) };
}

/**
 * Marks a stopped trial's result.json as pruned, with its last evaluation's metrics, so that the
 * folder says so to every reader (and a later sweep does not run it again).
 */
function markPruned(runDir: string, d: PruneDecision, metric: string, metrics: Metrics): void {
  const result = readResult(runDir);
  if (!result) return;
  writeJsonAtomic(runFile(runDir, "result"), { ...result, status: "pruned", metrics, pruned: { metric, step: d.step, value: d.value, rung: d.rung } });
}

/** A folder that must start afresh but holds checkpoints is moved aside (`<dir>.failed-N`), never deleted. */
function setAside(runDir: string): void {
  if (!hasCheckpoint(runDir)) return rmSync(runDir, { recursive: true, force: true });
  let n = 1;
  while (existsSync(`${runDir}.failed-${n}`)) n++;
  renameSync(runDir, `${runDir}.failed-${n}`);
}

function errorText(e: RunResult["error"]): string | undefined {
  if (!e) return undefined;
  return e.hint ? `${e.message} (hint: ${e.hint})` : e.message;
}

/**
 * The gist of a trial's stderr: hgc's own `hgc: error: …` line (with its hint), else the line
 * naming a JavaScript error (not the stack frames after it), else the last few lines.
 */
export function stderrGist(text: string, lines = 6): string {
  const all = text.split("\n").map((l) => l.trimEnd()).filter((l) => l.trim());
  const user = all.findIndex((l) => l.startsWith("hgc: error:"));
  if (user >= 0) {
    const hint = all[user + 1]?.trim().startsWith("hint:") ? ` (${all[user + 1]!.trim()})` : "";
    return all[user]!.slice("hgc: error: ".length) + hint;
  }
  const js = all.findIndex((l) => /^\s*([A-Z][A-Za-z]*Error|Error)(\s*\[\w+\])?:/.test(l));
  if (js >= 0) return all[js]!.trim();
  return all.slice(-lines).join("\n");
}

/** Runs one trial to its end and reports how it ended. */
function runOne(job: TrialJob, resume: boolean, opts: SchedulerOptions, track: (c: ChildProcess | null) => void): Promise<TrialOutcome> {
  const { command, args, cwd, env } = opts.command(job, resume);
  // An interrupted run's result.json is stale once it resumes: a resumed trial that dies before
  // writing its own must not be taken for still interrupted.
  if (resume) rmSync(runFile(job.runDir, "result"), { force: true });
  return new Promise((resolveOutcome) => {
    // Its own process group: a Ctrl-C at the terminal reaches the sweep only, which forwards it once.
    const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    track(child);
    opts.onEvent?.({ type: "trial-start", job, resume, pid: child.pid });
    let lastError: string | undefined;
    let endStatus: string | undefined;
    let lastEval: Metrics = {};
    let pruned: PruneDecision | null = null;
    let stderr = "";
    let buf = "";
    const onLine = (line: string) => {
      if (!line.trim()) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        stderr = (stderr + line + "\n").slice(-8192);
        return;
      }
      if (eventProblem(parsed) !== null) return;
      const ev = parsed as RunEvent;
      if (ev.type === "error") lastError = ev.hint ? `${ev.message} (hint: ${ev.hint})` : ev.message;
      if (ev.type === "end") endStatus = ev.status;
      opts.onEvent?.({ type: "trial-event", job, event: ev });
      if (ev.type === "eval" && !pruned && opts.prune) {
        lastEval = ev.metrics;
        pruned = opts.prune(job, ev.step, ev.metrics);
        if (pruned) {
          try {
            child.kill("SIGINT"); // it finishes the step, checkpoints and exits
          } catch {}
        }
      }
    };
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-8192);
    });
    let settled = false;
    const finish = (code: number | null, sig: NodeJS.Signals | null, spawnError?: Error) => {
      if (settled) return;
      settled = true;
      if (buf) onLine(buf);
      track(null);
      const result = readResult(job.runDir);
      const status = result?.status ?? endStatus;
      let outcome: TrialOutcome;
      if (pruned && status !== "failed" && status !== "completed" && !spawnError) {
        // stopped by the prune rule (or it finished before the signal landed: still judged out)
        markPruned(job.runDir, pruned, opts.pruneMetric ?? "", lastEval);
        outcome = { ...job, status: "pruned", metrics: metricsOf({ status: "pruned", metrics: lastEval }), pruned: { rung: pruned.rung, at: pruned.at, step: pruned.step, value: pruned.value } };
      } else if (!spawnError && code === 0 && status === "completed") {
        outcome = { ...job, status: "completed", metrics: metricsOf(result) };
      } else if (status === "interrupted" || (opts.signal?.aborted && !spawnError && status !== "failed")) {
        outcome = { ...job, status: "interrupted", metrics: {} };
      } else {
        const error =
          errorText(result?.error) ??
          lastError ??
          (spawnError ? `could not start the trial: ${spawnError.message}` : undefined) ??
          (stderrGist(stderr) ||
            (sig ? `killed by ${sig}` : code === 0 ? "exited without a completed result.json" : `exited with code ${code}`));
        outcome = { ...job, status: "failed", metrics: {}, error };
      }
      opts.onEvent?.({ type: "trial-end", job, outcome });
      resolveOutcome(outcome);
    };
    child.on("error", (err) => finish(null, null, err));
    child.on("close", (code, sig) => finish(code, sig));
  });
}

/**
 * Runs every job not already done, at most `opts.jobs` at once, in the given order. Returns one
 * outcome per job, in the jobs' order: completed (now or before), failed (with its error),
 * interrupted (stopped by the signal), or pending (never started because the sweep was stopped).
 */
export async function runTrials(jobs: TrialJob[], opts: SchedulerOptions): Promise<TrialOutcome[]> {
  const outcomes = new Map<string, TrialOutcome>();
  const queue: { job: TrialJob; resume: boolean }[] = [];
  for (const job of jobs) {
    const plan = planTrial(job.runDir);
    if (plan === "done") {
      const outcome = completedOutcome(job);
      outcomes.set(job.id, outcome);
      opts.onEvent?.({ type: "trial-skip", job, outcome });
    } else {
      if (plan === "fresh" && existsSync(job.runDir)) setAside(job.runDir);
      queue.push({ job, resume: plan === "resume" });
    }
  }

  const running = new Set<ChildProcess>();
  const timers: NodeJS.Timeout[] = [];
  const stopAll = () => {
    for (const c of running) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      try {
        c.kill("SIGINT");
      } catch {}
      const t = setTimeout(() => {
        if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
      }, opts.stopTimeoutMs ?? 60_000);
      t.unref();
      timers.push(t);
    }
  };
  opts.signal?.addEventListener("abort", stopAll, { once: true });
  // If the sweep process itself goes away, its children (in their own groups) must not outlive it.
  const onExit = () => {
    for (const c of running) {
      try {
        c.kill("SIGKILL");
      } catch {}
    }
  };
  process.on("exit", onExit);

  const worker = async () => {
    for (;;) {
      if (opts.signal?.aborted) return;
      const next = queue.shift();
      if (!next) return;
      let child: ChildProcess | null = null;
      const outcome = await runOne(next.job, next.resume, opts, (c) => {
        if (c) running.add((child = c));
        else if (child) running.delete(child);
      });
      outcomes.set(next.job.id, outcome);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, queue.length || 1)) }, worker));
  } finally {
    opts.signal?.removeEventListener("abort", stopAll);
    process.off("exit", onExit);
    for (const t of timers) clearTimeout(t);
  }
  return jobs.map((job) => outcomes.get(job.id) ?? { ...job, status: "pending", metrics: {} });
}
