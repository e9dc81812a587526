// A run from start to end: the run folder, the training loop with its evaluations and
// checkpoints, interruption, resumption and the result file.
//
//   runs/<experiment>-<hash8>/      (or --out)
//     ir.json          the experiment as run (overrides applied)
//     metrics.jsonl    every event but log lines, one JSON object a line (start, step, eval,
//                      checkpoint, error, end); cut back to the checkpoint's step on --resume
//     checkpoints/     the last two checkpoints (runtime/checkpoint.ts)
//     result.json      experiment, hash, seed, backend, steps, final losses, metrics, timings, status
//
// Same IR + seed + backend ⇒ the same numbers: every random draw comes from streams seeded by
// the seed (init, data order, augmentation), and a resumed run restores them all.

import { evaluate } from "./evaluate/index.js";
import { writeReports } from "./report.js";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { IRExperiment } from "../compiler/ir.js";
import { isUserError, UserError } from "../common/errors.js";
import { selectBackend, type BackendChoice, type BackendPreference } from "./backend.js";
import { checkWeightsFit, checkpointsDir, loadIntactCheckpoint, removeStaleTemps, saveCheckpoint, type Checkpoint, type CheckpointState } from "./checkpoint.js";
import { formatChange, jsonDiff } from "../compiler/diff.js";
import { hashIR, trialId } from "../compiler/hash.js";
import { makeDirs, removeStaleFiles } from "./atomic.js";
import { duringIo, isWorldFault, worldFault } from "./faults.js";
import { loadDataset } from "./data/index.js";
import { EventBus, type EvalEvent, type Metrics, type RunEvent } from "./events.js";
import { writeFileAtomic } from "./atomic.js";
import { readRunIr, readRunResult, recordedRunId, runFile, type RunResult, type RunResultFile, type RunStatus } from "./run-folder.js";
import { datasetLoader, evalContext, runBaselines } from "./inference.js";
import type { ProbeReport } from "./evaluate/probe.js";
import { isOutOfMemory, OUT_OF_MEMORY_HINT, OutOfMemoryError } from "./memory.js";
import { Model } from "./model.js";
import { bestDir, keepIfBest, wouldKeep } from "./best.js";
import { NonFiniteError, Trainer, type StepResult } from "./train.js";

export interface RunOptions {
  ir: IRExperiment;
  /** Backend preference (default auto). */
  backend?: BackendPreference;
  /** The run folder; default `<runsRoot>/<experiment>-<hash8>`. */
  out?: string;
  /** Where default run folders go (default "runs"). */
  runsRoot?: string;
  /** Continue from the folder's last checkpoint. */
  resume?: boolean;
  /** Train a new run beside the experiment's existing one (a new folder and id) instead of refusing. */
  fresh?: boolean;
  /** The command line's `path=value` overrides, as given, for the record (their values are in `ir`). */
  set?: string[];
  /** Override the number of training steps (smoke tests). */
  steps?: number;
  /** Override the experiment's seed. */
  seed?: number;
  bus?: EventBus;
  /** Polled after every step: true finishes the step, writes a checkpoint and ends "interrupted". */
  shouldStop?: () => boolean;
  /** Data cache directory (default: the data module's). */
  cacheDir?: string;
  /** Run the evaluate { } protocols (default true). */
  evaluate?: boolean;
}

export interface RunOutcome {
  status: RunStatus;
  runDir: string;
  result: RunResultFile;
}

/** The experiment as it will run: overrides applied to a copy. */
export function effectiveIr(ir: IRExperiment, o: { steps?: number; seed?: number }): IRExperiment {
  const copy = JSON.parse(JSON.stringify(ir)) as IRExperiment;
  if (o.seed !== undefined) copy.seed = o.seed;
  if (o.steps !== undefined) {
    if (!(Number.isInteger(o.steps) && o.steps >= 1)) throw new UserError(`--steps must be a positive integer, got ${o.steps}`, undefined, 2);
    copy.train.steps = o.steps;
  }
  // The run folder's ir.json must verify against its own hash: an override that changes the
  // experiment gives it a new one (the default folder name still comes from the original).
  if (copy.seed !== ir.seed || copy.train.steps !== ir.train.steps) copy.hash = hashIR(copy);
  return copy;
}

/**
 * A run's identity: the experiment as run (IR hash, which covers the overrides) and its seed — the
 * very id a sweep gives the trial of that IR and seed (compiler/hash.ts trialId), so a run has one
 * id wherever it is shown. Its first 8 characters name the default folder.
 */
export function runIdentity(ir: IRExperiment): string {
  return trialId(ir.hash, ir.seed);
}

/** The id of the n-th run (n ≥ 2) of one experiment, trained beside the first with `--fresh`. */
function freshId(identity: string, n: number): string {
  return createHash("sha256").update(`${identity}:${n}`).digest("hex");
}

/** The default run folder: `<runsRoot>/<experiment>-<id8>`, the id covering overrides too. */
export function defaultRunDir(ir: IRExperiment, o: { steps?: number; seed?: number } = {}, runsRoot = "runs"): string {
  return path.resolve(runsRoot, `${ir.name}-${runIdentity(effectiveIr(ir, o)).slice(0, 8)}`);
}

/** Where a run goes and under which id, and what that folder holds already. */
export interface RunPlacement {
  runDir: string;
  id: string;
  /** The folder's result, when a run has ended there (completed, interrupted, failed or pruned). */
  result: RunResult | null;
  /** True when the folder holds checkpoints (never deleted: resumed, or left for a new folder). */
  checkpoints: boolean;
}

/**
 * The folder and id of a run of `ir` (overrides applied). The id a folder records wins; a new
 * folder's id is the experiment's identity when its name carries it (the default folder, a sweep's
 * trial), else derived from the identity and the folder, so two folders never share an id.
 * `fresh` picks the first `<experiment>-<id8>` folder of the identity's n-th derivation that does not exist.
 */
export function placeRun(ir: IRExperiment, o: { out?: string; runsRoot?: string; fresh?: boolean }): RunPlacement {
  const identity = runIdentity(ir);
  let runDir: string;
  let id: string;
  if (o.fresh) {
    if (o.out) throw new UserError("`--fresh` picks a new folder itself; `--out` names one", "give one of them (a new --out folder is already a fresh run)", 2);
    for (let n = 2; ; n++) {
      id = freshId(identity, n);
      runDir = path.resolve(o.runsRoot ?? "runs", `${ir.name}-${id.slice(0, 8)}`);
      if (!fs.existsSync(runDir)) break;
    }
  } else {
    runDir = path.resolve(o.out ?? path.join(o.runsRoot ?? "runs", `${ir.name}-${identity.slice(0, 8)}`));
    id = recordedRunId(runDir) ?? (path.basename(runDir).endsWith(identity.slice(0, 8)) ? identity : createHash("sha256").update(`${identity}\n${runDir}`).digest("hex"));
  }
  let result: RunResult | null = null;
  try {
    result = readRunResult(runDir);
  } catch (err) {
    if (!isUserError(err)) throw err;
  }
  return { runDir, id, result, checkpoints: holdsCheckpoints(runDir) };
}

function holdsCheckpoints(runDir: string): boolean {
  try {
    return fs.readdirSync(checkpointsDir(runDir)).some((f) => !f.startsWith("."));
  } catch {
    return false;
  }
}

/** Train and evaluate an experiment; never throws for a failed run (status "failed"), only for setup errors. */
export async function runExperiment(opts: RunOptions): Promise<RunOutcome> {
  const t0 = Date.now();
  const startedAt = new Date().toISOString();
  const overrides = { ...(opts.steps !== undefined ? { steps: opts.steps } : {}), ...(opts.seed !== undefined ? { seed: opts.seed } : {}) };
  const ir = effectiveIr(opts.ir, overrides);
  const { runDir, id, result: previous, checkpoints } = placeRun(ir, { ...(opts.out ? { out: opts.out } : {}), ...(opts.runsRoot ? { runsRoot: opts.runsRoot } : {}), ...(opts.fresh ? { fresh: true } : {}) });
  // A run's checkpoints are never deleted: without --resume a folder that holds some is refused.
  if (!opts.resume && checkpoints) {
    const what = previous?.status === "completed" ? "a completed run" : `the checkpoints of an unfinished run${previous ? ` (${previous.status} at step ${previous.steps ?? "?"})` : ""}`;
    throw new UserError(`${runDir} already holds ${what} (id ${id.slice(0, 8)}); hgc never deletes checkpoints`, "add --resume to continue it from its last checkpoint, or --fresh to train a new run beside it", 1);
  }
  const bus = opts.bus ?? new EventBus();
  const seed = ir.seed;
  const total = ir.train.steps;
  const metricsFile = runFile(runDir, "metrics");

  const backend: BackendChoice = await selectBackend(opts.backend ?? "auto");
  const log = (level: "info" | "warn", message: string) => bus.emit({ type: "log", level, message });
  duringIo(`creating the run folder ${runDir}`, () => makeDirs(runDir));

  // Resume (from the newest intact checkpoint, of this very experiment) or start afresh. Every
  // refusal comes before the folder is touched, but for the leftovers of dead processes: a
  // checkpoint a crash left half-replaced is restored first, so resume can use it.
  duringIo(`cleaning ${runDir}`, () => {
    removeStaleFiles(runDir);
    removeStaleTemps(checkpointsDir(runDir));
  });
  const resumed = opts.resume ? resumePoint(runDir, ir, log) : null;
  // The last state a failure leaves intact, for its message.
  const goodCheckpoint = (step: number, where: string) => `the last good checkpoint is step ${step} (${where}); \`hgc run … --resume\` continues from it`;
  let lastGood = resumed ? goodCheckpoint(resumed.state.step, resumed.path) : undefined;
  const metricsOut = duringIo(`preparing the run folder ${runDir}`, () => {
    if (resumed) {
      truncateMetrics(metricsFile, resumed.state.step);
    } else {
      fs.rmSync(metricsFile, { force: true });
      fs.rmSync(checkpointsDir(runDir), { recursive: true, force: true });
      fs.rmSync(runFile(runDir, "result"), { force: true });
    }
    writeFileAtomic(runFile(runDir, "ir"), `${JSON.stringify(ir, null, 2)}\n`);
    return fs.openSync(metricsFile, "a");
  });
  // A failed write of metrics.jsonl (a full disk) is remembered and ends the run after the step,
  // instead of escaping from whichever emit() met it.
  let writeFault: unknown = null;
  const record = (e: RunEvent) => {
    if (e.type === "log" || writeFault) return;
    try {
      fs.writeSync(metricsOut, `${JSON.stringify(e)}\n`);
    } catch (err) {
      writeFault = err;
    }
  };
  const unsubscribe = bus.on(record);

  let model: Model | null = null;
  let trainer: Trainer | null = null;
  let status: Exclude<RunStatus, "pruned"> = "completed"; // only a sweep prunes
  let error: RunResultFile["error"];
  let last: StepResult | null = null;
  let metrics: Metrics = {};
  let skipped: { protocol: string; reason: string }[] = [];
  let probes: Record<string, ProbeReport> = {};
  // Baseline figures (the encoder at initialisation, raw pixels) are computed once per run.
  const baselines = runBaselines(ir, seed);
  let trainMs = 0;
  let evalMs = 0;
  let stepsTimed = 0;
  let startStep = 0;
  let parameters = 0;
  // Set when the backend ran out of memory: its heap may be corrupt, so nothing is disposed on it.
  let heapLost = false;
  try {
    const trainSet = await loadDataset(need(ir, ir.train.data), { ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}), log });
    const loadData = datasetLoader(ir, [trainSet], opts.cacheDir);
    model = new Model(ir, seed);
    parameters = model.parameterCount;
    trainer = new Trainer(ir, model, trainSet, seed, total);
    if (resumed) {
      const ckpt = resumed;
      checkWeightsFit(ckpt, model.saved);
      model.writeWeights(ckpt.weights);
      try {
        trainer.optimizer.writeState(ckpt.state.optimizerStep, ckpt.optimizer);
      } catch (err) {
        throw new UserError(`the checkpoint ${ckpt.path} does not fit this experiment's optimizer: ${(err as Error).message}`, "resume with the experiment that wrote it", 1);
      }
      trainer.restorePosition(ckpt.state.step, ckpt.state.rng, ckpt.state.sampler);
      startStep = ckpt.state.step;
      last = { step: startStep, losses: ckpt.state.losses, weights: {}, objective: NaN, lr: NaN, gradNorm: NaN };
    }
    const evaluator = opts.evaluate === false ? null : evaluate;

    bus.emit({
      type: "start",
      id,
      ...(opts.set?.length ? { overrides: opts.set } : {}),
      time: startedAt,
      experiment: ir.name,
      runDir,
      backend: backend.name,
      kernels: backend.kernels,
      parameters,
      datasets: [{ name: trainSet.name, images: trainSet.n }],
      totalSteps: total,
      batch: ir.train.batch,
      seed,
      startStep,
    });
    if (trainer.microBatch !== null) {
      log("info", `a step's activations do not fit the ${backend.name} backend's memory budget in one pass: training in micro-batches of ${trainer.microBatch} sequences (the same objective; runtime/memory.ts)`);
    }

    let step = startStep;
    let checkpointed = startStep;
    let lastCheckpoint: string | null = null;
    const runEval = async (step: number): Promise<void> => {
      if (!evaluator || !ir.evaluate.length) return;
      const e0 = Date.now();
      let r: Awaited<ReturnType<typeof evaluate>>;
      try {
        r = await evaluator(ir.evaluate, evalContext(model!, runDir, step, seed, loadData, baselines));
      } catch (err) {
        if (!isOutOfMemory(err)) baselines.release(); // never dispose on a heap that ran out
        throw err;
      }
      // The init figures are remembered; the model at initialisation is not kept through training.
      baselines.release();
      const ms = Date.now() - e0;
      evalMs += ms;
      metrics = r.metrics;
      skipped = r.skipped;
      probes = r.probes;
      const ev: EvalEvent = { type: "eval", step, metrics: r.metrics, skipped: r.skipped, elapsedMs: ms, probes: r.probes };
      bus.emit(ev);
      // keep_best: this evaluation's checkpoint is kept when it ranks among the best k
      const keep = ir.train.keepBest;
      const value = keep ? r.metrics[keep.metric] : undefined;
      if (keep && typeof value === "number" && wouldKeep(runDir, keep, step, value)) {
        if (checkpointed !== step) {
          await checkpoint(step);
          checkpointed = step;
        }
        if (lastCheckpoint && keepIfBest(runDir, keep, step, value, lastCheckpoint)) log("info", `step ${step}: ${keep.metric} ${value} is among the best ${keep.keep}; kept in ${bestDir(runDir)}`);
      }
    };
    const checkpoint = async (step: number): Promise<void> => {
      const state: CheckpointState = {
        format: 1,
        step,
        ...trainer!.position(),
        irHash: runKey(ir),
        seed,
        backend: backend.name,
        losses: last?.losses ?? {},
        time: new Date().toISOString(),
      };
      const weights = await model!.readWeights();
      const moments = await trainer!.optimizer.readState();
      let where: string;
      try {
        where = saveCheckpoint(runDir, state, weights, moments, ir);
      } catch (err) {
        if (isWorldFault(err)) throw worldFault(err, `writing the checkpoint of step ${step} in ${checkpointsDir(runDir)}`, lastGood ?? "no checkpoint of this run was written yet", 1);
        throw err;
      }
      lastGood = goodCheckpoint(step, where);
      lastCheckpoint = where;
      bus.emit({ type: "checkpoint", step, path: where });
    };

    const loopStart = Date.now();
    while (step < total) {
      const s0 = Date.now();
      try {
        last = await trainer.trainStep();
      } catch (err) {
        if (err instanceof NonFiniteError) {
          status = "failed";
          error = { message: err.message, hint: err.hint, step: err.step };
          bus.emit({ type: "error", message: err.message, ...(err.hint ? { hint: err.hint } : {}), step: err.step });
          break;
        }
        if (isOutOfMemory(err)) {
          // The step's tensors are not freed (the heap cannot be trusted); the last checkpoint stands.
          const oom = new OutOfMemoryError(step + 1, backend.name, err);
          heapLost = true;
          status = "failed";
          error = { message: oom.message, hint: OUT_OF_MEMORY_HINT, step: oom.step };
          bus.emit({ type: "error", message: oom.message, hint: OUT_OF_MEMORY_HINT, step: oom.step });
          break;
        }
        throw err;
      }
      step = last.step;
      if (writeFault) throw isWorldFault(writeFault) ? worldFault(writeFault, `writing ${metricsFile}`, lastGood, 1) : writeFault;
      const ms = Date.now() - s0;
      trainMs += ms;
      stepsTimed++;
      bus.emit({
        type: "step",
        step,
        totalSteps: total,
        losses: last.losses,
        weights: last.weights,
        objective: last.objective,
        lr: last.lr,
        gradNorm: last.gradNorm,
        imagesPerSec: ms > 0 ? (ir.train.batch * 1000) / ms : 0,
        msPerStep: ms,
        elapsedMs: Date.now() - loopStart,
      });
      const every = ir.train.checkpointEvery;
      if (every && step % every === 0 && step < total) {
        await checkpoint(step);
        checkpointed = step;
      }
      if (ir.train.evalEvery && step % ir.train.evalEvery === 0 && step < total) await runEval(step);
      // Let signal handlers (Ctrl-C) run between steps.
      await new Promise((r) => setImmediate(r));
      if (step < total && opts.shouldStop?.()) {
        status = "interrupted";
        if (checkpointed !== step) await checkpoint(step);
        checkpointed = step;
        break;
      }
    }
    if (status === "completed") {
      if (checkpointed !== step) await checkpoint(step);
      await runEval(step);
    }
    startStep = step;
  } catch (err) {
    status = "failed";
    if (isOutOfMemory(err)) {
      // Out of memory outside a training step (a checkpoint's read, an evaluation): as clear, and as final.
      heapLost = true;
      const message = `the run ran out of the ${backend.name} backend's memory`;
      error = { message, hint: OUT_OF_MEMORY_HINT };
      bus.emit({ type: "error", message, hint: OUT_OF_MEMORY_HINT });
      cleanup();
      return { status, runDir, result: finish() };
    }
    if (isWorldFault(err)) err = worldFault(err, "the run", lastGood, 1);
    const e = err as Error;
    error = { message: e.message, ...(isUserError(err) && err.hint ? { hint: err.hint } : {}) };
    bus.emit({ type: "error", message: e.message, ...(isUserError(err) && err.hint ? { hint: err.hint } : {}) });
    if (!isUserError(err)) {
      cleanup();
      finish();
      throw err;
    }
  }
  cleanup();
  const result = finish();
  return { status, runDir, result };

  function cleanup(): void {
    if (heapLost) {
      // Disposing on a corrupt wasm heap crashes; the process exits after the run anyway.
      trainer = null;
      model = null;
      return;
    }
    trainer?.dispose();
    model?.dispose();
    baselines.release();
    trainer = null;
    model = null;
  }

  function finish(): RunResultFile {
    const steps = last?.step ?? startStep;
    const result: RunResultFile = {
      id,
      experiment: ir.name,
      hash: ir.hash,
      runDir,
      seed,
      backend: backend.name,
      backendDetail: backend.detail,
      kernels: backend.kernels,
      status,
      steps,
      totalSteps: total,
      parameters,
      losses: last?.losses ?? {},
      objective: last && Number.isFinite(last.objective) ? last.objective : null,
      metrics,
      skipped,
      probes,
      timings: {
        totalMs: Date.now() - t0,
        trainMs,
        evalMs,
        msPerStep: stepsTimed ? trainMs / stepsTimed : null,
        imagesPerSec: trainMs ? (stepsTimed * ir.train.batch * 1000) / trainMs : null,
      },
      overrides: { ...overrides, ...(opts.set?.length ? { set: opts.set } : {}) },
      startedAt,
      finishedAt: new Date().toISOString(),
      ...(error ? { error } : {}),
    };
    let resultFault: unknown = null;
    try {
      writeFileAtomic(runFile(runDir, "result"), `${JSON.stringify(result, null, 2)}\n`);
    } catch (err) {
      resultFault = err;
    }
    bus.emit({ type: "end", step: steps, status, elapsedMs: Date.now() - t0, metrics, runDir });
    unsubscribe();
    fs.closeSync(metricsOut);
    if (resultFault) {
      if (!isWorldFault(resultFault)) throw resultFault;
      const what = error ? ` after: ${error.message}` : ` (the run ended ${status})`;
      throw worldFault(resultFault, `writing ${runFile(runDir, "result")}${what}`, lastGood, 1);
    }
    // The reports are a view of the files above; failing to draw them must not fail the run.
    try {
      writeReports(runDir);
    } catch (err) {
      process.stderr.write(`hgc: warning: could not write the run's report: ${(err as Error).message}\n`);
    }
    return result;
  }
}

/**
 * The newest intact checkpoint of `runDir`, when it belongs to `ir`: damaged ones are skipped with
 * a warning each; an experiment that differs from the one the checkpoint was written by is
 * refused, naming the fields that differ.
 */
function resumePoint(runDir: string, ir: IRExperiment, log: (level: "info" | "warn", message: string) => void): Checkpoint {
  const found = loadIntactCheckpoint(runDir);
  if (!found) throw new UserError(`nothing to resume in ${runDir}: it has no checkpoint`, "run without --resume to start the run", 1);
  const ckpt = found.checkpoint;
  for (const d of found.damaged) log("warn", `${d.message}; skipped`);
  if (found.damaged.length) log("warn", `resuming from the newest intact checkpoint instead: step ${ckpt.state.step} (${ckpt.path})`);
  if (!ckpt.verified) log("warn", `the checkpoint ${ckpt.path} has no checksums (written by an older hgc): it is used unverified`);
  // The experiment the checkpoint belongs to: its own copy, else (older hgc) the run folder's ir.json.
  let own: unknown = ckpt.ir;
  if (!own) {
    try {
      own = readRunIr(runDir);
    } catch {
      own = null;
    }
  }
  const changes = own ? jsonDiff(own, ir) : [];
  if (changes.length) {
    const shown = changes.slice(0, 5).map(formatChange).join("; ");
    throw new UserError(
      `the experiment differs from the one ${runDir} was run with, in ${changes.length} field${changes.length > 1 ? "s" : ""}: ${shown}${changes.length > 5 ? "; …" : ""}`,
      "resume with the same file, experiment, --steps and --seed (a hand-edited IR is a new experiment: run it in a new folder with --out)",
      1,
    );
  }
  if (!own && ckpt.state.irHash !== runKey(ir)) {
    throw new UserError(`the checkpoint in ${runDir} is of a different experiment or seed`, "resume with the same file, experiment and --seed, or start a new run folder with --out", 1);
  }
  return ckpt;
}

/** What a checkpoint must match to be resumed: the experiment as run (hash and overrides). */
function runKey(ir: IRExperiment): string {
  return createHash("sha256").update(`${ir.hash}\n${ir.seed}\n${ir.train.steps}`).digest("hex");
}

function need(ir: IRExperiment, name: string) {
  const ds = ir.datasets[name];
  if (!ds) throw new UserError(`train(data: ${name}) names no dataset of experiment ${ir.name}`, undefined, 1);
  return ds;
}

/** Keep the metrics of steps up to `step` (a resumed run appends from there). */
function truncateMetrics(file: string, step: number): void {
  if (!fs.existsSync(file)) return;
  const kept = fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => {
      if (!line.trim()) return false;
      try {
        const e = JSON.parse(line) as RunEvent;
        if (e.type === "step" || e.type === "eval" || e.type === "checkpoint") return e.step <= step;
        return e.type === "start";
      } catch {
        return false;
      }
    });
  writeFileAtomic(file, kept.length ? `${kept.join("\n")}\n` : "");
}
