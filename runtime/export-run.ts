// `hgc export`: a run's weights, from one of its checkpoints, as one safetensors file PyTorch reads.
// Apart from export.ts (the format itself), which checkpoint.ts uses to store weights.

import fs from "node:fs";
import path from "node:path";
import { UserError } from "../common/errors.js";
import { writeFileAtomic } from "./atomic.js";
import { findCheckpoint, loadCheckpoint } from "./checkpoint.js";
import { encodeSafetensors, readSafetensorsFile } from "./export.js";
import { readRunIr } from "./run-folder.js";

/**
 * `hgc export`: a run's weights (from its latest checkpoint, or the one at `step`) as one
 * safetensors file, with the experiment, step and IR hash in its metadata. Returns the path.
 */
export async function exportRun(runDir: string, opts: { step?: number; out?: string } = {}): Promise<{ path: string; step: number; tensors: number; bytes: number }> {
  if (!fs.existsSync(runDir)) throw new UserError(`no run folder at ${runDir}`, "give the folder `hgc run` printed (runs/<experiment>-<hash>)", 2);
  const ref = findCheckpoint(runDir, opts.step);
  const ckpt = loadCheckpoint(ref.path);
  const experiment = readRunIr(runDir).name;
  const out = path.resolve(opts.out ?? path.join(runDir, `weights-step${ref.step}.safetensors`));
  const { tensors } = readSafetensorsFile(path.join(ref.path, "weights.safetensors"));
  const buf = encodeSafetensors(tensors, { format: "pt", experiment, step: String(ckpt.state.step), irHash: ckpt.state.irHash, producer: "hgc" });
  writeFileAtomic(out, buf);
  return { path: out, step: ref.step, tensors: tensors.length, bytes: buf.length };
}
