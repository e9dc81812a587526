// The IR: a fully resolved experiment as plain JSON. It is the only thing the runtime reads
// (a run folder keeps it as `ir.json`, and `hgc run` accepts an IR file in place of a .hgc file).
// Defaults are filled in, imports and `extends` are resolved, names are resolved to the items
// they denote, and every shape and parameter count is computed. ir.schema.json describes it.

export const IR_VERSION = 1;

/** The corruptions of a `robustness` protocol (IRProtocol `corruptions`), declared with the built-ins. */
export { CORRUPTIONS } from "../language/builtins.js";

export interface IRExperiment {
  irVersion: 1;
  name: string;
  /** Where it came from (informational; not part of the hash). */
  source: {
    file: string;
    line: number;
    /** The command line's `path=value` overrides it was compiled with, as given (their values are in the IR). */
    overrides?: string[];
  };
  seed: number;
  datasets: Record<string, IRDataset>;
  tokenizers: Record<string, IRTokenizer>;
  views: Record<string, IRViews>;
  encoders: Record<string, IREncoder>;
  heads: Record<string, IRHead>;
  losses: Record<string, IRLoss>;
  /** Every declared param with its value (after sweep grid substitution). */
  params: Record<string, number>;
  objective: IRObjective;
  optimizer: IROptimizer;
  train: IRTrain;
  evaluate: IRProtocol[];
  estimates: IREstimates;
  /** sha256 (hex) of the normalised IR without `source` and `hash`. */
  hash: string;
}

export type DatasetSource = "mnist" | "fashion_mnist" | "synthetic" | "idx" | "cifar" | "folder";

export interface IRDataset {
  name: string;
  source: DatasetSource;
  split: "train" | "test" | "val" | "all";
  /** Keep at most this many images (after the split), null for all. */
  limit: number | null;
  /** Resize every image to this size, null to keep the source's. */
  size: [number, number] | null;
  /** Source-specific arguments, with defaults filled in:
   *  idx: { images: string, labels: string } (absolute paths)
   *  cifar: { path: string (absolute), classes: 10 | 100 }
   *  folder: { path: string (absolute) }
   *  synthetic: { count: number, classes: number, size: [h, w], noise: number, seed: number }
   *  mnist / fashion_mnist: {} */
  args: Record<string, unknown>;
  /** Image shape as the model sees it (after `size`); null where it is only known once the files are read. */
  shape: { height: number | null; width: number | null; channels: number | null };
  /** Number of classes, null where only the files tell. */
  classes: number | null;
}

export interface IRTokenizer {
  name: string;
  kind: "quantize" | "patches";
  /** quantize: the size images are resized to. patches: the image size the patches are cut from. */
  imageSize: [number, number];
  /** patches: the patch side P; quantize: 1. */
  patch: number;
  levels: number;
  /** Tokens per image. */
  length: number;
  /** Values per token position's prediction (`.vocab`) = levels. */
  vocab: number;
  /** Pixels per token: 1 for quantize, P·P for patches. */
  pixelsPerToken: number;
}

export interface IRViews {
  name: string;
  kind: "augment";
  /** Random resized crop: fraction of the area kept, [lo, hi] in (0, 1]; null for no crop. */
  crop: [number, number] | null;
  /** Probability of a horizontal flip. */
  flip: number;
  /** Std of additive gaussian noise (pixel values in 0..1). */
  noise: number;
  /** Brightness/contrast jitter strength. */
  jitter: number;
  /** Probability of erasing a random rectangle. */
  erase: number;
  /** Max absolute rotation in degrees. */
  rotate: number;
}

export type IREncoder = IRTransformerEncoder | IRResNetEncoder;

export interface IRTransformerEncoder {
  name: string;
  kind: "transformer";
  tokens: string;
  layers: number;
  width: number;
  heads: number;
  /** MLP hidden size = mlp * width. */
  mlp: number;
  causal: boolean;
  pool: "mean" | "last" | "max";
  dropout: number;
  /** Sequence length (from the tokenizer). */
  length: number;
  parameters: number;
}

/** `resnet(depth:, width:, pool:)` over the images (issue 16; runtime/resnet.ts): a 3×3 stem, then
 *  stages of basic residual blocks with GroupNorm, each stage after the first halving the size. */
export interface IRResNetEncoder {
  name: string;
  kind: "resnet";
  depth: 8 | 10 | 18;
  /** Basic blocks per stage: 8 → [1, 1, 1], 10 → [1, 1, 1, 1], 18 → [2, 2, 2, 2]. */
  blocks: number[];
  /** Output channels of each stage: width · 2^(k−1) for stage k. */
  channels: number[];
  /** `.pooled`'s width: the last stage's channels. */
  width: number;
  /** Stages: `.layer(k)` names stage k, 1 ≤ k ≤ layers. */
  layers: number;
  pool: "mean" | "max";
  /** `stem_stride: 2`: the stem halves the images' size; absent for 1 (so resnets written before it keep their IR and hash). */
  stemStride?: 2;
  /** The training images' size (what the FLOP estimate assumes), null where only the files tell. */
  imageSize: [number, number] | null;
  parameters: number;
}

export interface IRHeadInput {
  /** The encoder at the root of what the head reads (through any heads in between). */
  encoder: string;
  member: "pooled" | "tokens";
  /** The head this head reads when it is a head on a head (a predictor on a projection); absent when it reads the encoder. */
  head?: string;
}

export interface IRHead {
  name: string;
  /** `ema`: a momentum copy of the head `ema.of` and everything under it (its input heads and its
   *  encoder); its input, widths and shape are the source's, and it has no trainable parameters. */
  kind: "mlp" | "linear" | "ema" | "decoder";
  input: IRHeadInput;
  /** Only for `kind: "ema"`: the source head, the decay d of θ' ← d·θ' + (1−d)·θ, and how many
   *  values the copy holds (the source's parameters and those of everything under it). */
  ema?: { of: string; decay: number; values: number };
  inWidth: number;
  hidden: number[];
  out: number;
  /** True when applied at every token position (input is `.tokens`). */
  perToken: boolean;
  /** Symbolic output shape, e.g. ["batch", 48] or ["batch", 196, 8]. A per-token head over a patches
   *  tokenizer predicts `out` values for each of the next patch's P·P pixels: ["batch", length, P·P, out]
   *  (its last Dense layer has out·P·P units, and `parameters` counts them). */
  shape: (string | number)[];
  parameters: number;
  /** `decoder(E, layers:, width:, heads:)` (MAE's light decoder, read by `reconstruct` only): a
   *  non-causal Transformer over the tokenizer's L positions, mask tokens restored at the masked
   *  ones, ending in `out` values per token (the patch's P·P pixels). */
  decoder?: { layers: number; width: number; heads: number; mlp: number };
}

export type IRLoss =
  | {
      name: string;
      kind: "ntxent";
      head: string;
      views: string;
      temperature: number;
    }
  | {
      name: string;
      kind: "autoregressive";
      head: string;
      target: string;
      /** What the generative loss reads: the clean image (default) or the first augmented view. */
      input: "clean" | "view";
    }
  /** The contrastive and self-distillation family (issue 15); each reads two views of the batch. */
  | { name: string; kind: "supcon"; head: string; views: string; temperature: number }
  | {
      name: string;
      kind: "moco";
      head: string;
      /** The momentum (`ema`) head computing the keys. */
      key: string;
      views: string;
      /** Past keys kept in the FIFO queue, a multiple of the batch. */
      queue: number;
      temperature: number;
    }
  | { name: string; kind: "byol"; head: string; target: string; views: string }
  | { name: string; kind: "simsiam"; head: string; target: string; views: string }
  | { name: string; kind: "barlow_twins"; head: string; views: string; lambda: number }
  | { name: string; kind: "vicreg"; head: string; views: string; sim: number; var: number; cov: number }
  | {
      /** BEiT-style: a `ratio` of the tokens replaced by a learned mask vector, cross entropy on those (bits per masked dim). */
      name: string;
      kind: "masked";
      head: string;
      target: string;
      ratio: number;
      input: "clean" | "view";
    }
  | {
      /** MAE: the encoder reads the visible tokens only; a `decoder` head predicts the masked patches' per-patch normalised pixels (MSE). */
      name: string;
      kind: "reconstruct";
      head: string;
      target: string;
      ratio: number;
      input: "clean" | "view";
    };

/** The losses that read two augmented views of the batch (the rest read one pass each). */
export const VIEW_LOSSES = ["ntxent", "supcon", "moco", "byol", "simsiam", "barlow_twins", "vicreg"] as const;
export type ViewLossKind = (typeof VIEW_LOSSES)[number];
export function isViewLoss(loss: IRLoss): loss is Extract<IRLoss, { kind: ViewLossKind }> {
  return (VIEW_LOSSES as readonly string[]).includes(loss.kind);
}

/** A scalar weight: numbers, params and schedules of the training step. */
export type IRScalar =
  | { op: "num"; value: number }
  | { op: "param"; name: string; value: number }
  | { op: "add" | "sub" | "mul" | "div"; a: IRScalar; b: IRScalar }
  | { op: "neg"; a: IRScalar }
  /** x · min(1, step / steps) */
  | { op: "warmup"; x: IRScalar; steps: number }
  /** linear from `from` to `to` over `steps`, then `to` */
  | { op: "ramp"; from: IRScalar; to: IRScalar; steps: number }
  /** half-cosine from `from` to `to` over `steps`, then `to` */
  | { op: "cosine"; from: IRScalar; to: IRScalar; steps: number };

export interface IRObjective {
  /** objective = Σ weight_i · loss_i; a loss named twice is merged into one term. */
  terms: { loss: string; weight: IRScalar }[];
  /** The source text of the expression, for display. */
  text: string;
}

export interface IROptimizer {
  kind: "adam" | "adamw" | "sgd";
  lr: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
  momentum: number;
  warmup: number;
  schedule: "cosine" | "linear" | "constant";
  /** Floor of the lr schedule as a fraction of lr. */
  minLrRatio: number;
  /** Clip the global gradient norm to this; null for no clipping. */
  clip: number | null;
}

export interface IRTrain {
  data: string;
  /** Total optimizer steps (from `steps`, or `epochs` × ceil(dataset size / batch)). */
  steps: number;
  epochs: number | null;
  batch: number;
  evalEvery: number | null;
  checkpointEvery: number | null;
  logEvery: number;
  /** `keep_best: METRIC, keep: k`: the k best checkpoints by METRIC (at the evaluations) kept beside the last ones. */
  keepBest?: { metric: string; direction: "maximize" | "minimize"; keep: number };
}

/** What a probe reads of an encoder: `.pooled`, one block's pooled output `.layer(k)` (1-based),
 *  or `.layers` (every block; the probe chooses one on held-out data). */
export type IRFeatures =
  | { encoder: string; member: "pooled" }
  | { encoder: string; member: "layer"; layer: number }
  | { encoder: string; member: "layers" };

/** The reference figures a linear_probe or knn reports beside the trained encoder's (issue 12):
 *  the same protocol on the encoder at initialisation and on the raw pixels. */
export type IRBaseline = "init" | "pixels";

interface IRProtocolBase {
  /** False when the objective does not train what the protocol needs (reported, not run). */
  applicable: boolean;
  reason?: string;
}

export type IRProtocol = IRProtocolBase &
  (
    | {
        kind: "linear_probe";
        features: IRFeatures;
        train: string;
        /** Held-out set choosing the L2 strength (and the block of `.layers`); null: a tenth of `train`. */
        val: string | null;
        test: string;
        /** First-edition arguments, kept for old programs; the probe is solved to convergence and ignores them. */
        epochs: number;
        lr: number;
        baselines: IRBaseline[];
      }
    | { kind: "knn"; features: IRFeatures; k: number; train: string; test: string; temperature: number; baselines: IRBaseline[] }
    | { kind: "bits_per_dim"; data: string; head: string; tokenizer: string }
    | {
        kind: "ood";
        in: string;
        out: string;
        scores: ("likelihood" | "knn" | "mahalanobis")[];
        features: IRFeatures;
        train: string;
        k: number;
      }
    | {
        kind: "robustness";
        data: string;
        corruptions: string[];
        severities: number[];
        features: IRFeatures;
        train: string;
      }
    | { kind: "samples"; count: number; temperature: number; head: string; tokenizer: string }
  );

export interface IREstimates {
  /** Trainable parameters of the whole model (encoder + heads). */
  parameters: number;
  /** Multiply-adds ×2 of one training step (forward + backward ≈ 3× forward) for the whole batch. */
  flopsPerStep: number;
  /** Images pushed through the encoder per step (2·batch with a contrastive loss, +batch for a clean generative pass). */
  imagesPerStep: number;
}

export interface IRSweep {
  irVersion: 1;
  name: string;
  jobs: number;
  objectives: { direction: "maximize" | "minimize"; metric: string }[];
  /** Swept param names (for tables and plots). */
  params: string[];
  /** A grid's trials; for a search, none: its points are drawn when it runs (runtime/sweep/search.ts). */
  trials: IRTrial[];
  /** `search random(…)` / `search tpe(…)` over the params declared with a range. */
  search?: IRSearch;
  /** `prune = asha(…)`: stop trials whose evaluations cannot make the cut (runtime/sweep/asha.ts). */
  prune?: IRPrune;
  /** The sweep's `slurm(…)` statement: Slurm resources for `hgc sweep --on slurm` (the command line wins). */
  slurm?: IRSlurm;
}

export interface IRSlurm {
  partition?: string;
  /** As sbatch takes it: minutes, `H:MM:SS` or `D-HH:MM:SS`. */
  time?: string;
  cpus?: number;
  gpus?: number;
  mem?: string;
  sbatchArgs?: string[];
}

export interface IRTrial {
  /** sha256 of the trial's IR hash and seed: the trial's identity. */
  id: string;
  experiment: string;
  /** The grid point: param name → value. */
  point: Record<string, number>;
  seed: number;
  ir: IRExperiment;
}

export interface IRSearch {
  method: "random" | "tpe";
  /** Points to try; each runs once per seed. */
  trials: number;
  /** Seeds the sampler (not the trials: they take `seeds`, else their experiment's). */
  seed: number;
  /** Param → its range (`param lr = 1e-4..1e-2 log`); `int` when both bounds are integers. */
  space: Record<string, { low: number; high: number; log: boolean; int: boolean }>;
  experiments: string[];
  /** The sweep's `seeds`, or null for each experiment's own. */
  seeds: number[] | null;
}

export interface IRPrune {
  method: "asha";
  metric: string;
  direction: "maximize" | "minimize";
  /** Steps before the first rung. */
  grace: number;
  /** η: about 1/η of the trials reaching a rung go on. */
  reduction: number;
}
