// Checkpoints: everything a run needs to continue exactly where it stopped.
//
//   <run>/checkpoints/step-00000500/
//     weights.safetensors     the model's weights (F32, named as in model.ts)
//     optimizer.safetensors   the optimizer's moments (`<param>.m`, `<param>.v`)
//     ir.json                 the experiment the checkpoint belongs to (as run)
//     state.json              step, optimizer t, RNG state, data order position, IR hash, backend,
//                             and the manifest: each file's size and sha256, and a checksum of
//                             state.json's own content; written last
//
// A checkpoint is written into a temporary sibling directory and renamed into place, so a
// crash leaves either the whole checkpoint or none of it; only the last KEEP are kept. Loading
// verifies every checksum, so a flipped byte or a truncated file is refused (CheckpointDamaged)
// instead of trained or evaluated on; `loadIntactCheckpoint` falls back to an older checkpoint.
// Checkpoints written before the manifest existed load with `verified: false` (the caller warns).

import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { UserError } from "../common/errors.js";
import { canonicalJSON } from "../compiler/hash.js";
import type { IRExperiment } from "../compiler/ir.js";
import { makeDirs, processAlive } from "./atomic.js";
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from "./export.js";
import { NotReadableError, readRegularFile } from "./faults.js";
import { runFile } from "./run-folder.js";

/** How many checkpoints a run folder keeps. */
export const KEEP = 2;

/** The largest checkpoint file hgc reads (a Buffer's practical limit). */
const MAX_FILE_BYTES = 2 ** 31 - 1;

/** The files a checkpoint's manifest covers. */
const FILES = ["weights.safetensors", "optimizer.safetensors", "ir.json"] as const;

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
  /** Each file's size and sha256 (absent in checkpoints of older hgc versions). */
  files?: Record<string, { bytes: number; sha256: string }>;
  /** sha256 of this state's canonical JSON without `checksum`. */
  checksum?: string;
}

export interface Checkpoint {
  state: CheckpointState;
  weights: Map<string, Float32Array>;
  optimizer: Map<string, Float32Array>;
  /** The experiment it was written by (null in checkpoints of older hgc versions). */
  ir: IRExperiment | null;
  /** False for a checkpoint without a manifest (older hgc): nothing could be verified. */
  verified: boolean;
  path: string;
}

/** A checkpoint whose files do not match its manifest, or cannot be decoded: never used. */
export class CheckpointDamaged extends UserError {
  constructor(
    readonly dir: string,
    readonly problem: string,
  ) {
    super(`the checkpoint ${dir} is damaged: ${problem}`, "use an earlier checkpoint (`--checkpoint N`), or resume with `hgc run … --resume`, which falls back to the newest intact one", 1);
  }
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

function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

function stateChecksum(state: CheckpointState): string {
  const { checksum: _c, ...rest } = state;
  return sha256(canonicalJSON(rest));
}

/** Write a checkpoint atomically and prune old ones; returns its directory. */
export function saveCheckpoint(runDir: string, state: CheckpointState, weights: NamedTensor[], optimizer: NamedTensor[], ir?: IRExperiment): string {
  const dir = checkpointsDir(runDir);
  makeDirs(dir);
  removeStaleTemps(dir);
  const final = path.join(dir, dirName(state.step));
  const tmp = path.join(dir, `.${dirName(state.step)}.${process.pid}.tmp`);
  fs.rmSync(tmp, { recursive: true, force: true });
  try {
    fs.mkdirSync(tmp);
    const meta = { format: "hgc-checkpoint", step: String(state.step), irHash: state.irHash };
    const contents: [string, Uint8Array | string][] = [
      ["weights.safetensors", encodeSafetensors(weights, meta)],
      ["optimizer.safetensors", encodeSafetensors(optimizer, meta)],
      ...(ir ? [["ir.json", `${JSON.stringify(ir, null, 2)}\n`] as [string, string]] : []),
    ];
    const files: NonNullable<CheckpointState["files"]> = {};
    for (const [name, data] of contents) {
      fs.writeFileSync(path.join(tmp, name), data);
      files[name] = { bytes: Buffer.byteLength(data), sha256: sha256(data) };
    }
    const full: CheckpointState = { ...state, files };
    full.checksum = stateChecksum(full);
    fs.writeFileSync(path.join(tmp, "state.json"), `${JSON.stringify(full, null, 2)}\n`);
    // rename cannot replace a non-empty directory: move an older copy of this step aside first.
    if (fs.existsSync(final)) {
      const old = `${tmp}.old`;
      fs.renameSync(final, old);
      fs.renameSync(tmp, final);
      fs.rmSync(old, { recursive: true, force: true });
    } else fs.renameSync(tmp, final);
  } catch (err) {
    // A full disk must not also leave half a checkpoint holding the space result.json needs.
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const all = listCheckpoints(runDir);
  for (const c of all.slice(0, Math.max(0, all.length - KEEP))) fs.rmSync(c.path, { recursive: true, force: true });
  return final;
}

/**
 * Remove the temporary folders of checkpoint writes whose process is gone (`.step-N.<pid>.tmp`,
 * and `.tmp.old`, the previous copy of a step being replaced). A `.old` folder whose step has no
 * checkpoint any more is the only copy of that checkpoint: it is renamed back, never deleted.
 */
export function removeStaleTemps(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^\.(step-\d+)\.(\d+)\.tmp(\.old)?$/.exec(name);
    if (!m || processAlive(Number(m[2]))) continue;
    const full = path.join(dir, name);
    const final = path.join(dir, m[1]!);
    if (m[3] && !fs.existsSync(final)) fs.renameSync(full, final);
    else fs.rmSync(full, { recursive: true, force: true });
  }
}

function readChecked(dir: string, name: string): Buffer {
  try {
    return readRegularFile(path.join(dir, name), MAX_FILE_BYTES);
  } catch (err) {
    if (err instanceof NotReadableError) throw new CheckpointDamaged(dir, `${name} ${err.message}`);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new CheckpointDamaged(dir, `${name} is missing`);
    throw new UserError(`cannot read ${path.join(dir, name)}: ${code ?? (err as Error).message}`, undefined, 2);
  }
}

/** Read and verify a checkpoint directory; a missing, truncated or altered file is CheckpointDamaged. */
export function loadCheckpoint(dir: string): Checkpoint {
  let state: CheckpointState;
  try {
    state = JSON.parse(readChecked(dir, "state.json").toString("utf8")) as CheckpointState;
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new CheckpointDamaged(dir, `state.json is not valid JSON (${(err as Error).message})`);
  }
  if (!state || typeof state !== "object" || state.format !== 1 || typeof state.step !== "number") {
    throw new CheckpointDamaged(dir, `state.json is not an hgc checkpoint state (format ${String(state?.format)})`);
  }
  const verified = state.files !== undefined || state.checksum !== undefined;
  if (verified && state.checksum !== stateChecksum(state)) throw new CheckpointDamaged(dir, "state.json does not match its checksum");
  const read = (name: string): Buffer | null => {
    const want = state.files?.[name];
    if (verified && !want) return null;
    if (!verified && !fs.existsSync(path.join(dir, name))) return null;
    const buf = readChecked(dir, name);
    if (want) {
      if (buf.length !== want.bytes) throw new CheckpointDamaged(dir, `${name} is ${buf.length} bytes, its manifest says ${want.bytes} (truncated?)`);
      if (sha256(buf) !== want.sha256) throw new CheckpointDamaged(dir, `${name} does not match its sha256 checksum (its bytes were altered)`);
    }
    return buf;
  };
  const tensors = (name: string) => {
    const buf = read(name);
    if (!buf) throw new CheckpointDamaged(dir, `${name} is missing`);
    try {
      return new Map(decodeSafetensors(buf, name).tensors.map((t) => [t.name, t.data] as const));
    } catch (err) {
      throw new CheckpointDamaged(dir, (err as Error).message);
    }
  };
  const weights = tensors("weights.safetensors");
  const optimizer = tensors("optimizer.safetensors");
  const irBuf = read("ir.json");
  let ir: IRExperiment | null = null;
  if (irBuf) {
    try {
      ir = JSON.parse(irBuf.toString("utf8")) as IRExperiment;
    } catch (err) {
      throw new CheckpointDamaged(dir, `ir.json is not valid JSON (${(err as Error).message})`);
    }
  }
  return { state, weights, optimizer, ir, verified, path: dir };
}

/**
 * The newest checkpoint of a run that loads and verifies, with the damaged ones met on the way
 * (newest first), or null when there is none at all. Throws when every checkpoint is damaged.
 */
export function loadIntactCheckpoint(runDir: string): { checkpoint: Checkpoint; damaged: CheckpointDamaged[] } | null {
  const all = listCheckpoints(runDir).reverse();
  if (!all.length) return null;
  const damaged: CheckpointDamaged[] = [];
  for (const ref of all) {
    try {
      return { checkpoint: loadCheckpoint(ref.path), damaged };
    } catch (err) {
      if (!(err instanceof CheckpointDamaged)) throw err;
      damaged.push(err);
    }
  }
  throw new UserError(
    `no intact checkpoint in ${runDir}: ${damaged.map((d) => `${path.basename(d.dir)}: ${d.problem}`).join("; ")}`,
    "the run cannot be resumed; start it afresh without --resume (the damaged checkpoints are left in place)",
    1,
  );
}

/**
 * Check that checkpointed weights fit a model (every parameter present with its size, none
 * extra) and are finite: the weights of another model, or NaN, are refused with the reason.
 */
export function checkWeightsFit(ckpt: Checkpoint, params: readonly { name: string; shape: readonly number[] }[]): void {
  const wanted = new Set(params.map((p) => p.name));
  const problems: string[] = [];
  for (const p of params) {
    const data = ckpt.weights.get(p.name);
    const size = p.shape.reduce((a, b) => a * b, 1);
    if (!data) problems.push(`no weights for ${p.name}`);
    else if (data.length !== size) problems.push(`${p.name} has ${data.length} values, the model needs ${size} [${p.shape.join(", ")}]`);
  }
  const extra = [...ckpt.weights.keys()].filter((n) => !wanted.has(n));
  if (extra.length) problems.push(`weights the model does not have: ${extra.slice(0, 3).join(", ")}${extra.length > 3 ? ", …" : ""}`);
  if (problems.length) {
    throw new UserError(
      `the checkpoint ${ckpt.path} holds the weights of another model: ${problems.slice(0, 3).join("; ")}${problems.length > 3 ? "; …" : ""}`,
      "evaluate or resume it with the experiment that wrote it (its run folder's ir.json)",
      1,
    );
  }
  for (const [name, data] of ckpt.weights) {
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) {
        throw new UserError(
          `the checkpoint ${ckpt.path} holds a non-finite weight: ${name}[${i}] is ${data[i]}`,
          "the run diverged before this checkpoint or the file was altered; use an earlier checkpoint (`--checkpoint N`)",
          1,
        );
      }
    }
  }
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
