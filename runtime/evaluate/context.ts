// What the evaluation protocols may ask of a trained model. The trainer (runtime/train.ts)
// builds one over its live model; `hgc eval` builds one over a loaded checkpoint. The protocols
// never touch tfjs tensors or the model's variables: every answer is a plain typed array.

import type { IRExperiment } from "../../compiler/ir.js";
import type { ImageSet } from "../data/types.js";
import type { BaselineCache } from "./baselines.js";

export interface EvalContext {
  /** The experiment being evaluated. */
  ir: IRExperiment;
  /** The run folder (sample sheets and other artefacts go here). */
  runDir: string;
  /** The optimizer step the model is at. */
  step: number;
  /** The experiment's seed (protocols derive their own seeded streams from it). */
  seed: number;
  /** A dataset of the experiment by name (`dataset NAME = …`), loaded once and cached. */
  loadData(name: string): Promise<ImageSet>;
  /**
   * Pooled features of `encoder` for n images (n·h·w grayscale values in [0, 1] at the dataset's
   * size; tokenized internally): n·width values, image after image. Batched internally, no grad.
   */
  features(encoder: string, images: Float32Array, n: number): Promise<Float32Array>;
  /**
   * Each block's pooled output (`.layer(k)`: the residual stream after block k, pooled over the
   * same positions as `.pooled`): `layers` arrays of n·width values. Needed only by `.layer(k)`
   * and `.layers` features.
   */
  blockFeatures?(encoder: string, images: Float32Array, n: number): Promise<Float32Array[]>;
  /**
   * The run's baselines (the model at initialisation, figures computed once per run). Without it
   * the pixel baselines are computed per evaluation and the init baselines are reported skipped.
   */
  baselines?: BaselineCache;
  /**
   * Per-image negative log-likelihood under the per-token `head` in bits per dimension
   * (mean over all length·pixelsPerToken predicted values): n values.
   */
  bitsPerDim(head: string, images: Float32Array, n: number): Promise<Float32Array>;
  /**
   * `count` images drawn autoregressively from `head` at `temperature` (seeded by `seed`):
   * count·h·w values in [0, 1] at the head's tokenizer's imageSize [h, w]. For a `decoder` head
   * (reconstruct), `count` triples instead: an image, its masked tokens greyed, its reconstruction.
   */
  sample(head: string, count: number, temperature: number, seed: number): Promise<Float32Array>;
}
