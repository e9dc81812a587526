// `train(…, keep_best: METRIC, keep: k)`: the k best checkpoints by a metric, kept beside the last
// ones (which checkpoint.ts rotates). Each is a copy of the checkpoint written at an evaluation's
// step, under checkpoints/best/step-N; checkpoints/best/best.json ranks them, best first. Ties keep
// the earlier step (fewer steps for the same figure).
import fs from "node:fs";
import path from "node:path";
import type { IRTrain } from "../compiler/ir.js";
import { UserError } from "../common/errors.js";
import { writeJsonAtomic } from "./atomic.js";
import { checkpointsDir } from "./checkpoint.js";

export type KeepBest = NonNullable<IRTrain["keepBest"]>;

export interface BestEntry {
  step: number;
  value: number;
  /** The copy's folder (in best.json relative to checkpoints/best/, so the run folder may move). */
  path: string;
}

export interface BestFile {
  metric: string;
  direction: "maximize" | "minimize";
  keep: number;
  /** Best first. */
  best: BestEntry[];
}

export function bestDir(runDir: string): string {
  return path.join(checkpointsDir(runDir), "best");
}

/** best.json, or null when the run keeps no best checkpoints (or has none yet). */
export function readBest(runDir: string): BestFile | null {
  try {
    const f = JSON.parse(fs.readFileSync(path.join(bestDir(runDir), "best.json"), "utf8")) as BestFile;
    if (!Array.isArray(f?.best)) return null;
    return { ...f, best: f.best.map((e) => ({ ...e, path: path.join(bestDir(runDir), path.basename(e.path)) })) };
  } catch {
    return null;
  }
}

function better(spec: KeepBest, a: number, b: number): boolean {
  return spec.direction === "maximize" ? a > b : a < b;
}

/** True when `value` would enter the best `keep` (so the caller writes a checkpoint of this step if it has none). */
export function wouldKeep(runDir: string, spec: KeepBest, step: number, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  const kept = (readBest(runDir)?.best ?? []).filter((e) => e.step !== step);
  return kept.length < spec.keep || better(spec, value, kept[kept.length - 1]!.value);
}

/**
 * Records the checkpoint at `checkpoint` (of `step`, whose evaluation gave `value`) among the best
 * when it makes the cut: copied under best/ first, then best.json rewritten, then the one it
 * pushed out removed, so a crash at any point leaves a best.json whose entries all exist.
 */
export function keepIfBest(runDir: string, spec: KeepBest, step: number, value: number, checkpoint: string): boolean {
  if (!wouldKeep(runDir, spec, step, value)) return false;
  const dir = bestDir(runDir);
  fs.mkdirSync(dir, { recursive: true });
  const final = path.join(dir, path.basename(checkpoint));
  const tmp = `${final}.${process.pid}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.cpSync(checkpoint, tmp, { recursive: true });
  fs.rmSync(final, { recursive: true, force: true });
  fs.renameSync(tmp, final);
  const entries = [...(readBest(runDir)?.best ?? []).filter((e) => e.step !== step), { step, value, path: final }];
  // stable sort: among equal values the earlier step stays ahead
  entries.sort((a, b) => (better(spec, a.value, b.value) ? -1 : better(spec, b.value, a.value) ? 1 : a.step - b.step));
  const kept = entries.slice(0, spec.keep);
  const relative = kept.map((e) => ({ ...e, path: path.basename(e.path) }));
  writeJsonAtomic(path.join(dir, "best.json"), { metric: spec.metric, direction: spec.direction, keep: spec.keep, best: relative } satisfies BestFile);
  for (const e of entries.slice(spec.keep)) fs.rmSync(e.path, { recursive: true, force: true });
  return kept.some((e) => e.step === step);
}

/** The best checkpoint of a run (`hgc eval RUN --best`), or a UserError saying why there is none. */
export function bestCheckpoint(runDir: string): { step: number; path: string; value: number; metric: string } {
  const f = readBest(runDir);
  const top = f?.best[0];
  if (!f || !top) {
    throw new UserError(`${runDir} has no best checkpoint`, "keep them with `train(…, keep_best: knn.accuracy, keep: 3)` (they are chosen at each evaluation)", 1);
  }
  return { step: top.step, path: top.path, value: top.value, metric: f.metric };
}
