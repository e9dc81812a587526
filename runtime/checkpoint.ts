// Checkpoints: everything a run needs to continue exactly where it stopped.
//
//   <run>/checkpoints/step-00000500/
//     weights.safetensors     the model's weights (F32, named as in model.ts)
//     optimizer.safetensors   the optimizer's moments (`<param>.m`, `<param>.v`)
//     state.json              step, optimizer t, RNG state, data order position, IR hash, backend
//
// A checkpoint is written into a temporary sibling directory and renamed into place, so a
// crash leaves either the whole checkpoint or none of it; only the last KEEP are kept.

import fs from "node:fs";
import path from "node:path";
import { UserError } from "../common/errors.js";
import { encodeSafetensors, readSafetensorsFile, type NamedTensor } from "./export.js";
import { runFile } from "./run-folder.js";

/** How many checkpoints a run folder keeps. */
export const KEEP = 2;

export interface CheckpointState {
  format: 1;
  step: number;
  /** Optimizer updates taken (Adam's t). */
  optimizerStep: number;
  /** The augmentation stream's state (runtime/rng.ts words). */
  rng: number[];
  /** Position in the data order: epoch and index into that epoch's permutation. */
  sampler: { epoch: number; pos: number };
  /** sha256 of the IR hash, seed and total steps: what a resumed run must match. */
  irHash: string;
  seed: number;
  backend: string;
  /** Losses of the checkpoint's step, for the record. */
  losses: Record<string, number>;
  time: string;
}

export interface Checkpoint {
  state: CheckpointState;
  weights: Map<string, Float32Array>;
  optimizer: Map<string, Float32Array>;
  path: string;
}

export function checkpointsDir(runDir: string): string {
  return runFile(runDir, "checkpoints");
}

function dirName(step: number): string {
  return `step-${String(step).padStart(8, "0")}`;
}

/** The run's checkpoints, oldest first. */
export function listCheckpoints(runDir: string): { step: number; path: string }[] {
  const dir = checkpointsDir(runDir);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((name) => /^step-(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null && fs.existsSync(path.join(dir, m[0], "state.json")))
    .map((m) => ({ step: Number(m[1]), path: path.join(dir, m[0]) }))
    .sort((a, b) => a.step - b.step);
}

export function latestCheckpoint(runDir: string): { step: number; path: string } | null {
  const all = listCheckpoints(runDir);
  return all.length ? all[all.length - 1]! : null;
}

/** Write a checkpoint atomically and prune old ones; returns its directory. */
export function saveCheckpoint(runDir: string, state: CheckpointState, weights: NamedTensor[], optimizer: NamedTensor[]): string {
  const dir = checkpointsDir(runDir);
  fs.mkdirSync(dir, { recursive: true });
  const final = path.join(dir, dirName(state.step));
  const tmp = path.join(dir, `.${dirName(state.step)}.${process.pid}.tmp`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  const meta = { format: "hgc-checkpoint", step: String(state.step), irHash: state.irHash };
  fs.writeFileSync(path.join(tmp, "weights.safetensors"), encodeSafetensors(weights, meta));
  fs.writeFileSync(path.join(tmp, "optimizer.safetensors"), encodeSafetensors(optimizer, meta));
  fs.writeFileSync(path.join(tmp, "state.json"), `${JSON.stringify(state, null, 2)}\n`);
  // rename cannot replace a non-empty directory: move an older copy of this step aside first.
  if (fs.existsSync(final)) {
    const old = `${tmp}.old`;
    fs.renameSync(final, old);
    fs.renameSync(tmp, final);
    fs.rmSync(old, { recursive: true, force: true });
  } else fs.renameSync(tmp, final);
  const all = listCheckpoints(runDir);
  for (const c of all.slice(0, Math.max(0, all.length - KEEP))) fs.rmSync(c.path, { recursive: true, force: true });
  return final;
}

/** Read a checkpoint directory; a missing or corrupt file is a UserError naming it. */
export function loadCheckpoint(dir: string): Checkpoint {
  const stateFile = path.join(dir, "state.json");
  let state: CheckpointState;
  try {
    state = JSON.parse(fs.readFileSync(stateFile, "utf8")) as CheckpointState;
  } catch (err) {
    throw new UserError(`cannot read checkpoint ${stateFile}: ${(err as Error).message}`, "the checkpoint is incomplete; use an earlier one or start over", 1);
  }
  if (state.format !== 1 || typeof state.step !== "number") {
    throw new UserError(`${stateFile} is not an hgc checkpoint (format ${String(state.format)})`, undefined, 1);
  }
  const toMap = (file: string) => new Map(readSafetensorsFile(path.join(dir, file)).tensors.map((t) => [t.name, t.data] as const));
  return { state, weights: toMap("weights.safetensors"), optimizer: toMap("optimizer.safetensors"), path: dir };
}

/** The checkpoint of `step` (or the latest), as a UserError when there is none. */
export function findCheckpoint(runDir: string, step?: number): { step: number; path: string } {
  const all = listCheckpoints(runDir);
  if (!all.length) throw new UserError(`${runDir} has no checkpoints`, "train it with `hgc run` first (checkpoints are written every checkpoint_every steps and at the end)", 1);
  if (step === undefined) return all[all.length - 1]!;
  const hit = all.find((c) => c.step === step);
  if (!hit) throw new UserError(`${runDir} has no checkpoint at step ${step}`, `available: ${all.map((c) => c.step).join(", ")}`, 1);
  return hit;
}
