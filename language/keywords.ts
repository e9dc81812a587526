// The language's words: keywords, the names an experiment or a sweep assigns, and the members a
// value exposes. Declared once here; the lexer, the checker, the TextMate grammar, the language
// server and the reference read them. Imports nothing.

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
export type DeclKind = (typeof DECL_KINDS)[number];

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

/** Statement calls allowed in a block's body: `train(…)` in an experiment, `slurm(…)` in a sweep. */
export const STATEMENT_CALLS: Readonly<Record<"experiment" | "sweep", readonly string[]>> = {
  experiment: ["train"],
  sweep: ["slurm"],
};

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
