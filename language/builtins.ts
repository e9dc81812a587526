// The built-ins of the language, each declared once: its category, doc, and every argument with
// its kind, range, default (as a value) and doc. The checker checks calls against this table and
// fills in its defaults; the IR schema, the language server, the TextMate grammar and the
// reference tables in docs/language.md are derived from it or tested against it. Adding an
// argument is one entry here plus its use in the runtime. Imports nothing.

export type BuiltinCategory =
  | "dataset"
  | "tokenizer"
  | "views"
  | "encoder"
  | "head"
  | "loss"
  | "optimizer"
  | "schedule"
  | "train"
  | "protocol"
  | "grid"
  | "search"
  | "prune"
  | "slurm";

/** A default as a value: what the compiler writes into the IR when the argument is absent. */
export type Value = number | boolean | string | readonly number[] | readonly string[];

/** Bounds of a number; absent bounds are open. Every number must also be finite. */
export interface Bounds {
  readonly gt?: number;
  readonly ge?: number;
  readonly lt?: number;
  readonly le?: number;
}

/** The declarations a name argument may refer to (the declaration keywords). */
export type RefKind = "dataset" | "tokens" | "views" | "encoder" | "head" | "loss" | "param";

/**
 * What an argument's value is:
 * - `int`, `number`: a number (literal, param, a tokenizer's `.vocab`/`.length`, arithmetic) in `range`
 * - `bool`; `string`; `strings` (a list of strings); `path` (a string, relative to the file); `size` (`HxW`)
 * - `choice`: one word of `values` (written bare, or quoted when `quoted`)
 * - `choices`: a list of words of `values`
 * - `interval`: `a..b` inside `range` (a crop)
 * - `ints`: a list of whole numbers in `range`, or `a..b` when `interval` is set
 * - `ref`: the name of a declaration of kind `refers`
 * - `features`: an encoder's `.pooled` (or `.tokens` where `tokens` is set)
 * - `scalar`: a weight — a number, a param or arithmetic of them (objective schedules)
 * - `metric`: the name of a metric the experiment's evaluations report (`knn.accuracy`)
 */
export type ArgKind = "int" | "number" | "bool" | "string" | "strings" | "path" | "size" | "choice" | "choices" | "interval" | "ints" | "ref" | "features" | "scalar" | "metric";

export interface ArgSpec {
  readonly name: string;
  readonly kind: ArgKind;
  readonly doc: string;
  readonly range?: Bounds;
  /** Why the range is what it is: the hint of an out-of-range value. */
  readonly why?: string;
  readonly default?: Value;
  /** True when the call is invalid without it. */
  readonly required?: boolean;
  /** When absent, the value is inferred (from the encoder, the objective, …): said so in the docs. */
  readonly inferred?: boolean;
  /** The closed set of words a `choice`/`choices` argument accepts. */
  readonly values?: readonly string[];
  /** A `choice` written as a string (`split: "test"`); a bare word is accepted too. */
  readonly quoted?: boolean;
  /** The declaration kind a `ref` names. */
  readonly refers?: RefKind;
  /** `features` that may also be `.tokens`; `ints` that may be written `a..b`. */
  readonly tokens?: boolean;
  readonly interval?: boolean;
  /** The type in words, where kind and range do not say it all ("int ≥ 1 dividing width"). */
  readonly type?: string;
  /** The IR field holding the value where it is not the camel-cased name; null when it is not in the IR as such. */
  readonly ir?: string | null;
  /** The form a `string` must have, named in words ("a Slurm time limit"); `why` is the hint when it has not. */
  readonly pattern?: { readonly regex: RegExp; readonly what: string };
  /** A valid value as source text (`"16G"`), for the hint of a value of the wrong kind. */
  readonly example?: string;
}

/** An argument with its type and default as words, derived once from its spec. */
export interface BuiltinArg extends ArgSpec {
  /** What the value must be, in words ("int ≥ 1", "size HxW", "name of a dataset"). */
  readonly type: string;
  /** The default as source text (`1e-3`, `cosine`, `[likelihood, knn]`, `1..5`); absent when none. */
  readonly defaultText?: string;
}

export interface Positional {
  readonly kind: ArgKind;
  readonly type: string;
  readonly doc: string;
  readonly required: boolean;
  readonly refers?: RefKind;
  readonly tokens?: boolean;
}

interface BuiltinSpec {
  readonly name: string;
  readonly category: BuiltinCategory;
  readonly doc: string;
  readonly args: readonly ArgSpec[];
  /** The leading positional argument, if the call takes one. */
  readonly positional?: Positional;
}

export interface Builtin extends BuiltinSpec {
  readonly args: readonly BuiltinArg[];
}

/** The corruptions of `robustness(corruptions: …)`, each at severities 1..5 (runtime/evaluate/corruptions.ts). */
export const CORRUPTIONS = [
  "gaussian_noise",
  "shot_noise",
  "impulse_noise",
  "blur",
  "contrast",
  "brightness",
  "rotate",
  "shear",
  "translate",
  "pixelate",
  "erase",
] as const;

/** The baselines of `linear_probe` and `knn` (issue 12): the same protocol on the encoder at initialisation and on the raw pixels. */
export const BASELINES = ["init", "pixels"] as const;

/** A Slurm time limit as sbatch reads it: minutes, `MM:SS`, `H:MM:SS`, `D-H`, `D-H:MM`, `D-H:MM:SS`. */
export const SLURM_TIME = /^(\d+-)?\d+(:\d+){0,2}$/;
/** A Slurm memory size as sbatch reads it: a number with an optional K, M, G or T. */
export const SLURM_MEM = /^\d+[KMGT]?$/i;

/** The scores of `ood(scores: …)`. */
export const OOD_SCORES = ["likelihood", "knn", "mahalanobis"] as const;

// ---------------------------------------------------------------------------------------------
// Shared argument specs

const POSITIVE: Bounds = { ge: 1 };
const PROBABILITY = { range: { ge: 0, le: 1 }, why: "a probability is between 0 and 1" } as const;
const LEVELS: ArgSpec = {
  name: "levels",
  kind: "int",
  range: { ge: 2, le: 256 },
  why: "a pixel is quantized to between 2 and 256 values (8 is the usual choice)",
  doc: "Values per pixel (the vocabulary).",
  required: true,
};

const SPLIT: ArgSpec = {
  name: "split",
  kind: "choice",
  quoted: true,
  type: "string",
  doc: "Which part of the source: \"train\", \"test\", \"val\" or \"all\".",
  default: "train",
  values: ["train", "test", "val", "all"],
};
const LIMIT: ArgSpec = { name: "limit", kind: "int", range: POSITIVE, doc: "Keep at most this many images (after the split)." };
const SIZE: ArgSpec = { name: "size", kind: "size", doc: "Resize every image to this size." };
const COMMON_DATASET_ARGS = [SPLIT, LIMIT, SIZE];

const SCHEDULE_ARGS: ArgSpec[] = [
  { name: "lr", kind: "number", range: { gt: 0, lt: 1 }, why: "learning rates are small positive numbers, e.g. `lr: 1e-3`", doc: "Peak learning rate.", default: 1e-3 },
  { name: "warmup", kind: "int", range: { ge: 0 }, doc: "Linear warm-up steps from 0 to `lr`.", default: 0 },
  { name: "schedule", kind: "choice", doc: "Learning-rate decay after warm-up.", default: "cosine", values: ["cosine", "linear", "constant"] },
  { name: "min_lr_ratio", kind: "number", range: { ge: 0, le: 1 }, doc: "Floor of the decay as a fraction of `lr`.", default: 0 },
  {
    name: "clip",
    kind: "number",
    range: { gt: 0 },
    why: "the global gradient norm is clipped to this positive value, e.g. `clip: 1.0`",
    doc: "Clip the global gradient norm to this value (no clipping when absent).",
  },
];
const ADAM_ARGS: ArgSpec[] = [
  { name: "beta1", kind: "number", range: { ge: 0, lt: 1 }, doc: "First-moment decay.", default: 0.9 },
  { name: "beta2", kind: "number", range: { ge: 0, lt: 1 }, doc: "Second-moment decay.", default: 0.999 },
  { name: "eps", kind: "number", range: { gt: 0 }, doc: "Denominator epsilon.", default: 1e-8 },
];

const FEATURES: ArgSpec = { name: "features", kind: "features", doc: "The representation evaluated, e.g. `enc.pooled`." };
/** `baselines:` of linear_probe and knn (issue 12). */
const BASELINES_ARG: ArgSpec = {
  name: "baselines",
  kind: "choices",
  doc: "Reference figures beside the trained ones: `init` (the encoder at initialisation, same seed) and `pixels` (the raw images); `[]` for none.",
  default: BASELINES,
  values: BASELINES,
};
const HEAD_INPUT: Positional = {
  kind: "features",
  tokens: true,
  type: "encoder `.pooled` or `.tokens`, or a vector head",
  doc: "What the head reads: an encoder's features, or another head's output (a predictor on a projection).",
  required: true,
};
const TWO_VIEWS: ArgSpec = { name: "views", kind: "ref", refers: "views", doc: "How the two views are drawn.", required: true };
const TEMPERATURE = (usual: string, value: number): ArgSpec => ({
  name: "temperature",
  kind: "number",
  range: { gt: 0 },
  why: `the similarities are divided by the temperature; ${usual} is usual`,
  doc: "Softmax temperature.",
  default: value,
});
const WEIGHT = (name: string, doc: string, value: number): ArgSpec => ({ name, kind: "number", range: { ge: 0 }, why: "a weight of a term is not negative", doc, default: value });
const HEAD_IN: ArgSpec = {
  name: "in",
  kind: "int",
  range: POSITIVE,
  inferred: true,
  ir: "inWidth",
  doc: "The input width the head expects; checked against the encoder width (HGC041).",
};
const WEIGHT_SCHEDULE_ARGS = (what: string): ArgSpec[] => [
  { name: "from", kind: "scalar", doc: "Weight at step 0.", required: true },
  { name: "to", kind: "scalar", doc: "Weight from `steps` on.", required: true },
  { name: "steps", kind: "int", range: POSITIVE, doc: `Length of the ${what}.`, required: true },
];
const GEN_HEAD: ArgSpec = {
  name: "head",
  kind: "ref",
  refers: "head",
  type: "name of a per-token head",
  inferred: true,
  doc: "The next-token head (inferred from the autoregressive loss when absent).",
};

// ---------------------------------------------------------------------------------------------
// The table

/** The arguments of every search method. */
const SEARCH_ARGS: readonly ArgSpec[] = [
  { name: "trials", kind: "int", range: { ge: 1 }, doc: "How many points to try (each once per seed).", required: true },
  { name: "seed", kind: "int", range: { ge: 0 }, doc: "Seeds the sampler (the trials take the sweep's `seeds`).", default: 0 },
];

const SPECS: readonly BuiltinSpec[] = [
  // Dataset sources
  { name: "mnist", category: "dataset", doc: "MNIST handwritten digits, 28×28 grey, 10 classes (shipped with the package).", args: COMMON_DATASET_ARGS },
  { name: "fashion_mnist", category: "dataset", doc: "Fashion-MNIST clothing images, 28×28 grey, 10 classes (shipped with the package).", args: COMMON_DATASET_ARGS },
  {
    name: "synthetic",
    category: "dataset",
    doc: "Procedurally drawn labelled images with real class structure; seeded and fast, for tests and demos.",
    args: [
      SPLIT,
      LIMIT,
      { name: "size", kind: "size", doc: "Image size.", default: [28, 28] },
      { name: "count", kind: "int", range: POSITIVE, doc: "Images generated per split.", default: 2000 },
      { name: "classes", kind: "int", range: { ge: 2 }, doc: "Number of classes.", default: 10 },
      { name: "noise", kind: "number", range: { ge: 0 }, doc: "Std of the pixel noise.", default: 0.1 },
      { name: "seed", kind: "int", doc: "Seed of the generator.", default: 0 },
    ],
  },
  {
    name: "idx",
    category: "dataset",
    doc: "Images and labels in the IDX format of MNIST.",
    args: [
      { name: "images", kind: "path", doc: "IDX file of images (relative to this file).", required: true },
      { name: "labels", kind: "path", doc: "IDX file of labels (relative to this file).", required: true },
      ...COMMON_DATASET_ARGS,
    ],
  },
  {
    name: "cifar",
    category: "dataset",
    doc: "CIFAR-10 or CIFAR-100 in the binary format, 32×32 colour.",
    args: [
      { name: "path", kind: "path", doc: "Folder of the binary batches (relative to this file).", required: true },
      { name: "classes", kind: "int", type: "10 or 100", doc: "CIFAR-10 or CIFAR-100.", default: 10 },
      ...COMMON_DATASET_ARGS,
    ],
  },
  {
    name: "folder",
    category: "dataset",
    doc: "PNG images, one sub-folder per class.",
    args: [{ name: "path", kind: "path", doc: "The folder (relative to this file).", required: true }, ...COMMON_DATASET_ARGS],
  },

  // Tokenizers
  {
    name: "quantize",
    category: "tokenizer",
    doc: "Resize, quantize each pixel to `levels` values, read in raster order: one token per pixel (`.length` = H·W, `.vocab` = levels).",
    args: [{ name: "size", kind: "size", doc: "Size the image is resized to.", required: true, ir: "imageSize" }, LEVELS],
  },
  {
    name: "patches",
    category: "tokenizer",
    doc: "Cut the image into P×P patches in raster order: one token per patch (`.length` = patches, `.vocab` = levels).",
    args: [
      { name: "size", kind: "int", range: POSITIVE, type: "int P ≥ 1 dividing the image size", doc: "Patch side P.", required: true, ir: "patch" },
      { ...LEVELS, doc: "Quantization levels per pixel." },
    ],
  },

  // Views
  {
    name: "augment",
    category: "views",
    doc: "Draw two augmented views of each image for the contrastive loss.",
    args: [
      { name: "crop", kind: "interval", range: { gt: 0, le: 1 }, why: "a crop keeps a fraction of the image area, e.g. `crop: 0.6..1.0`", doc: "Random resized crop: fraction of the area kept." },
      { name: "flip", kind: "number", ...PROBABILITY, type: "probability", doc: "Probability of a horizontal flip.", default: 0 },
      { name: "noise", kind: "number", range: { ge: 0 }, doc: "Std of additive gaussian noise (pixels in 0..1).", default: 0 },
      { name: "jitter", kind: "number", range: { ge: 0 }, doc: "Brightness/contrast jitter strength.", default: 0 },
      { name: "erase", kind: "number", ...PROBABILITY, type: "probability", doc: "Probability of erasing a random rectangle.", default: 0 },
      { name: "rotate", kind: "number", range: { ge: 0, le: 180 }, type: "degrees in [0, 180]", doc: "Maximum absolute rotation.", default: 0 },
    ],
  },

  // Encoder
  {
    name: "transformer",
    category: "encoder",
    doc: "A pre-LayerNorm Transformer over the token sequence; exposes `.tokens` [batch, length, width] and `.pooled` [batch, width].",
    args: [
      { name: "tokens", kind: "ref", refers: "tokens", doc: "The token sequence it reads.", required: true },
      { name: "layers", kind: "int", range: POSITIVE, doc: "Number of Transformer blocks.", required: true },
      { name: "width", kind: "int", range: POSITIVE, doc: "Model width (embedding size).", required: true },
      { name: "heads", kind: "int", range: POSITIVE, type: "int ≥ 1 dividing width", doc: "Attention heads.", required: true },
      { name: "mlp", kind: "number", range: { gt: 0 }, doc: "MLP hidden size as a multiple of width.", default: 4 },
      { name: "causal", kind: "bool", doc: "Mask attention to earlier positions (needed by an autoregressive loss).", default: false },
      { name: "pool", kind: "choice", doc: "How `.pooled` summarises the tokens.", default: "mean", values: ["mean", "last", "max"] },
      { name: "dropout", kind: "number", range: { ge: 0, lt: 1 }, doc: "Dropout rate.", default: 0 },
    ],
  },

  {
    name: "resnet",
    category: "encoder",
    doc: "A small ResNet over the experiment's images (GroupNorm; issue 16); exposes `.pooled` [batch, C] (C the last stage's channels), `.layer(k)` (stage k pooled) and `.layers`, no `.tokens`.",
    args: [
      { name: "depth", kind: "int", range: { ge: 8, le: 18 }, type: "8, 10 or 18", doc: "8: three stages of one basic block; 10: four stages of one; 18: four stages of two.", default: 10 },
      { name: "width", kind: "int", range: POSITIVE, ir: null, doc: "Channels of the first stage (IR `channels[0]`); stage k has width·2^(k−1).", default: 16 },
      { name: "pool", kind: "choice", doc: "How `.pooled` and `.layer(k)` summarise a stage's positions.", default: "mean", values: ["mean", "max"] },
      {
        name: "stem_stride",
        kind: "int",
        range: { ge: 1, le: 2 },
        type: "1 or 2",
        why: "1 keeps the image's resolution through the first stage (the small-image ResNets), 2 halves it in the stem (as the ImageNet ResNets' stem does)",
        doc: "Stride of the 3×3 stem: 1 keeps the image's size in stage 1; 2 halves it, making every stage a quarter of the cost.",
        default: 1,
        ir: null,
      },
    ],
  },

  // Heads
  {
    name: "mlp",
    category: "head",
    doc: "A multi-layer perceptron head (ReLU between layers).",
    positional: HEAD_INPUT,
    args: [
      { name: "hidden", kind: "ints", range: POSITIVE, doc: "Hidden layer widths.", default: [] },
      { name: "out", kind: "int", range: POSITIVE, doc: "Output width.", required: true },
      HEAD_IN,
    ],
  },
  {
    name: "linear",
    category: "head",
    doc: "A linear head; on `.tokens` it is applied at every position.",
    positional: HEAD_INPUT,
    args: [{ name: "out", kind: "int", range: POSITIVE, doc: "Output width, e.g. `pixels.vocab`.", required: true }, HEAD_IN],
  },
  {
    name: "ema",
    category: "head",
    doc: "A momentum copy of a head and of every head and encoder under it, following it after each step as θ' ← d·θ' + (1−d)·θ, never by gradients; it has the head's shape.",
    positional: { kind: "ref", refers: "head", type: "name of a head", doc: "The head copied, with everything under it.", required: true },
    args: [
      {
        name: "decay",
        kind: "number",
        range: { ge: 0, lt: 1 },
        why: "each step keeps d of the copy and takes 1 − d of the head: 0 copies it outright, 1 would never move; 0.99 to 0.999 is usual",
        doc: "The momentum d.",
        default: 0.99,
        ir: null,
      },
    ],
  },

  {
    name: "decoder",
    category: "head",
    doc: "MAE's light decoder (issue 16): a non-causal Transformer over the encoder's tokens with mask tokens restored at the masked positions, one output per token (a patch's pixels); only `reconstruct` reads it.",
    positional: { kind: "ref", refers: "encoder", type: "name of a transformer encoder", doc: "The encoder whose visible tokens it decodes.", required: true },
    args: [
      { name: "layers", kind: "int", range: POSITIVE, doc: "Transformer blocks of the decoder.", default: 1 },
      { name: "width", kind: "int", range: POSITIVE, doc: "The decoder's width.", default: 32 },
      { name: "heads", kind: "int", range: POSITIVE, type: "int ≥ 1 dividing width", doc: "Attention heads of the decoder.", default: 2 },
      { name: "mlp", kind: "number", range: { gt: 0 }, doc: "MLP hidden size of its blocks as a multiple of its width.", default: 4 },
    ],
  },

  // Losses
  {
    name: "ntxent",
    category: "loss",
    doc: "SimCLR's NT-Xent contrastive loss over the 2N views of a batch.",
    positional: { kind: "ref", refers: "head", type: "name of a vector head", doc: "The projection head.", required: true },
    args: [
      { name: "views", kind: "ref", refers: "views", doc: "How the two views are drawn.", required: true },
      {
        name: "temperature",
        kind: "number",
        range: { gt: 0 },
        why: "the similarities are divided by the temperature; 0.1 to 0.5 is usual",
        doc: "Softmax temperature.",
        default: 0.1,
      },
    ],
  },
  {
    name: "supcon",
    category: "loss",
    doc: "Supervised contrastive loss (Khosla et al. 2020): every other view of the same class is a positive; uses the training set's labels.",
    positional: { kind: "ref", refers: "head", type: "name of a vector head", doc: "The projection head.", required: true },
    args: [TWO_VIEWS, TEMPERATURE("0.07 to 0.2", 0.1)],
  },
  {
    name: "moco",
    category: "loss",
    doc: "MoCo's InfoNCE (He et al. 2020): the head's first view against the key head's second view, with a FIFO queue of past keys as negatives.",
    positional: { kind: "ref", refers: "head", type: "name of a vector head", doc: "The query head.", required: true },
    args: [
      { name: "key", kind: "ref", refers: "head", type: "name of an `ema` head", doc: "The momentum head computing the keys.", required: true },
      TWO_VIEWS,
      { name: "queue", kind: "int", range: POSITIVE, type: "int ≥ 1, a multiple of the batch", doc: "Past keys kept as negatives.", default: 4096 },
      TEMPERATURE("0.07 to 0.2", 0.2),
    ],
  },
  {
    name: "byol",
    category: "loss",
    doc: "BYOL (Grill et al. 2020): symmetrised normalised MSE between the predictor's output on one view and the target on the other; the target's gradient is stopped.",
    positional: { kind: "ref", refers: "head", type: "name of a vector head", doc: "The predictor (a head on the projection).", required: true },
    args: [{ name: "target", kind: "ref", refers: "head", type: "name of a vector head (an `ema` head)", doc: "The target head.", required: true }, TWO_VIEWS],
  },
  {
    name: "simsiam",
    category: "loss",
    doc: "SimSiam (Chen & He 2021): negative cosine between the predictor's output on one view and the target on the other, symmetrised; the target's gradient is stopped.",
    positional: { kind: "ref", refers: "head", type: "name of a vector head", doc: "The predictor (a head on the projection).", required: true },
    args: [{ name: "target", kind: "ref", refers: "head", type: "name of a vector head", doc: "The target head (the projection the predictor reads).", required: true }, TWO_VIEWS],
  },
  {
    name: "barlow_twins",
    category: "loss",
    doc: "Barlow Twins (Zbontar et al. 2021): the two views' cross-correlation matrix driven to the identity.",
    positional: { kind: "ref", refers: "head", type: "name of a vector head", doc: "The projection head.", required: true },
    args: [TWO_VIEWS, WEIGHT("lambda", "Weight of the off-diagonal (redundancy) terms.", 0.005)],
  },
  {
    name: "vicreg",
    category: "loss",
    doc: "VICReg (Bardes et al. 2022): invariance, variance and covariance terms, weighted.",
    positional: { kind: "ref", refers: "head", type: "name of a vector head", doc: "The projection head.", required: true },
    args: [
      TWO_VIEWS,
      WEIGHT("sim", "Weight of the invariance term (mean squared distance of the views).", 25),
      WEIGHT("var", "Weight of the variance term (hinge on each feature's std).", 25),
      WEIGHT("cov", "Weight of the covariance term (off-diagonal covariances).", 1),
    ],
  },
  {
    name: "autoregressive",
    category: "loss",
    doc: "Next-token cross entropy of the image as a token sequence, reported in bits/dim.",
    positional: { kind: "ref", refers: "head", type: "name of a per-token head", doc: "The next-token logits head.", required: true },
    args: [
      { name: "target", kind: "ref", refers: "tokens", doc: "The token sequence predicted.", required: true },
      {
        name: "input",
        kind: "choice",
        doc: "What the generative pass reads: the clean image or the first augmented view.",
        default: "clean",
        values: ["clean", "view"],
      },
    ],
  },

  // Masked modelling (issue 16)
  {
    name: "masked",
    category: "loss",
    doc: "BEiT-style masked-token prediction: a fraction of the tokens replaced by a learned mask vector, cross entropy on those, reported in bits per masked dim; needs a non-causal encoder.",
    positional: { kind: "ref", refers: "head", type: "name of a per-token head", doc: "The head predicting each token's values.", required: true },
    args: [
      { name: "target", kind: "ref", refers: "tokens", doc: "The token sequence masked and predicted.", required: true },
      { name: "ratio", kind: "number", range: { gt: 0, lt: 1 }, why: "a fraction of the tokens is masked, some and not all", doc: "Fraction of each image's tokens masked (rounded; at least one, never all).", default: 0.4 },
      { name: "input", kind: "choice", doc: "What the pass reads: the clean image or the first augmented view.", default: "clean", values: ["clean", "view"] },
    ],
  },
  {
    name: "reconstruct",
    category: "loss",
    doc: "MAE: the encoder reads the visible tokens only, a `decoder` head predicts the masked patches' pixels; mean squared error of per-patch normalised pixels. Needs `patches` tokens.",
    positional: { kind: "ref", refers: "head", type: "name of a decoder head", doc: "The decoder.", required: true },
    args: [
      { name: "target", kind: "ref", refers: "tokens", doc: "The patches masked and reconstructed.", required: true },
      { name: "ratio", kind: "number", range: { gt: 0, lt: 1 }, why: "a fraction of the patches is masked, some and not all", doc: "Fraction of each image's patches masked (rounded; at least one, never all).", default: 0.75 },
      { name: "input", kind: "choice", doc: "What the pass reads: the clean image or the first augmented view.", default: "clean", values: ["clean", "view"] },
    ],
  },

  // Optimizers
  {
    name: "adam",
    category: "optimizer",
    doc: "Adam: per-parameter step sizes from running moments of the gradient; no weight decay.",
    args: [...SCHEDULE_ARGS, ...ADAM_ARGS],
  },
  {
    name: "adamw",
    category: "optimizer",
    doc: "Adam with decoupled weight decay.",
    args: [...SCHEDULE_ARGS, { name: "weight_decay", kind: "number", range: { ge: 0 }, doc: "Decoupled weight decay.", default: 0.01 }, ...ADAM_ARGS],
  },
  {
    name: "sgd",
    category: "optimizer",
    doc: "Stochastic gradient descent with momentum.",
    args: [
      ...SCHEDULE_ARGS,
      { name: "momentum", kind: "number", range: { ge: 0, lt: 1 }, doc: "Momentum.", default: 0.9 },
      { name: "weight_decay", kind: "number", range: { ge: 0 }, doc: "L2 weight decay.", default: 0 },
    ],
  },

  // Objective weight schedules (functions of the training step)
  {
    name: "warmup",
    category: "schedule",
    doc: "`x · min(1, step / steps)`: a weight that grows linearly from 0 to x.",
    positional: { kind: "scalar", type: "number or param", doc: "The weight reached after `steps`.", required: true },
    args: [{ name: "steps", kind: "int", range: POSITIVE, doc: "Steps to reach the full weight.", required: true }],
  },
  { name: "ramp", category: "schedule", doc: "A weight going linearly from `from` to `to` over `steps`, then `to`.", args: WEIGHT_SCHEDULE_ARGS("ramp") },
  { name: "cosine", category: "schedule", doc: "A weight going along a half cosine from `from` to `to` over `steps`, then `to`.", args: WEIGHT_SCHEDULE_ARGS("schedule") },

  // Training
  {
    name: "train",
    category: "train",
    doc: "How the objective is optimised: data, length, batch size and intervals.",
    args: [
      { name: "data", kind: "ref", refers: "dataset", doc: "The training set.", required: true },
      { name: "steps", kind: "int", range: POSITIVE, doc: "Optimizer steps (give `steps` or `epochs`)." },
      { name: "epochs", kind: "int", range: POSITIVE, doc: "Passes over the data (give `steps` or `epochs`)." },
      { name: "batch", kind: "int", range: POSITIVE, type: "int ≥ 1 (≥ 2 with a contrastive loss)", doc: "Images per step.", default: 64 },
      { name: "eval_every", kind: "int", range: POSITIVE, doc: "Evaluate every this many steps (only at the end when absent)." },
      { name: "checkpoint_every", kind: "int", range: POSITIVE, doc: "Checkpoint every this many steps (only at the end when absent)." },
      { name: "log_every", kind: "int", range: POSITIVE, doc: "Emit a step event every this many steps.", default: 10 },
      {
        name: "keep_best",
        kind: "metric",
        doc: "Keep the best checkpoints by this metric of the evaluations during training (maximised; minimised for `bits_per_dim`, losses and error rates), beside the last ones; `hgc eval RUN --best` evaluates the best.",
        // in the IR as train.keepBest (with the metric's direction), not a field of its own
        ir: null,
      },
      { name: "keep", kind: "int", range: POSITIVE, doc: "How many best checkpoints `keep_best` keeps.", default: 1, ir: null },
    ],
  },

  // Evaluation protocols
  {
    name: "linear_probe",
    category: "protocol",
    doc: "Fit a linear classifier on frozen features, solved to convergence (L-BFGS, L2 chosen on held-out data); reports `accuracy`, `ece` and the baselines.",
    args: [
      {
        ...FEATURES,
        type: "encoder `.pooled`, `.layer(k)` or `.layers`",
        doc: "The representation evaluated: `enc.pooled`, block k's output `enc.layer(k)`, or every block `enc.layers` (the best on held-out data, reported as `layer`).",
        required: true,
      },
      { name: "train", kind: "ref", refers: "dataset", doc: "Data the probe is fitted on.", required: true },
      { name: "val", kind: "ref", refers: "dataset", doc: "Held-out data choosing the L2 strength (and the block of `.layers`); a tenth of `train` when absent." },
      { name: "test", kind: "ref", refers: "dataset", doc: "Data the probe is scored on.", required: true },
      BASELINES_ARG,
      { name: "epochs", kind: "int", range: POSITIVE, doc: "Deprecated and ignored: the probe is solved to convergence (kept so first-edition programs still check).", default: 10 },
      { name: "lr", kind: "number", range: { gt: 0 }, doc: "Deprecated and ignored, as `epochs`.", default: 1e-2 },
    ],
  },
  {
    name: "knn",
    category: "protocol",
    doc: "k-nearest-neighbour classification on frozen features (cosine similarity); reports `accuracy`.",
    args: [
      { ...FEATURES, type: "encoder `.pooled` or `.layer(k)`", doc: "The representation evaluated: `enc.pooled` or block k's output `enc.layer(k)`.", required: true },
      { name: "k", kind: "int", range: POSITIVE, doc: "Neighbours consulted.", default: 20 },
      { name: "train", kind: "ref", refers: "dataset", doc: "The labelled memory bank.", required: true },
      { name: "test", kind: "ref", refers: "dataset", doc: "Data classified.", required: true },
      { name: "temperature", kind: "number", range: { gt: 0 }, doc: "Weighting temperature of the neighbours' votes.", default: 0.07 },
      BASELINES_ARG,
    ],
  },
  {
    name: "bits_per_dim",
    category: "protocol",
    doc: "Negative log-likelihood of the data under the generative head, in bits per dimension.",
    args: [{ name: "data", kind: "ref", refers: "dataset", doc: "Data scored.", required: true }, GEN_HEAD],
  },
  {
    name: "ood",
    category: "protocol",
    doc: "Out-of-distribution detection: tell `in` from `out` by each score; reports `auroc` per score.",
    args: [
      { name: "in", kind: "ref", refers: "dataset", doc: "In-distribution test data.", required: true },
      { name: "out", kind: "ref", refers: "dataset", doc: "Outlier data.", required: true },
      { name: "scores", kind: "choices", doc: "OOD scores to compute.", default: ["likelihood", "knn"], values: OOD_SCORES },
      {
        ...FEATURES,
        type: "encoder `.pooled` or `.layer(k)`",
        inferred: true,
        doc: "Features for the kNN and Mahalanobis scores: `enc.pooled` or block k's output `enc.layer(k)` (the first encoder's `.pooled` when absent).",
      },
      { name: "train", kind: "ref", refers: "dataset", inferred: true, doc: "Reference data for the feature scores (the training set when absent)." },
      { name: "k", kind: "int", range: POSITIVE, doc: "Neighbours for the kNN score.", default: 20 },
    ],
  },
  {
    name: "robustness",
    category: "protocol",
    doc: "Linear-probe accuracy under seeded corruptions of the test data at each severity.",
    args: [
      { name: "data", kind: "ref", refers: "dataset", doc: "Data corrupted.", required: true },
      { name: "corruptions", kind: "choices", doc: "Corruptions applied.", default: ["gaussian_noise", "blur", "contrast", "rotate"], values: CORRUPTIONS },
      {
        name: "severities",
        kind: "ints",
        interval: true,
        range: { ge: 1, le: 5 },
        why: "corruptions are defined at severities 1 to 5",
        type: "range or list of int in [1, 5]",
        doc: "Severities applied.",
        default: [1, 2, 3, 4, 5],
      },
      {
        ...FEATURES,
        type: "encoder `.pooled` or `.layer(k)`",
        inferred: true,
        doc: "Features classified: `enc.pooled` or block k's output `enc.layer(k)` (the first encoder's `.pooled` when absent).",
      },
      { name: "train", kind: "ref", refers: "dataset", inferred: true, doc: "The labelled memory bank (the training set when absent)." },
    ],
  },
  {
    name: "samples",
    category: "protocol",
    doc: "Draw images from the generative head, saved as a PNG grid.",
    args: [
      { name: "count", kind: "int", range: POSITIVE, doc: "Images drawn.", default: 16 },
      { name: "temperature", kind: "number", range: { gt: 0 }, doc: "Sampling temperature.", default: 1 },
      GEN_HEAD,
    ],
  },

  // Sweep grids
  {
    name: "simplex",
    category: "grid",
    doc: "In `grid (a, b, …) = simplex(step: s)`: every point with coordinates on multiples of `step` that sum to 1.",
    args: [{ name: "step", kind: "number", range: { gt: 0, le: 1 }, doc: "Grid spacing; 1/step must be an integer.", required: true }],
  },

  // Sweep searches (`search random(…)`): over the params declared with a range (runtime/sweep/search.ts)
  {
    name: "random",
    category: "search",
    doc: "In `search random(trials: N)`: N points drawn uniformly (log-uniformly for a `log` range) from the seed alone, all known at the start.",
    args: SEARCH_ARGS,
  },
  {
    name: "tpe",
    category: "search",
    doc: "In `search tpe(trials: N)`: the Tree-structured Parzen Estimator (Bergstra et al. 2011); random points first, then each batch of `jobs` proposed from the results before it. Needs `objectives`.",
    args: SEARCH_ARGS,
  },

  // Sweep pruning (`prune = asha(…)`): runtime/sweep/asha.ts
  {
    name: "asha",
    category: "prune",
    doc: "Asynchronous successive halving: rungs at `grace`·`reduction`^k steps; a trial goes on only when its metric there is in the top 1/`reduction` of the trials that reached the rung (Optuna's rule). A stopped trial is `pruned`, its checkpoint kept.",
    args: [
      { name: "metric", kind: "metric", doc: "The metric of the evaluations during training the rungs compare (its direction from `objectives`, else maximised but for bits/dim, losses, error rates).", required: true },
      { name: "grace", kind: "int", range: POSITIVE, doc: "Training steps before the first rung.", required: true },
      { name: "reduction", kind: "int", range: { ge: 2 }, doc: "η: each rung keeps about 1/η of the trials that reach it.", default: 3 },
    ],
  },

  // The sweep's `slurm(…)` statement (compiler/slurm.ts; runtime/sweep/slurm.ts makes the sbatch
  // options). An absent argument stays absent in the IR, so `hgc sweep --on slurm`'s options can
  // take its place; defaults are Slurm's (or the runtime's, for `cpus`).
  {
    name: "slurm",
    category: "slurm",
    doc: "In a sweep, `slurm(…)`: the resources each trial's task asks Slurm for when the sweep runs with `hgc sweep --on slurm`; the command line's options win, field by field. It changes no trial.",
    args: [
      { name: "partition", kind: "string", example: '"gpu"', doc: "The partition the tasks run in (sbatch `--partition`); the cluster's default when absent." },
      {
        name: "time",
        kind: "string",
        type: "minutes, or string `\"H:MM:SS\"`",
        pattern: { regex: SLURM_TIME, what: "a Slurm time limit" },
        why: 'write minutes (`time: 30`), `"2:00:00"` or `"1-00:00:00"`',
        example: '"2:00:00"',
        doc: "Each task's time limit (sbatch `--time`): a whole number of minutes, `\"2:00:00\"` or `\"1-00:00:00\"`; the partition's limit when absent.",
      },
      { name: "cpus", kind: "int", range: POSITIVE, doc: "CPUs per task (sbatch `--cpus-per-task`).", default: 1 },
      { name: "gpus", kind: "int", range: { ge: 0 }, doc: "GPUs per task (sbatch `--gpus-per-task`); none when absent." },
      {
        name: "mem",
        kind: "string",
        pattern: { regex: SLURM_MEM, what: "a Slurm memory size" },
        why: 'write e.g. `mem: "16G"` or `mem: "16000M"`',
        example: '"16G"',
        doc: "Memory per task's node (sbatch `--mem`): a number with K, M, G or T; the cluster's default when absent.",
      },
      { name: "sbatch_args", kind: "strings", example: '["--account=lab"]', doc: "Further sbatch arguments, passed as given (`[\"--account=lab\", \"--qos=short\"]`)." },
    ],
  },
];

/** The built-in category a declaration's call belongs to (`tokens t = quantize(…)`: tokenizer). */
export const CATEGORY_OF_DECL: Readonly<Record<Exclude<RefKind, "param">, BuiltinCategory>> = {
  dataset: "dataset",
  tokens: "tokenizer",
  views: "views",
  encoder: "encoder",
  head: "head",
  loss: "loss",
};

// ---------------------------------------------------------------------------------------------
// Derived words

/** A declaration kind in words ("a tokenizer"): the checker's messages and the argument types say it so. */
export const REF_WORDS: Readonly<Record<RefKind, string>> = {
  dataset: "a dataset",
  tokens: "a tokenizer",
  views: "a views declaration",
  encoder: "an encoder",
  head: "a head",
  loss: "a loss",
  param: "a param",
};

/** A bound as written in the docs: 0.001 as `1e-3`. */
export function formatNumber(n: number): string {
  if (n !== 0 && Math.abs(n) < 0.005) return n.toExponential().replace(/\.?0*e/, "e").replace("e-0", "e-").replace("e+", "e");
  return String(n);
}

/** "number in (0, 1)", "int ≥ 1", "int in [2, 256]" */
export function describeBounds(kind: "int" | "number", r: Bounds | undefined): string {
  if (!r) return kind;
  const lo = r.gt ?? r.ge;
  const hi = r.lt ?? r.le;
  if (lo !== undefined && hi !== undefined) return `${kind} in ${r.gt !== undefined ? "(" : "["}${formatNumber(lo)}, ${formatNumber(hi)}${r.lt !== undefined ? ")" : "]"}`;
  if (r.gt !== undefined) return `${kind} > ${formatNumber(r.gt)}`;
  if (r.ge !== undefined) return `${kind} ≥ ${formatNumber(r.ge)}`;
  if (r.lt !== undefined) return `${kind} < ${formatNumber(r.lt)}`;
  if (r.le !== undefined) return `${kind} ≤ ${formatNumber(r.le)}`;
  return kind;
}

function typeOf(a: ArgSpec | Positional): string {
  if (a.type) return a.type;
  const range = "range" in a ? a.range : undefined;
  switch (a.kind) {
    case "int":
    case "number":
      return describeBounds(a.kind, range);
    case "bool":
      return "bool";
    case "string":
      return "string";
    case "strings":
      return "list of strings";
    case "path":
      return "string path";
    case "size":
      return "size HxW";
    case "choice":
      return "name";
    case "choices":
      return "list of names";
    case "interval":
      return `range ${describeBounds("number", range).replace(/^number /, "")}`;
    case "ints":
      return "list of int";
    case "ref":
      return `name of ${REF_WORDS[a.refers ?? "dataset"]}`;
    case "features":
      return a.tokens ? "encoder `.pooled` or `.tokens`" : "encoder `.pooled`";
    case "scalar":
      return "number or param";
    case "metric":
      return "metric name";
  }
}

/** A default as source text: `1e-3`, `"train"`, `cosine`, `[likelihood, knn]`, `1..5`, `28x28`, `false`. */
function defaultTextOf(a: ArgSpec): string | undefined {
  const v = a.default;
  if (v === undefined) return undefined;
  if (typeof v === "number") return formatNumber(v);
  if (typeof v === "boolean") return String(v);
  if (typeof v === "string") return a.quoted ? JSON.stringify(v) : v;
  if (a.kind === "size") return `${v[0]}x${v[1]}`;
  const list = v as readonly (number | string)[];
  const consecutive = list.length > 2 && list.every((x, i) => typeof x === "number" && (i === 0 || x === (list[i - 1] as number) + 1));
  if (a.interval && consecutive) return `${list[0]}..${list[list.length - 1]}`;
  return `[${list.map((x) => (typeof x === "number" ? formatNumber(x) : x)).join(", ")}]`;
}

function finish(spec: BuiltinSpec): Builtin {
  const args = spec.args.map((a): BuiltinArg => {
    const text = defaultTextOf(a);
    return { ...a, type: typeOf(a), ...(text !== undefined ? { defaultText: text } : {}) };
  });
  return { ...spec, args, ...(spec.positional ? { positional: { ...spec.positional, type: typeOf(spec.positional) } } : {}) };
}

export const BUILTINS: readonly Builtin[] = SPECS.map(finish);

const BUILTIN_INDEX = new Map<string, Builtin>(BUILTINS.map((b) => [b.name, b]));
const ARG_INDEX = new Map<string, BuiltinArg>(BUILTINS.flatMap((b) => b.args.map((a) => [`${b.name}.${a.name}`, a] as const)));

/** The built-in of that name, if there is one. */
export function builtin(name: string): Builtin | undefined {
  return BUILTIN_INDEX.get(name);
}

/** One argument of a built-in. */
export function builtinArg(callee: string, arg: string): BuiltinArg | undefined {
  return ARG_INDEX.get(`${callee}.${arg}`);
}

/** The default of an argument, as a value (undefined when it has none). */
export function defaultValue(callee: string, arg: string): Value | undefined {
  return ARG_INDEX.get(`${callee}.${arg}`)?.default;
}

/** The built-ins of one category, in table order. */
export function builtinsOf(category: BuiltinCategory): Builtin[] {
  return BUILTINS.filter((b) => b.category === category);
}

/** The IR field an argument is written to: its `ir`, or its name in camelCase. */
export function irField(a: ArgSpec): string | null {
  if (a.ir !== undefined) return a.ir;
  return a.name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}
