// The lexical grammar of .hgc, and the language's vocabulary as data.
//
// Keywords and built-ins are defined here once. The lexer, the parser, the checker ("unknown
// argument"), the TextMate grammar and the language server's completion and hover all read them
// from this file, so a new built-in or argument is added in exactly one place.
import type { ITokenConfig, Lexer as ChevrotainLexer, TokenType } from "chevrotain";
import { createToken as createChevrotainToken, Lexer } from "./chevrotain.js";
import { CORRUPTIONS } from "../compiler/ir.js";

// ---------------------------------------------------------------------------------------------
// Keywords

/** Where a keyword may appear; used by the TextMate grammar and completion. */
export type KeywordRole = "item" | "modifier" | "declaration" | "block" | "direction" | "literal";

export interface KeywordInfo {
  readonly word: string;
  readonly role: KeywordRole;
  readonly doc: string;
}

export const KEYWORD_INFO: readonly KeywordInfo[] = [
  { word: "import", role: "item", doc: "`import \"path.hgc\"`: bring in the items of another file (path relative to this one)." },
  { word: "experiment", role: "item", doc: "`experiment NAME [extends NAME] { … }`: one model, its data, objective and evaluation." },
  { word: "sweep", role: "item", doc: "`sweep NAME { … }`: a set of trials, experiments × grid points × seeds." },
  { word: "extends", role: "modifier", doc: "Copy the parent experiment; the child's statements replace same-named ones." },
  { word: "dataset", role: "declaration", doc: "`dataset NAME = source(…)`: a split of images with labels." },
  { word: "tokens", role: "declaration", doc: "`tokens NAME = quantize(…) | patches(…)`: how an image becomes a token sequence." },
  { word: "views", role: "declaration", doc: "`views NAME = augment(…)`: how the two contrastive views are drawn from one image." },
  { word: "encoder", role: "declaration", doc: "`encoder NAME = transformer(…)`: the shared encoder; exposes `.tokens` and `.pooled`." },
  { word: "head", role: "declaration", doc: "`head NAME = mlp(…) | linear(…)`: a head on the encoder's `.pooled` or `.tokens`." },
  { word: "loss", role: "declaration", doc: "`loss NAME = ntxent(…) | autoregressive(…)`: a training loss term." },
  { word: "param", role: "declaration", doc: "`param NAME = NUMBER`: a named number a sweep can vary." },
  { word: "evaluate", role: "block", doc: "`evaluate { PROTOCOL(…) … }`: what is measured after (and during) training." },
  { word: "grid", role: "block", doc: "`grid P = [values]` in a sweep: a param's values; `grid (a, b) = simplex(step: s)` for weights summing to 1." },
  { word: "maximize", role: "direction", doc: "A sweep objective to maximise: `maximize linear_probe.accuracy`." },
  { word: "minimize", role: "direction", doc: "A sweep objective to minimise: `minimize bits_per_dim`." },
  { word: "true", role: "literal", doc: "The boolean true." },
  { word: "false", role: "literal", doc: "The boolean false." },
];

/** Every reserved word of the language. All but `true`/`false` may still be used as names. */
export const KEYWORDS: readonly string[] = KEYWORD_INFO.map((k) => k.word);

/** Keywords grouped by role (for syntax highlighting scopes). */
export const KEYWORD_GROUPS: Readonly<Record<KeywordRole, readonly string[]>> = {
  item: KEYWORD_INFO.filter((k) => k.role === "item").map((k) => k.word),
  modifier: KEYWORD_INFO.filter((k) => k.role === "modifier").map((k) => k.word),
  declaration: KEYWORD_INFO.filter((k) => k.role === "declaration").map((k) => k.word),
  block: KEYWORD_INFO.filter((k) => k.role === "block").map((k) => k.word),
  direction: KEYWORD_INFO.filter((k) => k.role === "direction").map((k) => k.word),
  literal: KEYWORD_INFO.filter((k) => k.role === "literal").map((k) => k.word),
};

/** The declaration keywords, in the order language.md lists them. */
export const DECL_KINDS = ["dataset", "tokens", "views", "encoder", "head", "loss", "param"] as const;

/** Names assignable with `NAME = value`, by block; any other name is reported by the checker. */
export const ASSIGN_NAMES: Readonly<Record<"experiment" | "sweep", readonly { name: string; doc: string }[]>> = {
  experiment: [
    { name: "seed", doc: "`seed = INT`: the seed of initialisation, data order and augmentation." },
    { name: "objective", doc: "`objective = EXPR`: a weighted sum of losses (numbers, params, schedules)." },
    { name: "optimizer", doc: "`optimizer = adam(…) | adamw(…) | sgd(…)`." },
  ],
  sweep: [
    { name: "experiments", doc: "`experiments = [a, b]` (or one name): the experiments the sweep runs." },
    { name: "seeds", doc: "`seeds = [1, 2, 3]`: each trial is run once per seed." },
    { name: "jobs", doc: "`jobs = N`: how many trials run at once." },
    { name: "objectives", doc: "`objectives = [maximize metric, minimize metric]`: for aggregates and the Pareto front." },
    { name: "prune", doc: "`prune = asha(metric: M, grace: STEPS, reduction: η)`: stop trials whose evaluations cannot make the cut." },
  ],
};

/** Statement calls allowed in an experiment body (`train(…)`). */
export const STATEMENT_CALLS: readonly string[] = ["train"];

/** The corruptions of `robustness(corruptions: …)`: one list, in the IR. */
export { CORRUPTIONS };

// ---------------------------------------------------------------------------------------------
// Built-ins

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
  | "grid";

export interface BuiltinArg {
  readonly name: string;
  /** What the value must be, in words ("int ≥ 1", "size HxW", "name of a dataset"). */
  readonly type: string;
  readonly doc: string;
  /** The default as source text; absent when the argument is required or inferred. */
  readonly default?: string;
  /** True when the call is invalid without it. */
  readonly required?: boolean;
  /** The closed set of bare names the argument accepts, where there is one (for completion). */
  readonly values?: readonly string[];
}

export interface Builtin {
  readonly name: string;
  readonly category: BuiltinCategory;
  readonly doc: string;
  readonly args: readonly BuiltinArg[];
  /** The leading positional argument, if the call takes one. */
  readonly positional?: { readonly type: string; readonly doc: string; readonly required: boolean };
}

const SPLIT: BuiltinArg = {
  name: "split",
  type: "string",
  doc: "Which part of the source: \"train\", \"test\", \"val\" or \"all\".",
  default: "\"train\"",
  values: ["\"train\"", "\"test\"", "\"val\"", "\"all\""],
};
const LIMIT: BuiltinArg = { name: "limit", type: "int ≥ 1", doc: "Keep at most this many images (after the split)." };
const SIZE: BuiltinArg = { name: "size", type: "size HxW", doc: "Resize every image to this size." };
const COMMON_DATASET_ARGS = [SPLIT, LIMIT, SIZE];

const SCHEDULE_ARGS: BuiltinArg[] = [
  { name: "lr", type: "number in (0, 1)", doc: "Peak learning rate.", default: "1e-3" },
  { name: "warmup", type: "int ≥ 0", doc: "Linear warm-up steps from 0 to `lr`.", default: "0" },
  {
    name: "schedule",
    type: "name",
    doc: "Learning-rate decay after warm-up.",
    default: "cosine",
    values: ["cosine", "linear", "constant"],
  },
  { name: "min_lr_ratio", type: "number in [0, 1]", doc: "Floor of the decay as a fraction of `lr`.", default: "0" },
  { name: "clip", type: "number > 0", doc: "Clip the global gradient norm to this value (no clipping when absent)." },
];

/** `baselines:` of linear_probe and knn (issue 12): the same protocol on the encoder at initialisation and on the raw pixels. */
const BASELINES: BuiltinArg = {
  name: "baselines",
  type: "list of names",
  doc: "Reference figures beside the trained ones: `init` (the encoder at initialisation, same seed) and `pixels` (the raw images); `[]` for none.",
  default: "[init, pixels]",
  values: ["init", "pixels"],
};

const FEATURES: BuiltinArg = {
  name: "features",
  type: "encoder `.pooled`",
  doc: "The representation evaluated, e.g. `enc.pooled`.",
};

export const BUILTINS: readonly Builtin[] = [
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
      { name: "size", type: "size HxW", doc: "Image size.", default: "28x28" },
      { name: "count", type: "int ≥ 1", doc: "Images generated per split.", default: "2000" },
      { name: "classes", type: "int ≥ 2", doc: "Number of classes.", default: "10" },
      { name: "noise", type: "number ≥ 0", doc: "Std of the pixel noise.", default: "0.1" },
      { name: "seed", type: "int", doc: "Seed of the generator.", default: "0" },
    ],
  },
  {
    name: "idx",
    category: "dataset",
    doc: "Images and labels in the IDX format of MNIST.",
    args: [
      { name: "images", type: "string path", doc: "IDX file of images (relative to this file).", required: true },
      { name: "labels", type: "string path", doc: "IDX file of labels (relative to this file).", required: true },
      ...COMMON_DATASET_ARGS,
    ],
  },
  {
    name: "cifar",
    category: "dataset",
    doc: "CIFAR-10 or CIFAR-100 in the binary format, 32×32 colour.",
    args: [
      { name: "path", type: "string path", doc: "Folder of the binary batches (relative to this file).", required: true },
      { name: "classes", type: "10 or 100", doc: "CIFAR-10 or CIFAR-100.", default: "10" },
      ...COMMON_DATASET_ARGS,
    ],
  },
  {
    name: "folder",
    category: "dataset",
    doc: "PNG images, one sub-folder per class.",
    args: [{ name: "path", type: "string path", doc: "The folder (relative to this file).", required: true }, ...COMMON_DATASET_ARGS],
  },

  // Tokenizers
  {
    name: "quantize",
    category: "tokenizer",
    doc: "Resize, quantize each pixel to `levels` values, read in raster order: one token per pixel (`.length` = H·W, `.vocab` = levels).",
    args: [
      { name: "size", type: "size HxW", doc: "Size the image is resized to.", required: true },
      { name: "levels", type: "int in [2, 256]", doc: "Values per pixel (the vocabulary).", required: true },
    ],
  },
  {
    name: "patches",
    category: "tokenizer",
    doc: "Cut the image into P×P patches in raster order: one token per patch (`.length` = patches, `.vocab` = levels).",
    args: [
      { name: "size", type: "int P ≥ 1 dividing the image size", doc: "Patch side P.", required: true },
      { name: "levels", type: "int in [2, 256]", doc: "Quantization levels per pixel.", required: true },
    ],
  },

  // Views
  {
    name: "augment",
    category: "views",
    doc: "Draw two augmented views of each image for the contrastive loss.",
    args: [
      { name: "crop", type: "range in (0, 1]", doc: "Random resized crop: fraction of the area kept." },
      { name: "flip", type: "probability", doc: "Probability of a horizontal flip.", default: "0" },
      { name: "noise", type: "number ≥ 0", doc: "Std of additive gaussian noise (pixels in 0..1).", default: "0" },
      { name: "jitter", type: "number ≥ 0", doc: "Brightness/contrast jitter strength.", default: "0" },
      { name: "erase", type: "probability", doc: "Probability of erasing a random rectangle.", default: "0" },
      { name: "rotate", type: "degrees ≥ 0", doc: "Maximum absolute rotation.", default: "0" },
    ],
  },

  // Encoder
  {
    name: "transformer",
    category: "encoder",
    doc: "A pre-LayerNorm Transformer over the token sequence; exposes `.tokens` [batch, length, width] and `.pooled` [batch, width].",
    args: [
      { name: "tokens", type: "name of a tokenizer", doc: "The token sequence it reads.", required: true },
      { name: "layers", type: "int ≥ 1", doc: "Number of Transformer blocks.", required: true },
      { name: "width", type: "int ≥ 1", doc: "Model width (embedding size).", required: true },
      { name: "heads", type: "int ≥ 1 dividing width", doc: "Attention heads.", required: true },
      { name: "mlp", type: "number ≥ 1", doc: "MLP hidden size as a multiple of width.", default: "4" },
      { name: "causal", type: "bool", doc: "Mask attention to earlier positions (needed by an autoregressive loss).", default: "false" },
      { name: "pool", type: "name", doc: "How `.pooled` summarises the tokens.", default: "mean", values: ["mean", "last", "max"] },
      { name: "dropout", type: "number in [0, 1)", doc: "Dropout rate.", default: "0" },
    ],
  },

  // Heads
  {
    name: "mlp",
    category: "head",
    doc: "A multi-layer perceptron head (ReLU between layers).",
    positional: { type: "encoder `.pooled` or `.tokens`", doc: "What the head reads.", required: true },
    args: [
      { name: "hidden", type: "list of int", doc: "Hidden layer widths.", default: "[]" },
      { name: "out", type: "int ≥ 1", doc: "Output width.", required: true },
    ],
  },
  {
    name: "linear",
    category: "head",
    doc: "A linear head; on `.tokens` it is applied at every position.",
    positional: { type: "encoder `.pooled` or `.tokens`", doc: "What the head reads.", required: true },
    args: [{ name: "out", type: "int ≥ 1", doc: "Output width, e.g. `pixels.vocab`.", required: true }],
  },

  // Losses
  {
    name: "ntxent",
    category: "loss",
    doc: "SimCLR's NT-Xent contrastive loss over the 2N views of a batch.",
    positional: { type: "name of a vector head", doc: "The projection head.", required: true },
    args: [
      { name: "views", type: "name of a views declaration", doc: "How the two views are drawn.", required: true },
      { name: "temperature", type: "number > 0", doc: "Softmax temperature.", default: "0.1" },
    ],
  },
  {
    name: "autoregressive",
    category: "loss",
    doc: "Next-token cross entropy of the image as a token sequence, reported in bits/dim.",
    positional: { type: "name of a per-token head", doc: "The next-token logits head.", required: true },
    args: [
      { name: "target", type: "name of a tokenizer", doc: "The token sequence predicted.", required: true },
      {
        name: "input",
        type: "name",
        doc: "What the generative pass reads: the clean image or the first augmented view.",
        default: "clean",
        values: ["clean", "view"],
      },
    ],
  },

  // Optimizers
  {
    name: "adam",
    category: "optimizer",
    doc: "Adam: per-parameter step sizes from running moments of the gradient; no weight decay.",
    args: [
      ...SCHEDULE_ARGS,
      { name: "beta1", type: "number in [0, 1)", doc: "First-moment decay.", default: "0.9" },
      { name: "beta2", type: "number in [0, 1)", doc: "Second-moment decay.", default: "0.999" },
      { name: "eps", type: "number > 0", doc: "Denominator epsilon.", default: "1e-8" },
    ],
  },
  {
    name: "adamw",
    category: "optimizer",
    doc: "Adam with decoupled weight decay.",
    args: [
      ...SCHEDULE_ARGS,
      { name: "weight_decay", type: "number ≥ 0", doc: "Decoupled weight decay.", default: "0.01" },
      { name: "beta1", type: "number in [0, 1)", doc: "First-moment decay.", default: "0.9" },
      { name: "beta2", type: "number in [0, 1)", doc: "Second-moment decay.", default: "0.999" },
      { name: "eps", type: "number > 0", doc: "Denominator epsilon.", default: "1e-8" },
    ],
  },
  {
    name: "sgd",
    category: "optimizer",
    doc: "Stochastic gradient descent with momentum.",
    args: [
      ...SCHEDULE_ARGS,
      { name: "momentum", type: "number in [0, 1)", doc: "Momentum.", default: "0.9" },
      { name: "weight_decay", type: "number ≥ 0", doc: "L2 weight decay.", default: "0" },
    ],
  },

  // Objective weight schedules (functions of the training step)
  {
    name: "warmup",
    category: "schedule",
    doc: "`x · min(1, step / steps)`: a weight that grows linearly from 0 to x.",
    positional: { type: "number or param", doc: "The weight reached after `steps`.", required: true },
    args: [{ name: "steps", type: "int ≥ 1", doc: "Steps to reach the full weight.", required: true }],
  },
  {
    name: "ramp",
    category: "schedule",
    doc: "A weight going linearly from `from` to `to` over `steps`, then `to`.",
    args: [
      { name: "from", type: "number or param", doc: "Weight at step 0.", required: true },
      { name: "to", type: "number or param", doc: "Weight from `steps` on.", required: true },
      { name: "steps", type: "int ≥ 1", doc: "Length of the ramp.", required: true },
    ],
  },
  {
    name: "cosine",
    category: "schedule",
    doc: "A weight going along a half cosine from `from` to `to` over `steps`, then `to`.",
    args: [
      { name: "from", type: "number or param", doc: "Weight at step 0.", required: true },
      { name: "to", type: "number or param", doc: "Weight from `steps` on.", required: true },
      { name: "steps", type: "int ≥ 1", doc: "Length of the schedule.", required: true },
    ],
  },

  // Training
  {
    name: "train",
    category: "train",
    doc: "How the objective is optimised: data, length, batch size and intervals.",
    args: [
      { name: "data", type: "name of a dataset", doc: "The training set.", required: true },
      { name: "steps", type: "int ≥ 1", doc: "Optimizer steps (give `steps` or `epochs`)." },
      { name: "epochs", type: "int ≥ 1", doc: "Passes over the data (give `steps` or `epochs`)." },
      { name: "batch", type: "int ≥ 1 (≥ 2 with a contrastive loss)", doc: "Images per step.", default: "64" },
      { name: "eval_every", type: "int ≥ 1", doc: "Evaluate every this many steps (only at the end when absent)." },
      { name: "checkpoint_every", type: "int ≥ 1", doc: "Checkpoint every this many steps (only at the end when absent)." },
      { name: "log_every", type: "int ≥ 1", doc: "Emit a step event every this many steps.", default: "10" },
      { name: "keep_best", type: "metric name", doc: "Keep the best checkpoints by this metric of the evaluations (`knn.accuracy`), beside the last ones." },
      { name: "keep", type: "int ≥ 1", doc: "How many best checkpoints `keep_best` keeps.", default: "1" },
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
      { name: "train", type: "name of a dataset", doc: "Data the probe is fitted on.", required: true },
      { name: "val", type: "name of a dataset", doc: "Held-out data choosing the L2 strength (and the block of `.layers`); a tenth of `train` when absent." },
      { name: "test", type: "name of a dataset", doc: "Data the probe is scored on.", required: true },
      BASELINES,
      { name: "epochs", type: "int ≥ 1", doc: "Deprecated and ignored: the probe is solved to convergence (kept so first-edition programs still check).", default: "10" },
      { name: "lr", type: "number > 0", doc: "Deprecated and ignored, as `epochs`.", default: "1e-2" },
    ],
  },
  {
    name: "knn",
    category: "protocol",
    doc: "k-nearest-neighbour classification on frozen features (cosine similarity); reports `accuracy`.",
    args: [
      { ...FEATURES, type: "encoder `.pooled` or `.layer(k)`", doc: "The representation evaluated: `enc.pooled` or block k's output `enc.layer(k)`.", required: true },
      { name: "k", type: "int ≥ 1", doc: "Neighbours consulted.", default: "20" },
      { name: "train", type: "name of a dataset", doc: "The labelled memory bank.", required: true },
      { name: "test", type: "name of a dataset", doc: "Data classified.", required: true },
      { name: "temperature", type: "number > 0", doc: "Weighting temperature of the neighbours' votes.", default: "0.07" },
      BASELINES,
    ],
  },
  {
    name: "bits_per_dim",
    category: "protocol",
    doc: "Negative log-likelihood of the data under the generative head, in bits per dimension.",
    args: [
      { name: "data", type: "name of a dataset", doc: "Data scored.", required: true },
      { name: "head", type: "name of a per-token head", doc: "The next-token head (inferred from the autoregressive loss when absent)." },
    ],
  },
  {
    name: "ood",
    category: "protocol",
    doc: "Out-of-distribution detection: tell `in` from `out` by each score; reports `auroc` per score.",
    args: [
      { name: "in", type: "name of a dataset", doc: "In-distribution test data.", required: true },
      { name: "out", type: "name of a dataset", doc: "Outlier data.", required: true },
      {
        name: "scores",
        type: "list of names",
        doc: "OOD scores to compute.",
        default: "[likelihood, knn]",
        values: ["likelihood", "knn", "mahalanobis"],
      },
      { ...FEATURES, doc: "Features for the kNN and Mahalanobis scores (the first encoder's `.pooled` when absent)." },
      { name: "train", type: "name of a dataset", doc: "Reference data for the feature scores (the training set when absent)." },
      { name: "k", type: "int ≥ 1", doc: "Neighbours for the kNN score.", default: "20" },
    ],
  },
  {
    name: "robustness",
    category: "protocol",
    doc: "Linear-probe accuracy under seeded corruptions of the test data at each severity.",
    args: [
      { name: "data", type: "name of a dataset", doc: "Data corrupted.", required: true },
      {
        name: "corruptions",
        type: "list of names",
        doc: "Corruptions applied.",
        default: "[gaussian_noise, blur, contrast, rotate]",
        values: [...CORRUPTIONS],
      },
      { name: "severities", type: "range or list of int in [1, 5]", doc: "Severities applied.", default: "1..5" },
      { ...FEATURES, doc: "Features classified (the first encoder's `.pooled` when absent)." },
      { name: "train", type: "name of a dataset", doc: "The labelled memory bank (the training set when absent)." },
    ],
  },
  {
    name: "samples",
    category: "protocol",
    doc: "Draw images from the generative head, saved as a PNG grid.",
    args: [
      { name: "count", type: "int ≥ 1", doc: "Images drawn.", default: "16" },
      { name: "temperature", type: "number > 0", doc: "Sampling temperature.", default: "1" },
      { name: "head", type: "name of a per-token head", doc: "The next-token head (inferred from the autoregressive loss when absent)." },
    ],
  },

  // Sweep grids
  {
    name: "simplex",
    category: "grid",
    doc: "In `grid (a, b, …) = simplex(step: s)`: every point with coordinates on multiples of `step` that sum to 1.",
    args: [{ name: "step", type: "number in (0, 1]", doc: "Grid spacing; 1/step must be an integer.", required: true }],
  },
];

const BUILTIN_INDEX = new Map<string, Builtin>(BUILTINS.map((b) => [b.name, b]));

/** The built-in of that name, if there is one. */
export function builtin(name: string): Builtin | undefined {
  return BUILTIN_INDEX.get(name);
}

/** The built-ins of one category, in table order. */
export function builtinsOf(category: BuiltinCategory): Builtin[] {
  return BUILTINS.filter((b) => b.category === category);
}

/** Member names exposed by values (`enc.pooled`, `pixels.vocab`), for completion and hover. */
export const MEMBERS: Readonly<Record<"encoder" | "tokenizer", readonly { name: string; doc: string }[]>> = {
  encoder: [
    { name: "tokens", doc: "Per-position features, [batch, length, width]." },
    { name: "pooled", doc: "Pooled features, [batch, width]." },
  ],
  tokenizer: [
    { name: "vocab", doc: "Values per token position's prediction (= levels)." },
    { name: "length", doc: "Tokens per image." },
  ],
};

// ---------------------------------------------------------------------------------------------
// Tokens

/** A category every token belongs to: the parser skips unparseable input by consuming it. */
export const AnyToken = createChevrotainToken({ name: "AnyToken", pattern: Lexer.NA });

function createToken(config: ITokenConfig): TokenType {
  if (config.pattern === Lexer.NA) return createChevrotainToken(config);
  const categories = config.categories === undefined ? [] : Array.isArray(config.categories) ? config.categories : [config.categories];
  return createChevrotainToken({ ...config, categories: [...categories, AnyToken] });
}

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n\f\v\uFEFF]+/, group: Lexer.SKIPPED, line_breaks: true });
export const LineComment = createToken({ name: "LineComment", pattern: /\/\/[^\n\r]*/, group: "comments" });
export const BlockComment = createToken({ name: "BlockComment", pattern: /\/\*[\s\S]*?\*\//, group: "comments", line_breaks: true });
/** `/* …` to the end of the file: reported as HGC002, kept as a comment so the rest still parses. */
export const UnterminatedBlockComment = createToken({
  name: "UnterminatedBlockComment",
  pattern: /\/\*[\s\S]*/,
  group: "comments",
  line_breaks: true,
});

// Written as an unrolled loop (no alternation inside the star) so a 10 MB string cannot exhaust the regex stack.
export const StringLit = createToken({ name: "StringLit", pattern: /"[^"\\\n\r]*(?:\\[^\n\r][^"\\\n\r]*)*"/ });
/**
 * `"…` without its closing quote: reported as HGC002 and parsed as if it were closed. It runs to
 * the end of the line, less any closing punctuation there (`"train)` leaves the `)` to the call),
 * so one missing quote costs one error, not a cascade.
 */
const UNTERMINATED_STRING = /"[^"\\\n\r]*(?:\\[^\n\r][^"\\\n\r]*)*/y;
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: {
    exec(text: string, offset: number): RegExpExecArray | null {
      UNTERMINATED_STRING.lastIndex = offset;
      const m = UNTERMINATED_STRING.exec(text);
      if (!m) return null;
      let end = m[0].length;
      while (end > 1 && " \t,)]}".includes(m[0][end - 1]!)) end--;
      if (end > 1 && m[0][end - 1] === "\\") end++; // never leave a dangling backslash
      return [m[0].slice(0, end)] as unknown as RegExpExecArray;
    },
  },
  start_chars_hint: ['"'],
  line_breaks: false,
  categories: [StringLit],
});

/** The category of numeric literals. */
export const NumberLit = createToken({ name: "NumberLit", pattern: Lexer.NA });
export const SizeLit = createToken({ name: "SizeLit", pattern: /\d+x\d+/ });
// A float needs digits after its point, so `1..5` lexes as Int DotDot Int, not `1.` `.5`.
export const FloatLit = createToken({ name: "FloatLit", pattern: /\d+(?:\.\d+(?:[eE][+-]?\d+)?|[eE][+-]?\d+)/, categories: [NumberLit] });
/** A number run into letters (`12ab`, `1e`): reported as HGC003. */
export const BadNumber = createToken({ name: "BadNumber", pattern: /\d+[A-Za-z_][A-Za-z0-9_]*/ });
export const IntLit = createToken({ name: "IntLit", pattern: /\d+/, categories: [NumberLit] });

export const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_]*/ });

function keyword(word: string, name: string, asName: boolean): TokenType {
  return createToken({
    name,
    pattern: new RegExp(word),
    longer_alt: Identifier,
    categories: asName ? [Identifier] : [],
  });
}

export const Import = keyword("import", "Import", true);
export const Experiment = keyword("experiment", "Experiment", true);
export const Extends = keyword("extends", "Extends", true);
export const Sweep = keyword("sweep", "Sweep", true);
export const Dataset = keyword("dataset", "Dataset", true);
export const Tokens = keyword("tokens", "Tokens", true);
export const Views = keyword("views", "Views", true);
export const Encoder = keyword("encoder", "Encoder", true);
export const Head = keyword("head", "Head", true);
export const Loss = keyword("loss", "Loss", true);
export const Param = keyword("param", "Param", true);
export const Evaluate = keyword("evaluate", "Evaluate", true);
export const Grid = keyword("grid", "Grid", true);
export const Maximize = keyword("maximize", "Maximize", true);
export const Minimize = keyword("minimize", "Minimize", true);
export const True = keyword("true", "True", false);
export const False = keyword("false", "False", false);

/** Token type of each keyword, keyed by its word. */
export const KEYWORD_TOKENS: Readonly<Record<string, TokenType>> = {
  import: Import,
  experiment: Experiment,
  extends: Extends,
  sweep: Sweep,
  dataset: Dataset,
  tokens: Tokens,
  views: Views,
  encoder: Encoder,
  head: Head,
  loss: Loss,
  param: Param,
  evaluate: Evaluate,
  grid: Grid,
  maximize: Maximize,
  minimize: Minimize,
  true: True,
  false: False,
};

export const DotDot = createToken({ name: "DotDot", pattern: /\.\./ });
export const Dot = createToken({ name: "Dot", pattern: /\./ });
export const LCurly = createToken({ name: "LCurly", pattern: /\{/ });
export const RCurly = createToken({ name: "RCurly", pattern: /\}/ });
export const LParen = createToken({ name: "LParen", pattern: /\(/ });
export const RParen = createToken({ name: "RParen", pattern: /\)/ });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/ });
export const RBracket = createToken({ name: "RBracket", pattern: /\]/ });
export const Comma = createToken({ name: "Comma", pattern: /,/ });
export const Colon = createToken({ name: "Colon", pattern: /:/ });
export const Equals = createToken({ name: "Equals", pattern: /=/ });

export const AdditiveOp = createToken({ name: "AdditiveOp", pattern: Lexer.NA });
export const MultiplicativeOp = createToken({ name: "MultiplicativeOp", pattern: Lexer.NA });
export const Plus = createToken({ name: "Plus", pattern: /\+/, categories: [AdditiveOp] });
export const Minus = createToken({ name: "Minus", pattern: /-/, categories: [AdditiveOp] });
export const Star = createToken({ name: "Star", pattern: /\*/, categories: [MultiplicativeOp] });
export const Slash = createToken({ name: "Slash", pattern: /\//, categories: [MultiplicativeOp] });

/** Stands in for a bracketed region cut out for nesting too deeply (never produced by the lexer). */
export const Elided = createChevrotainToken({ name: "Elided", pattern: Lexer.NA, categories: [AnyToken] });

/** Every token type, in matching order (earlier wins on equal length; keywords before Identifier). */
export const ALL_TOKENS: TokenType[] = [
  AnyToken,
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedBlockComment,
  StringLit,
  UnterminatedString,
  SizeLit,
  FloatLit,
  BadNumber,
  IntLit,
  NumberLit,
  ...Object.values(KEYWORD_TOKENS),
  Identifier,
  DotDot,
  Dot,
  LCurly,
  RCurly,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Colon,
  Equals,
  AdditiveOp,
  MultiplicativeOp,
  Plus,
  Minus,
  Star,
  Slash,
  Elided,
];

/** How a token type is named in a syntax error ("expected `)`, found …"). */
export const TOKEN_LABELS: Readonly<Record<string, string>> = {
  StringLit: "a string",
  UnterminatedString: "a string",
  NumberLit: "a number",
  SizeLit: "a size like `14x14`",
  FloatLit: "a number",
  IntLit: "an integer",
  BadNumber: "a number",
  Identifier: "a name",
  DotDot: "`..`",
  Dot: "`.`",
  LCurly: "`{`",
  RCurly: "`}`",
  LParen: "`(`",
  RParen: "`)`",
  LBracket: "`[`",
  RBracket: "`]`",
  Comma: "`,`",
  Colon: "`:`",
  Equals: "`=`",
  AdditiveOp: "`+` or `-`",
  MultiplicativeOp: "`*` or `/`",
  Plus: "`+`",
  Minus: "`-`",
  Star: "`*`",
  Slash: "`/`",
  Elided: "a value",
  ...Object.fromEntries(Object.entries(KEYWORD_TOKENS).map(([word, t]) => [t.name, `\`${word}\``])),
};

/**
 * A lexer for the token types above. `validate` checks the token definitions while building it
 * (the tests do); the shipped instance skips that to start faster.
 */
export function createLexer(validate = false): ChevrotainLexer {
  return new Lexer(ALL_TOKENS, { positionTracking: "full", ensureOptimizations: validate, skipValidations: !validate });
}

/** The one lexer instance (chevrotain lexers are reusable and costly to build). */
export const hgcLexer = createLexer();
