// The checker: kinds, shapes, ranges and units, objective typing and protocols of one flattened
// experiment. It reports every mistake it can find (never only the first) and, when there are
// none, returns the experiment as IR parts with every default filled in. Sweeps are checked here
// too: their own statements, and each trial (experiment × grid point) before anything runs.
import { dirname, resolve as resolvePath } from "node:path";
import type { Arg, Call, DeclKind, DeclStmt, Expr, GridStmt, Ident, Span, Stmt, SweepItem } from "./ast.js";
import { diag, didYouMean, didYouMeanHint, type Diagnostic, type Severity } from "./diagnostics.js";
import type { IRPrune, IRSearch, IRSlurm } from "./ir.js";
import type {
  DatasetSource,
  IRBaseline,
  IRDataset,
  IREncoder,
  IRExperiment,
  IRFeatures,
  IRHead,
  IRLoss,
  IRObjective,
  IROptimizer,
  IRProtocol,
  IRScalar,
  IRTokenizer,
  IRTrain,
  IRViews,
} from "./ir.js";
import type { MergedExperiment, MergedStmt, SymbolEntry, Workspace } from "./resolve.js";
import {
  encoderParameters,
  experimentMetrics,
  formatCount,
  formatShape,
  headParameters,
  patchesShape,
  quantizeShape,
  sourceFacts,
} from "./shapes.js";
import { ASSIGN_NAMES, builtin, BUILTINS, type Builtin, type BuiltinArg, type BuiltinCategory } from "../grammar/tokens.js";

/** The IR of an experiment before its estimates and hash are computed (lower.ts adds them). */
export type IRBody = Omit<IRExperiment, "estimates" | "hash">;

/** What the language server shows for a declared item. */
export interface ItemInfo {
  name: string;
  kind: DeclKind;
  experiment: string;
  /** The declared name. */
  span: Span;
  /** The whole declaration. */
  declSpan: Span;
  /** One line: "encoder enc: transformer, 3 layers × width 96 … (346,368 parameters)". */
  detail: string;
  shape?: (string | number)[];
  parameters?: number;
}

/** A use of a name, and where it is defined (for go-to-definition and hover). */
export interface Reference {
  span: Span;
  name: string;
  kind: DeclKind | "experiment" | "sweep" | "file";
  definition: Span;
  detail?: string;
}

export interface ExperimentCheck {
  name: string;
  merged: MergedExperiment;
  /** Null when the experiment has errors. */
  body: IRBody | null;
  /** Metrics its evaluate block reports (for sweep objectives). */
  metrics: string[];
  items: Map<string, ItemInfo>;
  /** What checking this experiment reported (also part of the file's diagnostics). */
  diagnostics: Diagnostic[];
}

export interface CheckExperimentOptions {
  /** Param values replacing the declared ones (a sweep's grid point). */
  overrides?: Readonly<Record<string, number>>;
  /** Collects every resolved name use (the base check only; trials skip it). */
  references?: Reference[];
}

/** The corruptions the runtime implements: one list, in grammar/tokens.ts. */
export { CORRUPTIONS } from "../grammar/tokens.js";
import { CORRUPTIONS } from "../grammar/tokens.js";
import { evalScalar, zeroThroughout } from "./scalar.js";
import { checkSlurm } from "./slurm.js";
import { DEFAULT_BASELINES } from "./metrics.js";
import { checkSweepSearch, metricDirection, metricText, paramRange, rangeMiddle } from "./search.js";

export const OOD_SCORES = ["likelihood", "knn", "mahalanobis"] as const;

/** Longest token sequence an encoder accepts (attention is quadratic in it). */
export const MAX_SEQUENCE = 4096;

/** Arguments the checker understands beyond grammar/tokens.ts's table. */
const EXTRA_ARGS: Record<string, BuiltinArg[]> = {
  mlp: [{ name: "in", type: "int ≥ 1", doc: "The input width the head expects; checked against the encoder's width." }],
  linear: [{ name: "in", type: "int ≥ 1", doc: "The input width the head expects; checked against the encoder's width." }],
};

const ARGS_OF = new Map<string, { args: readonly BuiltinArg[]; names: ReadonlySet<string>; required: readonly BuiltinArg[] }>();

function argTable(b: Builtin): { args: readonly BuiltinArg[]; names: ReadonlySet<string>; required: readonly BuiltinArg[] } {
  let t = ARGS_OF.get(b.name);
  if (!t) {
    const extra = EXTRA_ARGS[b.name];
    const args = extra ? [...b.args, ...extra] : b.args;
    t = { args, names: new Set(args.map((a) => a.name)), required: args.filter((a) => a.required) };
    ARGS_OF.set(b.name, t);
  }
  return t;
}

/** A built-in's arguments: grammar/tokens.ts's table plus the few the checker adds (a head's `in:`). */
export function argsOf(b: Builtin): readonly BuiltinArg[] {
  return argTable(b).args;
}

interface NumSpec {
  int?: boolean;
  gt?: number;
  ge?: number;
  lt?: number;
  le?: number;
  /** Why the bound exists, as the hint. */
  hint?: string;
}

const POSITIVE_INT: NumSpec = { int: true, ge: 1 };
const PROB: NumSpec = { ge: 0, le: 1, hint: "a probability is between 0 and 1" };
const LEVELS: NumSpec = { int: true, ge: 2, le: 256, hint: "a pixel is quantized to between 2 and 256 values (8 is the usual choice)" };
const OPT_COMMON: Record<string, NumSpec> = {
  lr: { gt: 0, lt: 1, hint: "learning rates are small positive numbers, e.g. `lr: 1e-3`" },
  warmup: { int: true, ge: 0 },
  min_lr_ratio: { ge: 0, le: 1 },
  clip: { gt: 0, hint: "the global gradient norm is clipped to this positive value, e.g. `clip: 1.0`" },
  beta1: { ge: 0, lt: 1 },
  beta2: { ge: 0, lt: 1 },
  eps: { gt: 0 },
  weight_decay: { ge: 0 },
  momentum: { ge: 0, lt: 1 },
};
const DATASET_COMMON: Record<string, NumSpec> = { limit: POSITIVE_INT };

/** Numeric arguments and their ranges, by callee. */
const NUM_SPECS: Record<string, Record<string, NumSpec>> = {
  mnist: DATASET_COMMON,
  fashion_mnist: DATASET_COMMON,
  idx: DATASET_COMMON,
  folder: DATASET_COMMON,
  cifar: DATASET_COMMON,
  synthetic: { ...DATASET_COMMON, count: POSITIVE_INT, classes: { int: true, ge: 2 }, noise: { ge: 0 }, seed: { int: true } },
  quantize: { levels: LEVELS },
  patches: { size: { int: true, ge: 1 }, levels: LEVELS },
  augment: { flip: PROB, noise: { ge: 0 }, jitter: { ge: 0 }, erase: PROB, rotate: { ge: 0, le: 180 } },
  transformer: {
    layers: POSITIVE_INT,
    width: POSITIVE_INT,
    heads: POSITIVE_INT,
    mlp: { gt: 0 },
    dropout: { ge: 0, lt: 1 },
  },
  mlp: { out: POSITIVE_INT, in: POSITIVE_INT },
  linear: { out: POSITIVE_INT, in: POSITIVE_INT },
  ntxent: { temperature: { gt: 0, hint: "the similarities are divided by the temperature; 0.1 to 0.5 is usual" } },
  adam: OPT_COMMON,
  adamw: OPT_COMMON,
  sgd: OPT_COMMON,
  warmup: { steps: POSITIVE_INT },
  ramp: { steps: POSITIVE_INT },
  cosine: { steps: POSITIVE_INT },
  train: {
    steps: POSITIVE_INT,
    epochs: POSITIVE_INT,
    batch: POSITIVE_INT,
    eval_every: POSITIVE_INT,
    checkpoint_every: POSITIVE_INT,
    log_every: POSITIVE_INT,
  },
  linear_probe: { epochs: POSITIVE_INT, lr: { gt: 0 } },
  knn: { k: POSITIVE_INT, temperature: { gt: 0 } },
  ood: { k: POSITIVE_INT },
  samples: { count: POSITIVE_INT, temperature: { gt: 0 } },
  simplex: { step: { gt: 0, le: 1 } },
};

const KIND_WORDS: Record<DeclKind, string> = {
  dataset: "a dataset",
  tokens: "a tokenizer",
  views: "a views declaration",
  encoder: "an encoder",
  head: "a head",
  loss: "a loss",
  param: "a param",
};

const CATEGORY_OF_KIND: Record<Exclude<DeclKind, "param">, BuiltinCategory> = {
  dataset: "dataset",
  tokens: "tokenizer",
  views: "views",
  encoder: "encoder",
  head: "head",
  loss: "loss",
};

const CATEGORY_WORDS: Record<BuiltinCategory, string> = {
  dataset: "a dataset source",
  tokenizer: "a tokenizer",
  views: "a views builder",
  encoder: "an encoder",
  head: "a head",
  loss: "a loss",
  optimizer: "an optimizer",
  schedule: "a weight schedule",
  train: "the training statement",
  protocol: "an evaluation protocol",
  grid: "a grid generator",
};

function namesOf(category: BuiltinCategory): string[] {
  return BUILTINS.filter((b) => b.category === category).map((b) => b.name);
}

function backticks(list: readonly string[]): string {
  const q = list.map((s) => `\`${s}\``);
  return q.length <= 1 ? (q[0] ?? "") : `${q.slice(0, -1).join(", ")} or ${q[q.length - 1]}`;
}

/** A value of the default text of grammar/tokens.ts (`1e-3`, `cosine`, `[likelihood, knn]`, `1..5`, `28x28`). */
const DEFAULTS = new Map<string, unknown>();

export function defaultValue(callee: string, arg: string): unknown {
  const key = `${callee}.${arg}`;
  if (DEFAULTS.has(key)) return DEFAULTS.get(key);
  const b = builtin(callee);
  const text = b ? argsOf(b).find((a) => a.name === arg)?.default : undefined;
  const value = text === undefined ? undefined : parseDefault(text);
  DEFAULTS.set(key, value);
  return value;
}

function parseDefault(text: string): unknown {
  const t = text.trim();
  if (t === "true" || t === "false") return t === "true";
  if (/^"/.test(t)) return t.slice(1, -1);
  let m = /^(\d+)x(\d+)$/.exec(t);
  if (m) return [Number(m[1]), Number(m[2])];
  m = /^(-?[\d.e+-]+)\.\.(-?[\d.e+-]+)$/.exec(t);
  if (m) return [Number(m[1]), Number(m[2])];
  if (t.startsWith("[")) {
    const inner = t.slice(1, -1).trim();
    return inner ? inner.split(",").map((s) => parseDefault(s)) : [];
  }
  if (/^-?[\d.]+(e[+-]?\d+)?$/i.test(t)) return Number(t);
  return t;
}

function describe(e: Expr): string {
  switch (e.kind) {
    case "Number":
      return `the number \`${e.raw}\``;
    case "String":
      return `the string ${e.raw}`;
    case "Bool":
      return `\`${e.value}\``;
    case "Size":
      return `the size \`${e.raw}\``;
    case "Range":
      return `the range \`${e.from.raw}..${e.to.raw}\``;
    case "List":
      return "a list";
    case "Name":
      return `\`${e.name}\``;
    case "Member":
      return `\`${memberText(e)}\``;
    case "Call":
      return `a call to \`${e.callee.name}\``;
    case "Binary":
    case "Unary":
      return "an arithmetic expression";
    case "Directed":
      return `\`${e.direction} …\``;
  }
}

function memberText(e: Expr): string {
  if (e.kind === "Name") return e.name;
  if (e.kind === "Member") return `${memberText(e.object)}.${e.property.name}${e.arg ? `(${e.arg.kind === "Number" ? e.arg.raw : "…"})` : ""}`;
  return "…";
}

function fmtNum(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)));
}

interface NumV {
  value: number;
  span: Span;
}

// ---------------------------------------------------------------------------------------------
// Experiments

export function checkExperiment(ws: Workspace, merged: MergedExperiment, opts: CheckExperimentOptions = {}): { check: ExperimentCheck; diagnostics: Diagnostic[] } {
  const c = new ExperimentChecker(ws, merged, opts);
  const body = c.run();
  let metrics: string[] | undefined;
  const check: ExperimentCheck = {
    name: merged.name,
    merged,
    body,
    // Computed on first use: only sweeps with objectives and the editor read it.
    get metrics(): string[] {
      metrics ??= body ? experimentMetrics(body.evaluate) : [];
      return metrics;
    },
    items: c.items,
    diagnostics: c.diagnostics,
  };
  return { check, diagnostics: c.diagnostics };
}

class ExperimentChecker {
  readonly diagnostics: Diagnostic[] = [];
  readonly items = new Map<string, ItemInfo>();
  private errors = 0;
  private readonly symbols: Map<string, SymbolEntry>;
  private readonly overrides: Readonly<Record<string, number>>;
  private readonly refs: Reference[] | undefined;

  // Memoised item results: undefined = not yet checked, null = checked with errors.
  private datasets = new Map<string, IRDataset | null>();
  private tokenizers = new Map<string, IRTokenizer | null>();
  private viewsMap = new Map<string, IRViews | null>();
  private encoders = new Map<string, IREncoder | null>();
  private heads = new Map<string, IRHead | null>();
  private losses = new Map<string, IRLoss | null>();
  private params = new Map<string, number | null>();

  private trainStmt: MergedStmt | undefined;
  private trainData: string | null | undefined;

  constructor(
    private readonly ws: Workspace,
    private readonly exp: MergedExperiment,
    opts: CheckExperimentOptions,
  ) {
    this.symbols = exp.symbols;
    this.overrides = opts.overrides ?? {};
    this.refs = opts.references;
  }

  // -- reporting --------------------------------------------------------------------------------

  private report(code: string, severity: Severity, span: Span, message: string, hint?: string, notes: { message: string; span?: Span }[] = []): void {
    if (severity === "error") this.errors++;
    this.diagnostics.push(diag(code, severity, span, message, hint, notes));
  }

  private err(code: string, span: Span, message: string, hint?: string, notes: { message: string; span?: Span }[] = []): void {
    this.report(code, "error", span, message, hint, notes);
  }

  private get nameSpan(): Span {
    return this.exp.item.name.span;
  }

  // -- the whole experiment -----------------------------------------------------------------------

  run(): IRBody | null {
    let seed: number | null = 0;
    let objectiveStmt: MergedStmt | undefined;
    let optimizerStmt: MergedStmt | undefined;
    let evaluateStmt: MergedStmt | undefined;
    for (const m of this.exp.stmts) {
      const s = m.stmt;
      if (s.kind === "Train") this.trainStmt = m;
      else if (s.kind === "Evaluate") evaluateStmt = m;
      else if (s.kind === "Assign") {
        const name = s.name.name;
        if (name === "seed") seed = this.intValue(s.value, "seed", { int: true });
        else if (name === "objective") objectiveStmt = m;
        else if (name === "optimizer") optimizerStmt = m;
        else {
          const known = ASSIGN_NAMES.experiment.map((a) => a.name);
          const isSweepWord = ASSIGN_NAMES.sweep.some((a) => a.name === name);
          this.err(
            "HGC016",
            s.name.span,
            isSweepWord ? `\`${name}\` belongs in a sweep, not in an experiment` : `unknown statement \`${name} = …\``,
            didYouMeanHint(name, known) ?? `an experiment assigns ${backticks(known)}; other items are declared as \`KIND NAME = …\` (dataset, tokens, views, encoder, head, loss, param)`,
          );
        }
      }
    }

    // Declarations, each checked once (memoised; dependencies are checked on demand).
    for (const sym of this.symbols.values()) this.checkDecl(sym);

    const train = this.checkTrain();
    const objective = objectiveStmt ? this.checkObjective(objectiveStmt) : null;
    if (!objectiveStmt) this.err("HGC024", this.nameSpan, `experiment \`${this.exp.name}\` has no \`objective\``, "add e.g. `objective = gen + lambda * con`, a weighted sum of its losses");
    if (train && objective) this.checkBatch(train, objective);
    if (objective) this.checkUnusedLosses(objective);
    const optimizer = this.checkOptimizer(optimizerStmt);
    const evaluate = evaluateStmt ? this.checkEvaluate(evaluateStmt, objective) : [];
    if (train?.keepBest && !experimentMetrics(evaluate).includes(train.keepBest.metric)) {
      const metrics = experimentMetrics(evaluate);
      const span = (this.trainStmt!.stmt as Extract<Stmt, { kind: "Train" }>).call.args.find((a) => a.name.name === "keep_best")!.value.span;
      this.err("HGC083", span, `\`keep_best:\` names \`${train.keepBest.metric}\`, which experiment \`${this.exp.name}\` does not report`, didYouMeanHint(train.keepBest.metric, metrics) ?? (metrics.length ? `it reports ${metrics.slice(0, 6).map((m) => `\`${m}\``).join(", ")}` : "add an `evaluate { … }` block"));
    }

    if (this.errors > 0 || !train || !objective || !optimizer || seed === null) return null;
    const collect = <T>(m: Map<string, T | null>): Record<string, T> => {
      const out: Record<string, T> = {};
      for (const [k, v] of [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) if (v) out[k] = v;
      return out;
    };
    const params: Record<string, number> = {};
    for (const [k, v] of [...this.params.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) if (v !== null) params[k] = v;
    const item = this.exp.item;
    return {
      irVersion: 1,
      name: this.exp.name,
      source: { file: item.span.file, line: item.span.start.line },
      seed,
      datasets: collect(this.datasets),
      tokenizers: collect(this.tokenizers),
      views: collect(this.viewsMap),
      encoders: collect(this.encoders),
      heads: collect(this.heads),
      losses: collect(this.losses),
      params,
      objective,
      optimizer,
      train,
      evaluate,
    };
  }

  private checkDecl(sym: SymbolEntry): void {
    switch (sym.kind) {
      case "dataset":
        this.dataset(sym.name);
        break;
      case "tokens":
        this.tokenizer(sym.name);
        break;
      case "views":
        this.views(sym.name);
        break;
      case "encoder":
        this.encoder(sym.name);
        break;
      case "head":
        this.head(sym.name);
        break;
      case "loss":
        this.loss(sym.name);
        break;
      case "param":
        this.param(sym.name);
        break;
    }
  }

  // -- names ---------------------------------------------------------------------------------------

  private addRef(span: Span, sym: SymbolEntry): void {
    this.refs?.push({ span, name: sym.name, kind: sym.kind, definition: sym.decl.name.span, detail: this.items.get(sym.name)?.detail });
  }

  /**
   * The declaration `name` refers to, which must be of `kind` (one of `kinds`); reports an unknown
   * name (with the nearest names of the wanted kind) or a name of the wrong kind.
   */
  private lookup(name: string, span: Span, kinds: DeclKind[], role: string): SymbolEntry | null {
    const sym = this.symbols.get(name);
    if (!sym) {
      const same = [...this.symbols.values()].filter((s) => kinds.includes(s.kind)).map((s) => s.name);
      const hint = didYouMeanHint(name, same) ?? didYouMeanHint(name, this.symbols.keys()) ??
        (same.length ? `${role} names ${KIND_WORDS[kinds[0]!]}; declared: ${same.map((n) => `\`${n}\``).join(", ")}` : `declare it first, e.g. \`${kinds[0]} ${name} = …\``);
      this.err("HGC010", span, `unknown name \`${name}\``, hint);
      return null;
    }
    this.addRef(span, sym);
    if (!kinds.includes(sym.kind)) {
      const same = [...this.symbols.values()].filter((s) => kinds.includes(s.kind)).map((s) => s.name);
      this.err(
        "HGC034",
        span,
        `\`${name}\` is ${KIND_WORDS[sym.kind]}, but ${role} must be ${kinds.map((k) => KIND_WORDS[k]).join(" or ")}`,
        same.length ? `did you mean ${backticks(same.slice(0, 3))}?` : `declare ${KIND_WORDS[kinds[0]!]} with \`${kinds[0]} NAME = …\``,
        [{ message: `\`${name}\` is declared here`, span: sym.decl.name.span }],
      );
      return null;
    }
    return sym;
  }

  /** A bare name argument (`views: aug`, `data: train`) naming a declaration of `kind`. */
  private nameArg(e: Expr, kind: DeclKind, role: string): SymbolEntry | null {
    if (e.kind !== "Name") {
      this.err("HGC021", e.span, `${role} must name ${KIND_WORDS[kind]}, found ${describe(e)}`, `write the name of ${KIND_WORDS[kind]} declared with \`${kind} NAME = …\``);
      return null;
    }
    return this.lookup(e.name, e.span, [kind], role);
  }

  // -- call signatures ------------------------------------------------------------------------------

  /**
   * Checks a call against its built-in: the callee exists and belongs where it is used, every
   * argument is known and given once, the positional argument is allowed, required ones present.
   */
  private signature(call: Call, categories: BuiltinCategory[], place: string): { b: Builtin; args: Map<string, Arg> } | null {
    const name = call.callee.name;
    const b = builtin(name);
    if (!b || !categories.includes(b.category)) {
      const allowed = categories.flatMap(namesOf);
      if (!b) {
        this.err("HGC017", call.callee.span, `unknown ${place} \`${name}\``, didYouMeanHint(name, allowed) ?? `${/^[aeiou]/.test(place) ? "an" : "a"} ${place} is one of ${backticks(allowed)}`);
      } else {
        this.err("HGC018", call.callee.span, `\`${name}\` is ${CATEGORY_WORDS[b.category]}, not ${CATEGORY_WORDS[categories[0]!]}`, `${/^[aeiou]/.test(place) ? "an" : "a"} ${place} is one of ${backticks(allowed)}`);
      }
      return null;
    }
    const table = argTable(b);
    const known = table.args;
    const args = new Map<string, Arg>();
    // Required arguments a misspelt one probably meant: not also reported as missing.
    const meant = new Set<string>();
    for (const a of call.args) {
      const an = a.name.name;
      if (args.has(an)) {
        this.err("HGC023", a.name.span, `\`${an}:\` is given twice`, "give each argument once", [{ message: "first given here", span: args.get(an)!.name.span }]);
        continue;
      }
      if (!table.names.has(an)) {
        didYouMean(an, known.map((k) => k.name)).forEach((n) => meant.add(n));
        this.err("HGC019", a.name.span, `\`${name}\` has no argument \`${an}\``, didYouMeanHint(an, known.map((k) => k.name)) ?? `its arguments are ${backticks(known.map((k) => k.name))}`);
        continue;
      }
      args.set(an, a);
    }
    if (call.positional && !b.positional) {
      const first = known.find((k) => k.required) ?? known[0];
      if (first) meant.add(first.name);
      this.err("HGC022", call.positional.span, `\`${name}\` takes no positional argument`, first ? `name the argument, e.g. \`${first.name}: …\`` : "remove it");
    } else if (!call.positional && b.positional?.required) {
      this.err("HGC020", call.callee.span, `\`${name}\` is missing what it applies to (${b.positional.type})`, `write it first, e.g. \`${name}(${exampleOf(b)}, …)\``);
    }
    for (const k of table.required) {
      if (!args.has(k.name) && !meant.has(k.name)) {
        this.err("HGC020", call.callee.span, `\`${name}\` is missing \`${k.name}:\``, `add \`${k.name}: …\` (${k.type}): ${k.doc}`);
      }
    }
    return { b, args };
  }

  // -- values ---------------------------------------------------------------------------------------

  /** A number: a literal, a param, a tokenizer's `.vocab`/`.length`, or arithmetic of those. */
  private numExpr(e: Expr, role: string): NumV | null {
    switch (e.kind) {
      case "Number":
        return { value: e.value, span: e.span };
      case "Unary": {
        const v = this.numExpr(e.operand, role);
        return v && { value: -v.value, span: e.span };
      }
      case "Binary": {
        const a = this.numExpr(e.left, role);
        const b = this.numExpr(e.right, role);
        if (!a || !b) return null;
        const value = e.op === "+" ? a.value + b.value : e.op === "-" ? a.value - b.value : e.op === "*" ? a.value * b.value : a.value / b.value;
        if (!Number.isFinite(value)) {
          this.err("HGC050", e.span, `${role} is not a finite number`, "check for a division by zero");
          return null;
        }
        return { value, span: e.span };
      }
      case "Name": {
        const sym = this.lookup(e.name, e.span, ["param"], role);
        if (!sym) return null;
        const v = this.param(sym.name);
        return v === null ? null : { value: v, span: e.span };
      }
      case "Member": {
        if (e.object.kind === "Name") {
          const sym = this.symbols.get(e.object.name);
          if (sym?.kind === "tokens") {
            this.addRef(e.object.span, sym);
            const prop = e.property.name;
            if (e.arg) {
              this.err("HGC025", e.arg.span, `\`.${prop}\` takes no argument`, "write it without the parentheses");
              return null;
            }
            if (prop !== "vocab" && prop !== "length") {
              this.err("HGC025", e.property.span, `a tokenizer has no member \`${prop}\``, didYouMeanHint(prop, ["vocab", "length"]) ?? "a tokenizer exposes `.vocab` and `.length`");
              return null;
            }
            const t = this.tokenizer(sym.name);
            return t ? { value: prop === "vocab" ? t.vocab : t.length, span: e.span } : null;
          }
        }
        this.err("HGC021", e.span, `${role} must be a number, found ${describe(e)}`, "a number here is a literal, a param, or a tokenizer's `.vocab` or `.length`");
        return null;
      }
      default:
        this.err("HGC021", e.span, `${role} must be a number, found ${describe(e)}`, exampleHint(role));
        return null;
    }
  }

  /** Checks a number against its range and integrality. */
  private inRange(v: NumV, role: string, spec: NumSpec): number | null {
    const { value } = v;
    if (spec.int && !Number.isInteger(value)) {
      this.err("HGC051", v.span, `${role} must be a whole number, found ${fmtNum(value)}`, spec.hint ?? `write a whole number, e.g. ${/^`/.test(role) ? `${role.slice(0, -1)}: ` : "`"}${Math.max(spec.ge ?? 1, Math.round(value))}\``);
      return null;
    }
    const bad =
      (spec.gt !== undefined && !(value > spec.gt)) ||
      (spec.ge !== undefined && !(value >= spec.ge)) ||
      (spec.lt !== undefined && !(value < spec.lt)) ||
      (spec.le !== undefined && !(value <= spec.le));
    if (bad) {
      this.err("HGC050", v.span, `${role} must be ${describeSpec(spec)}, found ${fmtNum(value)}`, spec.hint);
      return null;
    }
    return value;
  }

  private intValue(e: Expr, role: string, spec: NumSpec): number | null {
    const v = this.numExpr(e, `\`${role}\``);
    return v && this.inRange(v, `\`${role}\``, spec);
  }

  /** A numeric argument of a call: its checked value, the default when absent, null on error. */
  private num(call: Call, args: Map<string, Arg>, name: string): number | null | undefined {
    const a = args.get(name);
    const spec = NUM_SPECS[call.callee.name]?.[name] ?? {};
    if (!a) {
      const d = defaultValue(call.callee.name, name);
      return typeof d === "number" ? d : undefined;
    }
    const v = this.numExpr(a.value, `\`${name}\``);
    return v && this.inRange(v, `\`${name}\``, spec);
  }

  /** A bare-word argument from a closed set (`pool: mean`, `schedule: cosine`). */
  private word(call: Call, args: Map<string, Arg>, name: string, values: readonly string[]): string | null | undefined {
    const a = args.get(name);
    if (!a) {
      const d = defaultValue(call.callee.name, name);
      return typeof d === "string" ? d : undefined;
    }
    const e = a.value;
    const text = e.kind === "Name" ? e.name : e.kind === "String" ? e.value : undefined;
    if (text === undefined) {
      this.err("HGC021", e.span, `\`${name}:\` must be one of ${backticks(values)}, found ${describe(e)}`);
      return null;
    }
    if (!values.includes(text)) {
      this.err("HGC050", e.span, `\`${name}:\` must be one of ${backticks(values)}, found \`${text}\``, didYouMeanHint(text, values));
      return null;
    }
    return text;
  }

  private bool(args: Map<string, Arg>, name: string, fallback: boolean): boolean | null {
    const a = args.get(name);
    if (!a) return fallback;
    if (a.value.kind !== "Bool") {
      this.err("HGC021", a.value.span, `\`${name}:\` must be \`true\` or \`false\`, found ${describe(a.value)}`);
      return null;
    }
    return a.value.value;
  }

  private size(args: Map<string, Arg>, name: string): [number, number] | null | undefined {
    const a = args.get(name);
    if (!a) return undefined;
    const e = a.value;
    if (e.kind !== "Size") {
      this.err("HGC021", e.span, `\`${name}:\` must be a size like \`28x28\`, found ${describe(e)}`, "write height x width with no spaces, e.g. `14x14`");
      return null;
    }
    if (e.height < 1 || e.width < 1) {
      this.err("HGC050", e.span, `\`${name}:\` must be at least 1x1, found \`${e.raw}\``);
      return null;
    }
    return [e.height, e.width];
  }

  private string(args: Map<string, Arg>, name: string): string | null | undefined {
    const a = args.get(name);
    if (!a) return undefined;
    if (a.value.kind !== "String") {
      this.err("HGC021", a.value.span, `\`${name}:\` must be a string, found ${describe(a.value)}`, `write it in double quotes, e.g. \`${name}: "…"\``);
      return null;
    }
    return a.value.value;
  }

  // -- params ---------------------------------------------------------------------------------------

  private param(name: string): number | null {
    const hit = this.params.get(name);
    if (hit !== undefined) return hit;
    const sym = this.symbols.get(name)!;
    const e = sym.decl.value;
    let value: number | null = null;
    // a range (`1e-4..1e-2 log`) is searched by a sweep; on its own the param takes its middle
    const range = paramRange(e, name, (code, span, message, hint) => this.err(code, span, message, hint));
    const literal = range ? rangeMiddle(range) : range === null ? 0 : e.kind === "Number" ? e.value : e.kind === "Unary" && e.operand.kind === "Number" ? -e.operand.value : undefined;
    if (literal === undefined) {
      this.err("HGC021", e.span, `param \`${name}\` must be a number, found ${describe(e)}`, "a param is a plain number, e.g. `param lambda = 0.5`");
    } else {
      value = Object.prototype.hasOwnProperty.call(this.overrides, name) ? this.overrides[name]! : literal;
      this.setItem(sym, `param ${name} = ${fmtNum(value)}`);
    }
    this.params.set(name, value);
    return value;
  }

  private setItem(sym: SymbolEntry, detail: string, shape?: (string | number)[], parameters?: number): void {
    this.items.set(sym.name, {
      name: sym.name,
      kind: sym.kind,
      experiment: this.exp.name,
      span: sym.decl.name.span,
      declSpan: sym.decl.span,
      detail,
      ...(shape ? { shape } : {}),
      ...(parameters !== undefined ? { parameters } : {}),
    });
  }

  /** The declaration's value as a call of the right category, or null (reported). */
  private declCall(sym: SymbolEntry): { call: Call; b: Builtin; args: Map<string, Arg> } | null {
    const e = sym.decl.value;
    const kind = sym.kind as Exclude<DeclKind, "param">;
    const category = CATEGORY_OF_KIND[kind];
    if (e.kind !== "Call") {
      const names = namesOf(category);
      this.err("HGC021", e.span, `${sym.kind} \`${sym.name}\` must be a call to ${backticks(names)}, found ${describe(e)}`, `write e.g. \`${sym.kind} ${sym.name} = ${names[0]}(…)\``);
      return null;
    }
    const sig = this.signature(e, [category], `${CATEGORY_WORDS[category].replace(/^an? /, "")}`);
    return sig && { call: e, ...sig };
  }

  // -- datasets -------------------------------------------------------------------------------------

  private dataset(name: string): IRDataset | null {
    const hit = this.datasets.get(name);
    if (hit !== undefined) return hit;
    this.datasets.set(name, null);
    const sym = this.symbols.get(name)!;
    const sig = this.declCall(sym);
    if (!sig) return null;
    const { call, args } = sig;
    const source = call.callee.name as DatasetSource;
    const before = this.errors;
    const splitWord = this.word(call, args, "split", ["train", "test", "val", "all"]);
    const limit = this.num(call, args, "limit");
    const size = this.size(args, "size");
    const base = dirname(sym.decl.span.file.startsWith("<") ? resolvePath("x") : sym.decl.span.file);
    const path = (key: string): string | null => {
      const v = this.string(args, key);
      return v ? resolvePath(base, v) : null;
    };
    const extra: Record<string, unknown> = {};
    if (source === "idx") {
      extra.images = path("images");
      extra.labels = path("labels");
    } else if (source === "folder") {
      extra.path = path("path");
    } else if (source === "cifar") {
      extra.path = path("path");
      const a = args.get("classes");
      const classes = this.num(call, args, "classes");
      if (typeof classes === "number" && classes !== 10 && classes !== 100) {
        this.err("HGC050", a!.value.span, `\`classes:\` of cifar must be 10 or 100, found ${fmtNum(classes)}`, "CIFAR-10 has 10 classes and CIFAR-100 has 100");
      }
      extra.classes = classes ?? 10;
    } else if (source === "synthetic") {
      extra.count = this.num(call, args, "count");
      extra.classes = this.num(call, args, "classes");
      extra.size = size ?? defaultValue("synthetic", "size");
      extra.noise = this.num(call, args, "noise");
      extra.seed = this.num(call, args, "seed");
    }
    if (this.errors > before) return null;
    const facts = sourceFacts(source, extra);
    const shown = source === "synthetic" ? (extra.size as [number, number]) : (size ?? facts.size);
    const split = (splitWord ?? "train") as IRDataset["split"];
    const available = facts.exactSplits?.includes(split) ? facts.splitSizes?.[split] : undefined;
    if (typeof limit === "number" && available !== undefined && limit > available) {
      this.report("HGC055", "warning", args.get("limit")!.value.span, `\`${name}\` asks for ${formatCount(limit)} images, but the ${split} split of ${source} holds ${formatCount(available)}`, `all ${formatCount(available)} are used; write \`limit: ${available}\` to say so, or choose another split`);
    }
    // Issue 12 (language-v2.md): a dataset must say which split it reads.
    if (!args.has("split")) {
      this.report("HGC122", "warning", call.callee.span, `\`${name}\` does not say which split it reads: say which split you mean; the default is "train"`, `add \`split: "train"\` (or "test", "val", "all")`);
    }
    const ds: IRDataset = {
      name,
      source,
      split: (splitWord ?? "train") as IRDataset["split"],
      limit: typeof limit === "number" ? limit : null,
      size: source === "synthetic" ? null : (size ?? null),
      args: extra,
      shape: { height: shown ? shown[0] : null, width: shown ? shown[1] : null, channels: 1 },
      classes: facts.classes,
    };
    this.datasets.set(name, ds);
    const dims = shown ? `${shown[0]}×${shown[1]}` : "size known once read";
    const count = ds.limit ?? facts.splitSizes?.[ds.split];
    this.setItem(
      sym,
      `dataset ${name}: ${source}, ${ds.split} split${count !== undefined ? `, ${ds.limit !== null ? "" : "≈"}${formatCount(count)} images` : ""}, ${dims} grey${source === "cifar" ? " (converted from colour)" : ""}${ds.classes !== null ? `, ${ds.classes} classes` : ""}`,
      shown ? ["n", shown[0], shown[1], 1] : undefined,
    );
    return ds;
  }

  // -- tokenizers -------------------------------------------------------------------------------------

  /** The training set's image size, which a `patches` tokenizer cuts. */
  private trainImage(): { ds: IRDataset; size: [number, number] | null } | null {
    const data = this.trainDataName();
    if (!data) return null;
    const ds = this.dataset(data);
    if (!ds) return null;
    const { height, width } = ds.shape;
    return { ds, size: height !== null && width !== null ? [height, width] : null };
  }

  private tokenizer(name: string): IRTokenizer | null {
    const hit = this.tokenizers.get(name);
    if (hit !== undefined) return hit;
    this.tokenizers.set(name, null);
    const sym = this.symbols.get(name)!;
    const sig = this.declCall(sym);
    if (!sig) return null;
    const { call, args, b } = sig;
    const before = this.errors;
    const levels = this.num(call, args, "levels");
    let shape: ReturnType<typeof quantizeShape> | null = null;
    if (b.name === "quantize") {
      const size = this.size(args, "size");
      if (size && typeof levels === "number") shape = quantizeShape(size[0], size[1], levels);
      const img = shape ? this.trainImage() : null;
      if (size && img?.size && (size[0] > img.size[0] || size[1] > img.size[1])) {
        this.report("HGC044", "warning", args.get("size")!.value.span, `\`${name}\` upsamples the ${img.size[0]}x${img.size[1]} images of \`${img.ds.name}\` to ${size[0]}x${size[1]}`, `a size at most ${img.size[0]}x${img.size[1]} keeps the sequence shorter at no loss of detail`);
      }
    } else {
      const p = this.num(call, args, "size");
      const img = this.trainImage();
      if (typeof p === "number" && typeof levels === "number" && img) {
        const span = args.get("size")!.value.span;
        if (!img.size) {
          this.err("HGC046", span, `the image size of \`${img.ds.name}\` is only known once its files are read, so \`${name}\` cannot be cut into patches`, `give the dataset a size, e.g. \`size: 28x28\``);
        } else if (img.size[0] % p !== 0 || img.size[1] % p !== 0) {
          const fits = divisors(gcd(img.size[0], img.size[1])).filter((d) => d > 1);
          this.err(
            "HGC042",
            span,
            `patch size ${p} does not divide the ${img.size[0]}x${img.size[1]} images of \`${img.ds.name}\``,
            fits.length ? `use a patch size that divides both sides: ${fits.join(", ")}` : `resize the dataset (\`size:\`) to a multiple of ${p}`,
          );
        } else {
          shape = patchesShape(img.size[0], img.size[1], p, levels);
          for (const ds of this.symbols.values()) {
            if (ds.kind !== "dataset" || ds.name === img.ds.name) continue;
            const other = this.dataset(ds.name);
            if (other && other.shape.height !== null && other.shape.width !== null && (other.shape.height !== img.size[0] || other.shape.width !== img.size[1])) {
              this.err(
                "HGC045",
                ds.decl.name.span,
                `dataset \`${ds.name}\` holds ${other.shape.height}x${other.shape.width} images, but \`${name}\` cuts patches from ${img.size[0]}x${img.size[1]} images`,
                `resize it with \`size: ${img.size[0]}x${img.size[1]}\``,
                [{ message: `the patch size comes from the training set \`${img.ds.name}\``, span: img.ds ? this.symbols.get(img.ds.name)!.decl.name.span : undefined }],
              );
            }
          }
        }
      }
    }
    if (shape && shape.length > MAX_SEQUENCE) {
      this.err("HGC043", call.span, `\`${name}\` makes sequences of ${formatCount(shape.length)} tokens, more than the ${MAX_SEQUENCE} an encoder attends over`, b.name === "quantize" ? "use a smaller `size:` (e.g. 14x14 gives 196 tokens) or `patches(…)`" : "use larger patches");
    }
    if (this.errors > before || !shape || typeof levels !== "number") return null;
    const tok: IRTokenizer = { name, kind: b.name as IRTokenizer["kind"], levels, ...shape };
    this.tokenizers.set(name, tok);
    this.setItem(
      sym,
      `tokens ${name}: ${tok.kind} ${tok.kind === "patches" ? `${tok.patch}x${tok.patch} patches of ${tok.imageSize[0]}x${tok.imageSize[1]}` : `${tok.imageSize[0]}x${tok.imageSize[1]}`}, ${tok.levels} levels → length ${tok.length}, vocab ${tok.vocab}`,
      ["batch", tok.length],
    );
    return tok;
  }

  // -- views ------------------------------------------------------------------------------------------

  private views(name: string): IRViews | null {
    const hit = this.viewsMap.get(name);
    if (hit !== undefined) return hit;
    this.viewsMap.set(name, null);
    const sym = this.symbols.get(name)!;
    const sig = this.declCall(sym);
    if (!sig) return null;
    const { call, args } = sig;
    const before = this.errors;
    let crop: [number, number] | null = null;
    const c = args.get("crop");
    if (c) {
      const e = c.value;
      if (e.kind === "Range") {
        const lo = e.from.value;
        const hi = e.to.value;
        if (!(lo > 0 && lo <= 1)) this.err("HGC050", e.from.span, `the crop range must lie inside (0, 1], found ${fmtNum(lo)}`, "a crop keeps a fraction of the image area, e.g. `crop: 0.6..1.0`");
        else if (!(hi > 0 && hi <= 1)) this.err("HGC050", e.to.span, `the crop range must lie inside (0, 1], found ${fmtNum(hi)}`, "a crop keeps a fraction of the image area, e.g. `crop: 0.6..1.0`");
        else if (lo > hi) this.err("HGC052", e.span, `the crop range \`${e.from.raw}..${e.to.raw}\` runs backwards`, `write the smaller bound first: \`${e.to.raw}..${e.from.raw}\``);
        else crop = [lo, hi];
      } else {
        this.err("HGC021", e.span, `\`crop:\` must be a range like \`0.6..1.0\`, found ${describe(e)}`, "the range is the fraction of the area kept, inside (0, 1]");
      }
    }
    const v = {
      flip: this.num(call, args, "flip"),
      noise: this.num(call, args, "noise"),
      jitter: this.num(call, args, "jitter"),
      erase: this.num(call, args, "erase"),
      rotate: this.num(call, args, "rotate"),
    };
    if (this.errors > before) return null;
    const out: IRViews = { name, kind: "augment", crop, flip: v.flip ?? 0, noise: v.noise ?? 0, jitter: v.jitter ?? 0, erase: v.erase ?? 0, rotate: v.rotate ?? 0 };
    this.viewsMap.set(name, out);
    const parts = [crop ? `crop ${crop[0]}..${crop[1]}` : null, out.flip ? `flip ${out.flip}` : null, out.noise ? `noise ${out.noise}` : null, out.jitter ? `jitter ${out.jitter}` : null, out.erase ? `erase ${out.erase}` : null, out.rotate ? `rotate ${out.rotate}°` : null].filter(Boolean);
    this.setItem(sym, `views ${name}: two augmented views per image (${parts.join(", ") || "no augmentation"})`);
    return out;
  }

  // -- encoders ---------------------------------------------------------------------------------------

  private encoder(name: string): IREncoder | null {
    const hit = this.encoders.get(name);
    if (hit !== undefined) return hit;
    this.encoders.set(name, null);
    const sym = this.symbols.get(name)!;
    const sig = this.declCall(sym);
    if (!sig) return null;
    const { call, args } = sig;
    const before = this.errors;
    const tokArg = args.get("tokens");
    const tokSym = tokArg ? this.nameArg(tokArg.value, "tokens", "`tokens:`") : null;
    const tok = tokSym ? this.tokenizer(tokSym.name) : null;
    const layers = this.num(call, args, "layers");
    const width = this.num(call, args, "width");
    const heads = this.num(call, args, "heads");
    const mlp = this.num(call, args, "mlp");
    const causal = this.bool(args, "causal", false);
    const pool = this.word(call, args, "pool", ["mean", "last", "max"]);
    const dropout = this.num(call, args, "dropout");
    if (typeof width === "number" && typeof heads === "number" && width % heads !== 0) {
      const near = divisors(width).filter((d) => d > 1 && d <= 32);
      this.err(
        "HGC040",
        args.get("heads")!.value.span,
        `width ${width} does not split evenly into ${heads} heads`,
        `each head gets width / heads dimensions; use heads in ${near.join(", ") || "1"}, or a width that ${heads} divides (e.g. ${Math.ceil(width / heads) * heads})`,
        [{ message: `width is ${width}`, span: args.get("width")!.value.span }],
      );
    }
    if (this.errors > before || !tok || typeof layers !== "number" || typeof width !== "number" || typeof heads !== "number" || causal === null || !pool) return null;
    const mlpX = typeof mlp === "number" ? mlp : 4;
    const parameters = encoderParameters(tok, { width, layers, mlp: mlpX, length: tok.length });
    const enc: IREncoder = {
      name,
      kind: "transformer",
      tokens: tok.name,
      layers,
      width,
      heads,
      mlp: mlpX,
      causal,
      pool: pool as IREncoder["pool"],
      dropout: typeof dropout === "number" ? dropout : 0,
      length: tok.length,
      parameters,
    };
    this.encoders.set(name, enc);
    this.setItem(
      sym,
      `encoder ${name}: transformer, ${layers} layers, width ${width}, ${heads} heads${causal ? ", causal" : ""}; .tokens [batch, ${tok.length}, ${width}], .pooled [batch, ${width}] (${pool}); ${formatCount(parameters)} parameters`,
      ["batch", tok.length, width],
      parameters,
    );
    return enc;
  }

  // -- heads ------------------------------------------------------------------------------------------

  /**
   * What a protocol probes (issue 12): `enc.pooled`; where `blocks` allows, one block's pooled
   * output `enc.layer(k)` (1 ≤ k ≤ layers), and with `blocks: "layers"` every block, `enc.layers`.
   */
  private featuresMember(e: Expr, role: string, blocks: "layer" | "layers" | null): IRFeatures | null {
    const prop = e.kind === "Member" ? e.property.name : null;
    if (e.kind !== "Member" || e.object.kind !== "Name" || !blocks || (prop !== "layer" && prop !== "layers")) {
      if (e.kind === "Member" && e.arg) {
        this.err("HGC025", e.arg.span, `\`.${e.property.name}\` takes no argument`, "only `.layer(k)` takes one");
        return null;
      }
      const r = this.encoderMember(e, role, "pooled");
      return r && { encoder: r.enc.name, member: "pooled" };
    }
    const sym = this.lookup(e.object.name, e.object.span, ["encoder"], role);
    const enc = sym ? this.encoder(sym.name) : null;
    if (!enc) return null;
    if (prop === "layers") {
      if (blocks !== "layers") {
        this.err("HGC025", e.property.span, `${role} of this protocol reads one feature set, not every block`, `name one block, e.g. \`${enc.name}.layer(${enc.layers})\`, or \`${enc.name}.pooled\``);
        return null;
      }
      if (e.arg) {
        this.err("HGC025", e.arg.span, "`.layers` takes no argument", `write \`${enc.name}.layers\` for every block or \`${enc.name}.layer(k)\` for one`);
        return null;
      }
      return { encoder: enc.name, member: "layers" };
    }
    if (!e.arg) {
      this.err("HGC025", e.property.span, "`.layer` needs a block number", `write \`${enc.name}.layer(k)\` with 1 ≤ k ≤ ${enc.layers}`);
      return null;
    }
    const k = this.numExpr(e.arg, "the block number");
    if (!k) return null;
    if (!Number.isInteger(k.value) || k.value < 1 || k.value > enc.layers) {
      this.err("HGC120", e.arg.span, `\`${enc.name}\` has ${enc.layers} block${enc.layers === 1 ? "" : "s"}, so \`.layer(${fmtNum(k.value)})\` names none`, `k runs from 1 to ${enc.layers}; \`${enc.name}.layers\` probes every block`);
      return null;
    }
    return { encoder: enc.name, member: "layer", layer: k.value };
  }

  /** `enc.pooled` / `enc.tokens`: the encoder and the member, or null (reported). */
  private encoderMember(e: Expr, role: string, want?: "pooled"): { enc: IREncoder; member: "pooled" | "tokens" } | null {
    if (e.kind === "Member" && e.object.kind === "Name") {
      const sym = this.lookup(e.object.name, e.object.span, ["encoder"], role);
      if (!sym) return null;
      const prop = e.property.name;
      if (prop !== "pooled" && prop !== "tokens") {
        this.err("HGC025", e.property.span, `an encoder has no member \`${prop}\``, didYouMeanHint(prop, ["pooled", "tokens"]) ?? "an encoder exposes `.pooled` and `.tokens`");
        return null;
      }
      const enc = this.encoder(sym.name);
      if (!enc) return null;
      if (e.arg) {
        this.err("HGC025", e.arg.span, `\`.${prop}\` takes no argument`, "write it without the parentheses");
        return null;
      }
      if (want === "pooled" && prop !== "pooled") {
        this.err("HGC033", e.span, `${role} must be pooled features, found \`${sym.name}.tokens\` [batch, ${enc.length}, ${enc.width}]`, `use \`${sym.name}.pooled\` [batch, ${enc.width}]`);
        return null;
      }
      return { enc, member: prop };
    }
    if (e.kind === "Name") {
      const sym = this.symbols.get(e.name);
      if (sym?.kind === "encoder") {
        this.addRef(e.span, sym);
        this.err(want === "pooled" ? "HGC033" : "HGC034", e.span, `${role} must be \`${e.name}.pooled\`${want ? "" : ` or \`${e.name}.tokens\``}, not the encoder itself`, `write \`${e.name}.pooled\`${want ? "" : ` for [batch, width] or \`${e.name}.tokens\` for [batch, length, width]`}`);
        return null;
      }
      if (sym) {
        this.addRef(e.span, sym);
        const encs = [...this.symbols.values()].filter((s) => s.kind === "encoder").map((s) => `${s.name}.pooled`);
        this.err(want === "pooled" ? "HGC033" : "HGC034", e.span, `${role} must read an encoder's ${want === "pooled" ? "`.pooled` features" : "`.pooled` or `.tokens`"}, but \`${e.name}\` is ${KIND_WORDS[sym.kind]}`, encs.length ? `did you mean ${backticks(encs.slice(0, 3))}?` : undefined, [
          { message: `\`${e.name}\` is declared here`, span: sym.decl.name.span },
        ]);
        return null;
      }
      this.lookup(e.name, e.span, ["encoder"], role);
      return null;
    }
    this.err("HGC021", e.span, `${role} must be an encoder's \`.pooled\`${want ? "" : " or `.tokens`"}, found ${describe(e)}`, "write e.g. `enc.pooled`");
    return null;
  }

  private head(name: string): IRHead | null {
    const hit = this.heads.get(name);
    if (hit !== undefined) return hit;
    this.heads.set(name, null);
    const sym = this.symbols.get(name)!;
    const sig = this.declCall(sym);
    if (!sig) return null;
    const { call, args, b } = sig;
    const before = this.errors;
    const input = call.positional ? this.encoderMember(call.positional, `the input of head \`${name}\``) : null;
    const out = this.num(call, args, "out");
    let hidden: number[] = [];
    const h = args.get("hidden");
    if (h) {
      const e = h.value;
      const items = e.kind === "List" ? e.items : [e];
      if (e.kind !== "List" && e.kind !== "Number") {
        this.err("HGC021", e.span, `\`hidden:\` must be a list of widths like \`[96]\`, found ${describe(e)}`);
      } else {
        hidden = [];
        for (const it of items) {
          const v = this.numExpr(it, "a hidden width");
          const ok = v && this.inRange(v, "a hidden width", POSITIVE_INT);
          if (ok !== null && ok !== undefined) hidden.push(ok);
        }
      }
    }
    const declaredIn = this.num(call, args, "in");
    if (input && typeof declaredIn === "number" && declaredIn !== input.enc.width) {
      this.err(
        "HGC041",
        args.get("in")!.value.span,
        `head \`${name}\` expects inputs of width ${declaredIn}, but \`${input.enc.name}.${input.member}\` has width ${input.enc.width}`,
        `write \`in: ${input.enc.width}\` (or drop \`in:\`; the width is inferred from the encoder)`,
        [{ message: `\`${input.enc.name}\` has width ${input.enc.width}`, span: this.symbols.get(input.enc.name)!.decl.name.span }],
      );
    }
    if (this.errors > before || !input || typeof out !== "number") return null;
    const perToken = input.member === "tokens";
    const tok = this.tokenizers.get(input.enc.tokens) ?? null;
    const ppt = perToken && tok ? tok.pixelsPerToken : 1;
    const width = input.enc.width;
    const parameters = headParameters(width, b.name === "linear" ? [] : hidden, out * ppt);
    const shape: (string | number)[] = perToken ? (ppt > 1 ? ["batch", input.enc.length, ppt, out] : ["batch", input.enc.length, out]) : ["batch", out];
    const head: IRHead = {
      name,
      kind: b.name as IRHead["kind"],
      input: { encoder: input.enc.name, member: input.member },
      inWidth: width,
      hidden: b.name === "linear" ? [] : hidden,
      out,
      perToken,
      shape,
      parameters,
    };
    this.heads.set(name, head);
    this.setItem(sym, `head ${name}: ${b.name} ${[width, ...head.hidden, out].join(" → ")}${perToken ? " at every position" : ""}, ${formatShape(shape)}; ${formatCount(parameters)} parameters`, shape, parameters);
    return head;
  }

  // -- losses -----------------------------------------------------------------------------------------

  private loss(name: string): IRLoss | null {
    const hit = this.losses.get(name);
    if (hit !== undefined) return hit;
    this.losses.set(name, null);
    const sym = this.symbols.get(name)!;
    const sig = this.declCall(sym);
    if (!sig) return null;
    const { call, args, b } = sig;
    const before = this.errors;
    const headSym = call.positional ? this.headRef(call.positional, b.name) : null;
    const head = headSym ? this.head(headSym.name) : null;
    let loss: IRLoss | null = null;
    if (b.name === "ntxent") {
      const va = args.get("views");
      const viewsSym = va ? this.nameArg(va.value, "views", "`views:`") : null;
      const views = viewsSym ? this.views(viewsSym.name) : null;
      const temperature = this.num(call, args, "temperature");
      if (head && head.perToken) {
        this.err("HGC030", call.positional!.span, `ntxent needs a vector head, but \`${head.name}\` is per-token ${formatShape(head.shape)}`, `contrast pooled features: declare \`head proj = mlp(${head.input.encoder}.pooled, out: 128)\` and write \`ntxent(proj, …)\``, [
          { message: `\`${head.name}\` reads \`${head.input.encoder}.tokens\``, span: headSym!.decl.name.span },
        ]);
      }
      if (this.errors === before && head && views && typeof temperature === "number") {
        loss = { name, kind: "ntxent", head: head.name, views: views.name, temperature };
        this.setItem(sym, `loss ${name}: NT-Xent over two views (${views.name}) of ${head.name} ${formatShape(head.shape)}, temperature ${temperature}`);
      }
    } else {
      const ta = args.get("target");
      const tokSym = ta ? this.nameArg(ta.value, "tokens", "`target:`") : null;
      const target = tokSym ? this.tokenizer(tokSym.name) : null;
      const input = this.word(call, args, "input", ["clean", "view"]);
      if (head && !head.perToken) {
        this.err(
          "HGC031",
          call.positional!.span,
          `autoregressive needs a per-token head, but \`${head.name}\` is a vector ${formatShape(head.shape)}`,
          `declare a per-token head, e.g. \`head lm = linear(${head.input.encoder}.tokens, out: ${target?.name ?? "pixels"}.vocab)\`, and write \`autoregressive(lm, …)\``,
          [{ message: `\`${head.name}\` reads \`${head.input.encoder}.pooled\``, span: headSym!.decl.name.span }],
        );
      } else if (head && target) {
        if (head.out !== target.vocab) {
          this.err(
            "HGC032",
            call.positional!.span,
            `head \`${head.name}\` predicts ${head.out} values per position, but \`${target.name}\` has a vocabulary of ${target.vocab}`,
            `write \`out: ${target.name}.vocab\` in \`${head.name}\``,
            [{ message: `\`${head.name}\` is declared here`, span: headSym!.decl.name.span }],
          );
        }
        const enc = this.encoders.get(head.input.encoder);
        if (enc && enc.tokens !== target.name) {
          this.err(
            "HGC035",
            ta!.value.span,
            `\`${head.name}\` reads encoder \`${enc.name}\`, which reads \`${enc.tokens}\`, not \`${target.name}\``,
            `predict the tokens the encoder reads: \`target: ${enc.tokens}\``,
          );
        } else if (enc && !enc.causal) {
          this.report("HGC036", "warning", call.positional!.span, `encoder \`${enc.name}\` is not causal, so \`${name}\` can see the tokens it predicts`, `add \`causal: true\` to \`${enc.name}\``, [
            { message: `\`${enc.name}\` is declared here`, span: this.symbols.get(enc.name)!.decl.name.span },
          ]);
        }
      }
      if (target && target.length < 2) {
        this.err("HGC043", ta!.value.span, `\`${target.name}\` has only ${target.length} token, too short to predict autoregressively`, "use a larger `size:` or smaller patches");
      }
      if (this.errors === before && head && target && input) {
        loss = { name, kind: "autoregressive", head: head.name, target: target.name, input: input as "clean" | "view" };
        this.setItem(sym, `loss ${name}: next-token cross entropy of ${target.name} (${target.length} tokens, vocab ${target.vocab}) from ${head.name}, in bits/dim`);
      }
    }
    this.losses.set(name, loss);
    return loss;
  }

  private headRef(e: Expr, callee: string): SymbolEntry | null {
    if (e.kind !== "Name") {
      const hint = e.kind === "Member" ? `declare a head on it first, e.g. \`head proj = mlp(${memberText(e)}, out: 128)\`, then write \`${callee}(proj, …)\`` : undefined;
      this.err("HGC034", e.span, `\`${callee}\` applies to a head, found ${describe(e)}`, hint);
      return null;
    }
    return this.lookup(e.name, e.span, ["head"], `\`${callee}\`'s input`);
  }

  // -- training -----------------------------------------------------------------------------------------

  private trainDataName(): string | null {
    if (this.trainData !== undefined) return this.trainData;
    this.trainData = null;
    const call = this.trainStmt?.stmt.kind === "Train" ? this.trainStmt.stmt.call : undefined;
    const a = call?.args.find((x) => x.name.name === "data");
    if (a) {
      const sym = this.nameArg(a.value, "dataset", "`data:`");
      this.trainData = sym ? sym.name : null;
    }
    return this.trainData;
  }

  private checkTrain(): IRTrain | null {
    if (!this.trainStmt || this.trainStmt.stmt.kind !== "Train") {
      this.err("HGC024", this.nameSpan, `experiment \`${this.exp.name}\` has no \`train(…)\``, "add e.g. `train(data: train, steps: 1000, batch: 64)`");
      return null;
    }
    const call = this.trainStmt.stmt.call;
    const sig = this.signature(call, ["train"], "statement");
    if (!sig) return null;
    const { args } = sig;
    const before = this.errors;
    const data = this.trainDataName();
    const ds = data ? this.dataset(data) : null;
    const steps = this.num(call, args, "steps");
    const epochs = this.num(call, args, "epochs");
    const batch = this.num(call, args, "batch");
    const evalEvery = this.num(call, args, "eval_every");
    const checkpointEvery = this.num(call, args, "checkpoint_every");
    const logEvery = this.num(call, args, "log_every");
    const keep = this.num(call, args, "keep");
    const keepBestArg = args.get("keep_best");
    const keepBest = keepBestArg ? metricText(keepBestArg.value) : undefined;
    if (keepBestArg && keepBest === null) this.err("HGC021", keepBestArg.value.span, "`keep_best:` names a metric like `knn.accuracy`", "write the metric's name, as in a sweep's `objectives`");
    if (args.has("keep") && !keepBestArg) this.err("HGC020", args.get("keep")!.name.span, "`keep:` counts the best checkpoints of `keep_best:`, which is missing", "add e.g. `keep_best: knn.accuracy`");
    if (args.has("steps") && args.has("epochs")) {
      this.err("HGC054", args.get("epochs")!.name.span, "give `steps:` or `epochs:`, not both", "keep the one you mean; the other follows from the dataset size and the batch");
    } else if (!args.has("steps") && !args.has("epochs")) {
      this.err("HGC054", call.callee.span, "`train` needs `steps:` or `epochs:`", "add e.g. `steps: 1000`");
    }
    if (this.errors > before || !ds || typeof batch !== "number") return null;
    let total = typeof steps === "number" ? steps : 0;
    if (typeof epochs === "number") {
      const n = ds.limit ?? sourceFacts(ds.source, ds.args).splitSizes?.[ds.split];
      if (n === undefined) {
        this.err("HGC054", args.get("epochs")!.name.span, `the size of \`${ds.name}\` is only known once its files are read, so \`epochs\` cannot be turned into steps`, `give \`${ds.name}\` a \`limit:\`, or train for \`steps:\``);
        return null;
      }
      total = epochs * Math.ceil(n / batch);
    }
    return {
      data: ds.name,
      steps: total,
      epochs: typeof epochs === "number" ? epochs : null,
      batch,
      evalEvery: typeof evalEvery === "number" ? evalEvery : null,
      checkpointEvery: typeof checkpointEvery === "number" ? checkpointEvery : null,
      logEvery: typeof logEvery === "number" ? logEvery : 10,
      ...(keepBest ? { keepBest: { metric: keepBest, direction: metricDirection(keepBest), keep: typeof keep === "number" ? keep : 1 } } : {}),
    };
  }

  private checkBatch(train: IRTrain, objective: IRObjective): void {
    const contrastive = objective.terms.find((t) => this.losses.get(t.loss)?.kind === "ntxent");
    if (contrastive && train.batch < 2) {
      const call = (this.trainStmt!.stmt as Extract<Stmt, { kind: "Train" }>).call;
      const span = call.args.find((a) => a.name.name === "batch")?.value.span ?? call.callee.span;
      this.err("HGC053", span, `a batch of ${train.batch} has no negatives for the contrastive loss \`${contrastive.loss}\``, "NT-Xent contrasts each image with the rest of its batch; use `batch: 2` or more (64 or more works best)");
    }
  }

  private checkOptimizer(m: MergedStmt | undefined): IROptimizer | null {
    const defaults = (kind: IROptimizer["kind"]): IROptimizer => ({
      kind,
      lr: defaultValue(kind, "lr") as number,
      weightDecay: (defaultValue(kind, "weight_decay") as number | undefined) ?? 0,
      beta1: (defaultValue(kind, "beta1") as number | undefined) ?? 0.9,
      beta2: (defaultValue(kind, "beta2") as number | undefined) ?? 0.999,
      eps: (defaultValue(kind, "eps") as number | undefined) ?? 1e-8,
      momentum: (defaultValue(kind, "momentum") as number | undefined) ?? 0,
      warmup: defaultValue(kind, "warmup") as number,
      schedule: defaultValue(kind, "schedule") as IROptimizer["schedule"],
      minLrRatio: defaultValue(kind, "min_lr_ratio") as number,
      clip: null,
    });
    if (!m || m.stmt.kind !== "Assign") return defaults("adamw");
    const e = m.stmt.value;
    if (e.kind !== "Call") {
      this.err("HGC021", e.span, `\`optimizer\` must be a call to \`adam\`, \`adamw\` or \`sgd\`, found ${describe(e)}`, "write e.g. `optimizer = adamw(lr: 1e-3)`");
      return null;
    }
    const sig = this.signature(e, ["optimizer"], "optimizer");
    if (!sig) return null;
    const before = this.errors;
    const o = defaults(sig.b.name as IROptimizer["kind"]);
    const set = (key: keyof IROptimizer, arg: string) => {
      const v = this.num(e, sig.args, arg);
      if (typeof v === "number") (o as unknown as Record<string, unknown>)[key] = v;
    };
    set("lr", "lr");
    set("weightDecay", "weight_decay");
    set("beta1", "beta1");
    set("beta2", "beta2");
    set("eps", "eps");
    set("momentum", "momentum");
    set("warmup", "warmup");
    set("minLrRatio", "min_lr_ratio");
    set("clip", "clip");
    const schedule = this.word(e, sig.args, "schedule", ["cosine", "linear", "constant"]);
    if (schedule) o.schedule = schedule as IROptimizer["schedule"];
    return this.errors > before ? null : o;
  }

  // -- the objective --------------------------------------------------------------------------------------

  private checkObjective(m: MergedStmt): IRObjective | null {
    const s = m.stmt as Extract<Stmt, { kind: "Assign" }>;
    const before = this.errors;
    const t = this.objExpr(s.value);
    if (!t) return null;
    if (t.t === "scalar") {
      if (this.errors === before) {
        const losses = [...this.symbols.values()].filter((x) => x.kind === "loss").map((x) => x.name);
        this.err("HGC062", s.value.span, "the objective names no loss", losses.length ? `write a weighted sum of ${backticks(losses)}, e.g. \`objective = ${losses.join(" + ")}\`` : "declare a loss (`loss NAME = ntxent(…)` or `autoregressive(…)`) and optimise it");
      }
      return null;
    }
    if (this.errors > before) return null;
    // Merge repeated losses into one term.
    const merged = new Map<string, { weight: IRScalar; span: Span }>();
    for (const term of t.terms) {
      const prev = merged.get(term.loss);
      merged.set(term.loss, prev ? { weight: addS(prev.weight, term.weight), span: prev.span } : { weight: term.weight, span: term.span });
    }
    const total = this.trainStepsHint();
    for (const [loss, { weight, span }] of merged) {
      const samples = [0, Math.floor(total / 2), total].map((step) => evalScalar(weight, step));
      const neg = samples.find((x) => x < 0);
      if (neg !== undefined) {
        this.report("HGC063", "warning", span, `the weight of \`${loss}\` is negative (${fmtNum(neg)})`, "a negative weight maximises that loss; make the weight positive or drop the term");
      }
    }
    const src = this.ws.sources.get(s.value.span.file);
    const text = src ? src.slice(s.value.span.start.offset, s.value.span.end.offset) : "";
    return { terms: [...merged].map(([loss, { weight }]) => ({ loss, weight })), text };
  }

  private trainStepsHint(): number {
    const call = this.trainStmt?.stmt.kind === "Train" ? this.trainStmt.stmt.call : undefined;
    const a = call?.args.find((x) => x.name.name === "steps");
    return a?.value.kind === "Number" ? a.value.value : 1000;
  }

  private objExpr(e: Expr): ObjT | null {
    switch (e.kind) {
      case "Number":
        return { t: "scalar", ir: { op: "num", value: e.value } };
      case "Name": {
        const sym = this.symbols.get(e.name);
        if (!sym) {
          const candidates = [...this.symbols.values()].filter((x) => x.kind === "loss" || x.kind === "param").map((x) => x.name);
          this.err("HGC010", e.span, `unknown name \`${e.name}\``, didYouMeanHint(e.name, candidates) ?? `an objective combines losses (${backticks(candidates.length ? candidates : ["…"])}) with numbers and params`);
          return null;
        }
        this.addRef(e.span, sym);
        if (sym.kind === "param") {
          const v = this.param(sym.name);
          return v === null ? null : { t: "scalar", ir: { op: "param", name: sym.name, value: v } };
        }
        if (sym.kind === "loss") {
          this.loss(sym.name);
          return { t: "loss", terms: [{ loss: sym.name, weight: { op: "num", value: 1 }, span: e.span }] };
        }
        this.err("HGC034", e.span, `\`${e.name}\` is ${KIND_WORDS[sym.kind]}; an objective combines losses, numbers and params`, sym.kind === "head" ? `declare a loss on it, e.g. \`loss l = ntxent(${e.name}, views: …)\`` : undefined, [
          { message: `\`${e.name}\` is declared here`, span: sym.decl.name.span },
        ]);
        return null;
      }
      case "Unary": {
        const v = this.objExpr(e.operand);
        if (!v) return null;
        return v.t === "scalar" ? { t: "scalar", ir: negS(v.ir) } : { t: "loss", terms: v.terms.map((x) => ({ ...x, weight: negS(x.weight) })) };
      }
      case "Binary": {
        const a = this.objExpr(e.left);
        const b = this.objExpr(e.right);
        if (!a || !b) return null;
        if (e.op === "+" || e.op === "-") {
          if (a.t === "scalar" && b.t === "scalar") return { t: "scalar", ir: { op: e.op === "+" ? "add" : "sub", a: a.ir, b: b.ir } };
          if (a.t === "loss" && b.t === "loss") {
            return { t: "loss", terms: [...a.terms, ...(e.op === "+" ? b.terms : b.terms.map((x) => ({ ...x, weight: negS(x.weight) })))] };
          }
          const num = a.t === "scalar" ? e.left : e.right;
          this.err("HGC065", num.span, `a number ${e.op === "+" ? "added to" : "subtracted from"} a loss changes nothing that is trained`, "an objective is a weighted sum of losses; multiply a loss by the number instead, or remove it");
          return null;
        }
        if (e.op === "*") {
          if (a.t === "loss" && b.t === "loss") {
            this.err("HGC060", e.span, "the objective multiplies two losses", "an objective is a weighted sum of losses: scale each by a number or param and add them, e.g. `gen + lambda * con`");
            return null;
          }
          if (a.t === "scalar" && b.t === "scalar") return { t: "scalar", ir: mulS(a.ir, b.ir) };
          const [s, l] = a.t === "scalar" ? [a, b as LossT] : [b as ScalarT, a];
          return { t: "loss", terms: l.terms.map((x) => ({ ...x, weight: mulS(s.ir, x.weight) })) };
        }
        // division
        if (b.t === "loss") {
          this.err("HGC060", e.span, "the objective divides by a loss", "an objective is a weighted sum of losses; divide a loss by a number, not by another loss");
          return null;
        }
        if (a.t === "scalar") return { t: "scalar", ir: { op: "div", a: a.ir, b: b.ir } };
        return { t: "loss", terms: a.terms.map((x) => ({ ...x, weight: { op: "div", a: x.weight, b: b.ir } })) };
      }
      case "Call":
        return this.schedule(e);
      default:
        this.err("HGC021", e.span, `an objective is a weighted sum of losses, found ${describe(e)}`, "combine losses with `+`, `-`, `*`, numbers, params and `warmup(…)`, `ramp(…)`, `cosine(…)`");
        return null;
    }
  }

  private schedule(call: Call): ObjT | null {
    const sig = this.signature(call, ["schedule"], "weight schedule");
    if (!sig) return null;
    const { b, args } = sig;
    const slot = (e: Expr | undefined, role: string): IRScalar | null => {
      if (!e) return null;
      const v = this.objExpr(e);
      if (!v) return null;
      if (v.t === "loss") {
        this.err("HGC061", e.span, `a loss in ${role} of \`${b.name}\`, which takes a number`, `a schedule scales a loss from outside: \`${b.name}(…) * ${v.terms[0]?.loss ?? "loss"}\``);
        return null;
      }
      return v.ir;
    };
    const steps = this.num(call, args, "steps");
    if (b.name === "warmup") {
      const x = slot(call.positional, "the weight");
      return x && typeof steps === "number" ? { t: "scalar", ir: { op: "warmup", x, steps } } : null;
    }
    const from = slot(args.get("from")?.value, "`from:`");
    const to = slot(args.get("to")?.value, "`to:`");
    if (!from || !to || typeof steps !== "number") return null;
    return { t: "scalar", ir: { op: b.name as "ramp" | "cosine", from, to, steps } };
  }

  private checkUnusedLosses(objective: IRObjective): void {
    const used = new Set(objective.terms.map((t) => t.loss));
    for (const sym of this.symbols.values()) {
      if (sym.kind !== "loss" || used.has(sym.name) || sym.inherited) continue;
      this.report("HGC064", "warning", sym.decl.name.span, `loss \`${sym.name}\` is defined but not in the objective`, `add it to the objective (\`objective = … + ${sym.name}\`) or remove it`);
    }
  }

  // -- evaluation --------------------------------------------------------------------------------------

  private checkEvaluate(m: MergedStmt, objective: IRObjective | null): IRProtocol[] {
    const s = m.stmt as Extract<Stmt, { kind: "Evaluate" }>;
    const out: IRProtocol[] = [];
    // Inherited protocols that the child's objective cannot serve are the baseline pattern: reported as info.
    const naSeverity: Severity = m.inherited ? "info" : "warning";
    // With a broken objective or loss, "not applicable" would only echo that error.
    const objectiveOk = objective !== null && objective.terms.every((t) => this.losses.get(t.loss));
    const firstEncoder = [...this.symbols.values()].find((x) => x.kind === "encoder");
    const defaultFeatures = (): IRFeatures | null => {
      const enc = firstEncoder ? this.encoder(firstEncoder.name) : null;
      return enc ? { encoder: enc.name, member: "pooled" } : null;
    };
    // Issue 12: a loss whose weight is 0 at every step trains nothing, so it does not count as trained.
    const steps = this.trainStepsHint();
    const untrained = new Set((objective?.terms ?? []).filter((t) => zeroThroughout(t.weight, steps)).map((t) => t.loss));
    const generative = objective
      ? objective.terms
          .filter((t) => !untrained.has(t.loss))
          .map((t) => this.losses.get(t.loss))
          .find((l): l is Extract<IRLoss, { kind: "autoregressive" }> => l?.kind === "autoregressive")
      : undefined;
    const zeroGen = [...untrained].find((l) => this.losses.get(l)?.kind === "autoregressive");
    for (const call of s.protocols) {
      const sig = this.signature(call, ["protocol"], "evaluation protocol");
      if (!sig) continue;
      const { b, args } = sig;
      const before = this.errors;
      const dataArg = (key: string): string | null => {
        const a = args.get(key);
        if (!a) return null;
        const sym = this.nameArg(a.value, "dataset", `\`${key}:\``);
        return sym && this.dataset(sym.name) ? sym.name : null;
      };
      const features = (): IRFeatures | null => {
        const a = args.get("features");
        if (!a) return defaultFeatures();
        // Issue 12: linear_probe and knn may read one block, `enc.layer(k)`; linear_probe every block, `enc.layers`.
        const blocks = b.name === "linear_probe" ? "layers" : b.name === "knn" ? "layer" : null;
        return this.featuresMember(a.value, "`features:`", blocks);
      };
      const trainName = (): string | null => (args.has("train") ? dataArg("train") : this.trainDataName());
      /** The generative head a protocol scores with, its tokenizer, and whether the objective trains it. */
      const genHead = (what: string): { head: string; tokenizer: string; applicable: boolean } | null => {
        const a = args.get("head");
        let head: IRHead | null = null;
        if (a) {
          const sym = this.nameArg(a.value, "head", "`head:`");
          head = sym ? this.head(sym.name) : null;
          if (head && !head.perToken) {
            this.err("HGC031", a.value.span, `\`head:\` must be a per-token head, but \`${head.name}\` is a vector ${formatShape(head.shape)}`, "name the head that predicts the next token, e.g. `linear(enc.tokens, out: pixels.vocab)`");
            return null;
          }
          if (!head) return null;
        } else if (generative) {
          head = this.heads.get(generative.head) ?? null;
        } else {
          const ar = [...this.losses.values()].find((l) => l?.kind === "autoregressive");
          head = ar ? (this.heads.get(ar.head) ?? null) : ([...this.heads.values()].find((h) => h?.perToken) ?? null);
        }
        if (!head) {
          // A per-token head or an autoregressive loss that failed to check is already reported.
          const attempted = [...this.symbols.values()].some(
            (x) =>
              (x.kind === "head" && x.decl.value.kind === "Call" && x.decl.value.positional?.kind === "Member" && x.decl.value.positional.property.name === "tokens") ||
              (x.kind === "loss" && x.decl.value.kind === "Call" && x.decl.value.callee.name === "autoregressive"),
          );
          if (attempted) return null;
          this.err("HGC071", call.callee.span, `${what} needs a per-token generative head, and experiment \`${this.exp.name}\` has none`, "add `head lm = linear(enc.tokens, out: pixels.vocab)` and `loss gen = autoregressive(lm, target: pixels)` to the objective, or remove this protocol");
          return null;
        }
        const enc = this.encoders.get(head.input.encoder);
        if (!enc) return null;
        return { head: head.name, tokenizer: enc.tokens, applicable: generative?.head === head.name };
      };
      const notApplicable = (span: Span, what: string): string => {
        const reason = zeroGen
          ? `the objective of \`${this.exp.name}\` gives \`${zeroGen}\` weight 0 at every step, so ${what} is not trained`
          : `the objective of \`${this.exp.name}\` has no autoregressive loss, so ${what} is not trained`;
        const hint = zeroGen ? `it is reported as not applicable; give \`${zeroGen}\` a positive weight to measure it` : "it is reported as not applicable; add the generative loss to the objective to measure it";
        if (objectiveOk) this.report("HGC070", naSeverity, span, `\`${call.callee.name}\` is not applicable: ${reason}`, hint);
        return reason;
      };
      let p: IRProtocol | null = null;
      switch (b.name) {
        case "linear_probe": {
          const f = features();
          const tr = dataArg("train");
          const te = dataArg("test");
          const epochs = this.num(call, args, "epochs");
          const lr = this.num(call, args, "lr");
          // Issue 12: `val:` (held-out set for L2 and the block of `.layers`) and `baselines:`.
          const val = args.has("val") ? dataArg("val") : null;
          const baselines = this.baselineList(args.get("baselines"));
          if (f && tr && te && baselines && (val !== null || !args.has("val")) && typeof epochs === "number" && typeof lr === "number")
            p = { kind: "linear_probe", applicable: true, features: f, train: tr, val, test: te, epochs, lr, baselines };
          break;
        }
        case "knn": {
          const f = features();
          const tr = dataArg("train");
          const te = dataArg("test");
          const k = this.num(call, args, "k");
          const temperature = this.num(call, args, "temperature");
          const baselines = this.baselineList(args.get("baselines"));
          if (f && tr && te && baselines && typeof k === "number" && typeof temperature === "number") p = { kind: "knn", applicable: true, features: f, k, train: tr, test: te, temperature, baselines };
          break;
        }
        case "bits_per_dim": {
          const data = dataArg("data");
          const g = genHead("`bits_per_dim`");
          if (data && g) {
            p = { kind: "bits_per_dim", applicable: g.applicable, data, head: g.head, tokenizer: g.tokenizer };
            if (!g.applicable) p.reason = notApplicable(call.callee.span, `head \`${g.head}\``);
          }
          break;
        }
        case "samples": {
          const count = this.num(call, args, "count");
          const temperature = this.num(call, args, "temperature");
          const g = genHead("`samples`");
          if (g && typeof count === "number" && typeof temperature === "number") {
            p = { kind: "samples", applicable: g.applicable, count, temperature, head: g.head, tokenizer: g.tokenizer };
            if (!g.applicable) p.reason = notApplicable(call.callee.span, `head \`${g.head}\``);
          }
          break;
        }
        case "ood": {
          const inD = dataArg("in");
          const outD = dataArg("out");
          // Without any per-token head the default drops `likelihood` rather than demand one.
          const hasGenerativeHead = [...this.heads.values()].some((h) => h?.perToken);
          const defaultScores = (defaultValue("ood", "scores") as string[]).filter((x) => x !== "likelihood" || hasGenerativeHead);
          const scores = this.wordList(args.get("scores"), "scores", OOD_SCORES) ?? (args.has("scores") ? null : defaultScores);
          const f = features();
          const tr = trainName();
          const k = this.num(call, args, "k");
          if (scores?.includes("likelihood")) {
            const g = genHead("the `likelihood` score");
            if (g && !g.applicable && objectiveOk) {
              const at = args.get("scores")?.value ?? call.callee;
              this.report("HGC070", naSeverity, at.span, `the \`likelihood\` score is not applicable: the objective of \`${this.exp.name}\` has no autoregressive loss`, "it is reported as not applicable; the other scores still run");
            }
          }
          if (inD && outD && scores && f && tr && typeof k === "number") p = { kind: "ood", applicable: true, in: inD, out: outD, scores: scores as ("likelihood" | "knn" | "mahalanobis")[], features: f, train: tr, k };
          break;
        }
        case "robustness": {
          const data = dataArg("data");
          const corruptions = this.wordList(args.get("corruptions"), "corruptions", CORRUPTIONS) ?? (args.has("corruptions") ? null : (defaultValue("robustness", "corruptions") as string[]));
          const severities = this.severities(args.get("severities"));
          const f = features();
          const tr = trainName();
          if (data && corruptions && severities && f && tr) p = { kind: "robustness", applicable: true, data, corruptions, severities, features: f, train: tr };
          break;
        }
      }
      if (p && this.errors === before) {
        // Issue 12 (language-v2.md): figures measured on the training data.
        for (const key of ["test", "data", "in"]) if (args.has(key)) this.warnIfTrainingData(args.get(key)!, dataArg(key));
        out.push(p);
      }
    }
    return out;
  }

  /** HGC121: an evaluation set that is the training set, or the same source and split as it (issue 12). */
  private warnIfTrainingData(a: Arg, name: string | null): void {
    const trainName = this.trainDataName();
    if (!name || !trainName) return;
    const [ds, tr] = [this.dataset(name), this.dataset(trainName)];
    if (!ds || !tr) return;
    // The same images: the same source, split and files (for synthetic data, the same generator seed).
    const origin = (d: IRDataset) => JSON.stringify([d.source, d.split, d.args.path ?? d.args.images ?? null, d.source === "synthetic" ? d.args.seed : null]);
    if (name !== trainName && origin(ds) !== origin(tr)) return;
    const what = name === trainName ? "the training set" : `the same ${ds.source} split ("${ds.split}") as the training set \`${trainName}\``;
    this.report("HGC121", "warning", a.value.span, `\`${a.name.name}: ${name}\` is ${what}: the figures would be measured on training data`, `evaluate on a held-out split, e.g. \`dataset test = ${ds.source}(split: "test", …)\``);
  }

  /** `baselines:` of linear_probe/knn (issue 12): a list of `init`/`pixels`, `[]` for none, both when absent. */
  private baselineList(a: Arg | undefined): IRBaseline[] | null {
    if (!a) return [...DEFAULT_BASELINES];
    if (a.value.kind === "List" && a.value.items.length === 0) return [];
    return this.wordList(a, "baselines", DEFAULT_BASELINES) as IRBaseline[] | null;
  }

  private wordList(a: Arg | undefined, role: string, values: readonly string[]): string[] | null {
    if (!a) return null;
    const items = a.value.kind === "List" ? a.value.items : [a.value];
    const out: string[] = [];
    let ok = true;
    for (const it of items) {
      if (it.kind !== "Name") {
        this.err("HGC021", it.span, `\`${role}:\` lists names from ${backticks(values)}, found ${describe(it)}`);
        ok = false;
        continue;
      }
      if (!values.includes(it.name)) {
        this.err("HGC050", it.span, `unknown ${role === "scores" ? "score" : role === "baselines" ? "baseline" : "corruption"} \`${it.name}\``, didYouMeanHint(it.name, values) ?? `choose from ${backticks(values)}`);
        ok = false;
        continue;
      }
      if (out.includes(it.name)) continue;
      out.push(it.name);
    }
    if (ok && out.length === 0) {
      this.err("HGC050", a.value.span, `\`${role}:\` is empty`, `list at least one of ${backticks(values)}`);
      return null;
    }
    return ok ? out : null;
  }

  private severities(a: Arg | undefined): number[] | null {
    if (!a) {
      const d = defaultValue("robustness", "severities") as [number, number];
      return range(d[0], d[1]);
    }
    const e = a.value;
    let list: NumV[] = [];
    if (e.kind === "Range") {
      if (!Number.isInteger(e.from.value) || !Number.isInteger(e.to.value)) {
        this.err("HGC051", e.span, "severities must be whole numbers from 1 to 5", "write e.g. `severities: 1..5`");
        return null;
      }
      if (e.from.value > e.to.value) {
        this.err("HGC052", e.span, `the range \`${e.from.raw}..${e.to.raw}\` runs backwards`, `write \`${e.to.raw}..${e.from.raw}\``);
        return null;
      }
      list = range(e.from.value, e.to.value).map((value) => ({ value, span: e.span }));
    } else if (e.kind === "List" || e.kind === "Number") {
      const items = e.kind === "List" ? e.items : [e];
      for (const it of items) {
        const v = this.numExpr(it, "a severity");
        if (!v) return null;
        list.push(v);
      }
    } else {
      this.err("HGC021", e.span, `\`severities:\` must be a range or a list of whole numbers, found ${describe(e)}`, "write e.g. `severities: 1..5`");
      return null;
    }
    const out: number[] = [];
    for (const v of list) {
      const ok = this.inRange(v, "a severity", { int: true, ge: 1, le: 5, hint: "corruptions are defined at severities 1 to 5" });
      if (ok === null) return null;
      if (!out.includes(ok)) out.push(ok);
    }
    return out;
  }
}

type ScalarT = { t: "scalar"; ir: IRScalar };
type LossT = { t: "loss"; terms: { loss: string; weight: IRScalar; span: Span }[] };
type ObjT = ScalarT | LossT;

function isNum(s: IRScalar, v: number): boolean {
  return s.op === "num" && s.value === v;
}

function mulS(a: IRScalar, b: IRScalar): IRScalar {
  if (isNum(a, 1)) return b;
  if (isNum(b, 1)) return a;
  if (a.op === "num" && b.op === "num") return { op: "num", value: a.value * b.value };
  return { op: "mul", a, b };
}

function addS(a: IRScalar, b: IRScalar): IRScalar {
  if (a.op === "num" && b.op === "num") return { op: "num", value: a.value + b.value };
  return { op: "add", a, b };
}

function negS(a: IRScalar): IRScalar {
  if (a.op === "num") return { op: "num", value: -a.value };
  if (a.op === "neg") return a.a;
  return { op: "neg", a };
}

export { evalScalar };

function describeSpec(spec: NumSpec): string {
  const parts: string[] = [];
  if (spec.gt !== undefined && spec.lt !== undefined) return `between ${spec.gt} and ${spec.lt} (exclusive)`;
  if (spec.ge !== undefined && spec.le !== undefined) return `between ${spec.ge} and ${spec.le}`;
  if (spec.gt !== undefined) parts.push(`greater than ${spec.gt}`);
  if (spec.ge !== undefined) parts.push(spec.int && spec.ge === 1 ? "at least 1" : `at least ${spec.ge}`);
  if (spec.lt !== undefined) parts.push(`less than ${spec.lt}`);
  if (spec.le !== undefined) parts.push(`at most ${spec.le}`);
  return parts.join(" and ") || "valid";
}

function exampleHint(role: string): string | undefined {
  return role.startsWith("`") ? `write a number, e.g. ${role.replace(/`$/, "")}: 1\`` : undefined;
}

function exampleOf(b: Builtin): string {
  return b.category === "head" ? "enc.pooled" : b.category === "loss" ? (b.name === "ntxent" ? "proj" : "lm") : "x";
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= Math.min(n, 4096) && out.length < 64; d++) if (n % d === 0) out.push(d);
  return out;
}

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = a; i <= b && out.length < 1000; i++) out.push(i);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Sweeps

export interface GridAxis {
  /** Names varied together (one for `grid p = […]`, several for a simplex). */
  names: string[];
  /** The values of each point, one number per name. */
  points: number[][];
  span: Span;
}

export interface SweepCheck {
  name: string;
  item: SweepItem;
  experiments: string[];
  axes: GridAxis[];
  /** Null: each experiment's own seed. */
  seeds: number[] | null;
  jobs: number;
  objectives: { direction: "maximize" | "minimize"; metric: string }[];
  /** Experiments × grid points × seeds. */
  trialCount: number;
  /** The `slurm(…)` statement's resources. */
  slurm?: IRSlurm;
  /** `search random(…)` / `search tpe(…)` over the experiments' range params. */
  search?: IRSearch;
  /** `prune = asha(…)`. */
  prune?: IRPrune;
  ok: boolean;
}

/** The cap on a sweep's trials; more is almost certainly a mistake in a grid. */
export const MAX_TRIALS = 10000;

/** Every point of `grid (a, b, …) = simplex(step: s)`: coordinates on multiples of s summing to 1. */
export function simplexPoints(dims: number, step: number): number[][] {
  const k = Math.round(1 / step);
  const out: number[][] = [];
  const rec = (prefix: number[], left: number): void => {
    if (out.length > MAX_TRIALS) return;
    if (prefix.length === dims - 1) {
      out.push([...prefix, left].map((u) => Number((u / k).toFixed(12))));
      return;
    }
    for (let u = left; u >= 0; u--) rec([...prefix, u], left - u);
  };
  if (dims >= 1) rec([], k);
  return out;
}

/** The grid points of a sweep: the cartesian product of its axes, each point param → value. */
export function gridPoints(axes: readonly GridAxis[]): Record<string, number>[] {
  let points: Record<string, number>[] = [{}];
  for (const axis of axes) {
    const next: Record<string, number>[] = [];
    for (const p of points) for (const values of axis.points) next.push({ ...p, ...Object.fromEntries(axis.names.map((n, i) => [n, values[i]!])) });
    points = next;
  }
  return points;
}

export function checkSweep(
  ws: Workspace,
  item: SweepItem,
  merged: ReadonlyMap<string, MergedExperiment>,
  checks: ReadonlyMap<string, ExperimentCheck>,
  references?: Reference[],
): { check: SweepCheck; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  let errors = 0;
  const err = (code: string, span: Span, message: string, hint?: string, notes: { message: string; span?: Span }[] = []) => {
    errors++;
    diagnostics.push(diag(code, "error", span, message, hint, notes));
  };
  const sc: SweepCheck = { name: item.name.name, item, experiments: [], axes: [], seeds: null, jobs: 1, objectives: [], trialCount: 0, ok: false };
  let objectivesExpr: Expr | undefined;
  const gridStmts: GridStmt[] = [];
  let experimentsSeen = false;
  const seenAssign = new Map<string, Ident>();
  let slurmStmt: Span | undefined;
  const searches: { call: Call; span: Span }[] = [];
  let pruneExpr: Expr | undefined;
  for (const s of item.body) {
    if (s.kind === "Search") {
      searches.push(s);
      continue;
    }
    if (s.kind === "Grid") {
      gridStmts.push(s);
      continue;
    }
    if (s.kind === "Slurm") {
      if (slurmStmt) err("HGC011", s.span, "`slurm(…)` is given twice", "give the sweep one `slurm(…)`", [{ message: "first given here", span: slurmStmt }]);
      else sc.slurm = checkSlurm(s.call, err, describe);
      slurmStmt = s.span;
      continue;
    }
    const name = s.name.name;
    const prev = seenAssign.get(name);
    if (prev) {
      err("HGC011", s.name.span, `\`${name}\` is given twice`, "give each sweep setting once", [{ message: "first given here", span: prev.span }]);
      continue;
    }
    seenAssign.set(name, s.name);
    const e = s.value;
    switch (name) {
      case "experiments": {
        experimentsSeen = true;
        const items = e.kind === "List" ? e.items : [e];
        for (const it of items) {
          if (it.kind !== "Name") {
            err("HGC021", it.span, `\`experiments\` lists experiment names, found ${describe(it)}`);
            continue;
          }
          const target = ws.experiments.get(it.name);
          if (!target) {
            err("HGC010", it.span, `unknown experiment \`${it.name}\``, didYouMeanHint(it.name, ws.experiments.keys()) ?? `the experiments are ${backticks([...ws.experiments.keys()])}`);
            continue;
          }
          references?.push({ span: it.span, name: it.name, kind: "experiment", definition: target.name.span });
          if (!sc.experiments.includes(it.name)) sc.experiments.push(it.name);
        }
        break;
      }
      case "seeds": {
        const items = e.kind === "List" ? e.items : [e];
        const seeds: number[] = [];
        for (const it of items) {
          const v = it.kind === "Number" ? it.value : it.kind === "Unary" && it.operand.kind === "Number" ? -it.operand.value : undefined;
          if (v === undefined) err("HGC021", it.span, `\`seeds\` lists whole numbers, found ${describe(it)}`, "write e.g. `seeds = [1, 2, 3]`");
          else if (!Number.isInteger(v)) err("HGC051", it.span, `a seed must be a whole number, found ${fmtNum(v)}`);
          else if (!seeds.includes(v)) seeds.push(v);
        }
        if (e.kind === "List" && e.items.length === 0) err("HGC050", e.span, "`seeds` is empty", "list at least one seed, e.g. `seeds = [1]`");
        sc.seeds = seeds;
        break;
      }
      case "jobs": {
        if (e.kind !== "Number") err("HGC021", e.span, `\`jobs\` must be a whole number, found ${describe(e)}`, "write e.g. `jobs = 2`");
        else if (!Number.isInteger(e.value)) err("HGC051", e.span, `\`jobs\` must be a whole number, found ${fmtNum(e.value)}`);
        else if (e.value < 1) err("HGC050", e.span, `\`jobs\` must be at least 1, found ${e.value}`, "jobs is how many trials run at once");
        else sc.jobs = e.value;
        break;
      }
      case "objectives":
        objectivesExpr = e;
        break;
      case "prune":
        pruneExpr = e;
        break;
      default: {
        const known = ASSIGN_NAMES.sweep.map((a) => a.name);
        err("HGC016", s.name.span, `unknown sweep setting \`${name}\``, didYouMeanHint(name, known) ?? `a sweep sets ${backticks(known)} and \`grid\``);
      }
    }
  }
  if (!experimentsSeen) err("HGC024", item.name.span, `sweep \`${sc.name}\` has no \`experiments\``, "add e.g. `experiments = [hybrid]`");

  // Grids: every name a param of every listed experiment, values numbers.
  const gridNames = new Map<string, Span>();
  for (const g of gridStmts) {
    const before = errors;
    for (const n of g.names) {
      const prev = gridNames.get(n.name);
      if (prev) err("HGC011", n.span, `\`${n.name}\` is swept twice`, "put all its values in one `grid`", [{ message: "first swept here", span: prev }]);
      gridNames.set(n.name, n.span);
      for (const exp of sc.experiments) {
        const sym = merged.get(exp)?.symbols.get(n.name);
        if (!sym || sym.kind !== "param") {
          const params = [...(merged.get(exp)?.symbols.values() ?? [])].filter((x) => x.kind === "param").map((x) => x.name);
          err(
            "HGC080",
            n.span,
            sym ? `\`${n.name}\` is ${KIND_WORDS[sym.kind]} in \`${exp}\`, not a param` : `\`${n.name}\` is not a param of experiment \`${exp}\``,
            didYouMeanHint(n.name, params) ?? (params.length ? `its params are ${backticks(params)}` : `declare it in \`${exp}\`: \`param ${n.name} = …\``),
          );
        } else {
          references?.push({ span: n.span, name: n.name, kind: "param", definition: sym.decl.name.span });
        }
      }
    }
    let points: number[][] = [];
    const v = g.value;
    if (g.tuple || (v.kind === "Call" && v.callee.name === "simplex")) {
      if (v.kind !== "Call" || v.callee.name !== "simplex") {
        err("HGC081", v.span, `a grid over \`(${g.names.map((n) => n.name).join(", ")})\` must be \`simplex(step: …)\`, found ${describe(v)}`, "write e.g. `grid (wg, wc) = simplex(step: 0.25)`");
      } else if (g.names.length < 2) {
        err("HGC081", v.span, "a simplex grid needs two or more params", `write \`grid (${g.names[0]?.name ?? "a"}, b) = simplex(step: 0.25)\``);
      } else {
        const stepArg = v.args.find((a) => a.name.name === "step");
        for (const a of v.args) if (a.name.name !== "step") err("HGC019", a.name.span, `\`simplex\` has no argument \`${a.name.name}\``, "its only argument is `step:`");
        if (v.positional) err("HGC022", v.positional.span, "`simplex` takes no positional argument", "write `simplex(step: 0.25)`");
        if (!stepArg) err("HGC020", v.callee.span, "`simplex` is missing `step:`", "add e.g. `step: 0.25`");
        else if (stepArg.value.kind !== "Number") err("HGC081", stepArg.value.span, `\`step:\` must be a number, found ${describe(stepArg.value)}`);
        else {
          const step = stepArg.value.value;
          const k = 1 / step;
          if (!(step > 0 && step <= 1)) err("HGC050", stepArg.value.span, `\`step:\` must be between 0 and 1, found ${fmtNum(step)}`, "e.g. `step: 0.25` gives weights 0, 0.25, 0.5, 0.75, 1");
          else if (Math.abs(k - Math.round(k)) > 1e-9) err("HGC050", stepArg.value.span, `1 / step must be a whole number, found 1 / ${fmtNum(step)} = ${fmtNum(k)}`, "use a step like 0.5, 0.25, 0.2 or 0.1 so the weights can sum to exactly 1");
          else if (binomial(Math.round(k) + g.names.length - 1, g.names.length - 1) > MAX_TRIALS) err("HGC087", stepArg.value.span, `this simplex has more than ${MAX_TRIALS} points`, "use a larger step");
          else points = simplexPoints(g.names.length, step);
        }
      }
    } else if (v.kind === "List") {
      if (v.items.length === 0) err("HGC081", v.span, `the grid of \`${g.names[0]?.name}\` is empty`, "list at least one value");
      for (const it of v.items) {
        const n = it.kind === "Number" ? it.value : it.kind === "Unary" && it.operand.kind === "Number" ? -it.operand.value : undefined;
        if (n === undefined) err("HGC081", it.span, `a grid value of param \`${g.names[0]?.name}\` must be a number, found ${describe(it)}`, "params are numbers; list numbers, e.g. `[0.1, 0.3, 1]`");
        else points.push([n]);
      }
    } else {
      err("HGC081", v.span, `a grid must be a list of numbers, found ${describe(v)}`, "write e.g. `grid lambda = [0.1, 0.3, 1, 3]`");
    }
    if (errors === before) sc.axes.push({ names: g.names.map((n) => n.name), points, span: g.span });
  }

  // Objectives: `maximize|minimize metric`, each a metric the experiments report.
  if (objectivesExpr) {
    const items = objectivesExpr.kind === "List" ? objectivesExpr.items : [objectivesExpr];
    for (const it of items) {
      if (it.kind !== "Directed") {
        err("HGC021", it.span, `a sweep objective is \`maximize METRIC\` or \`minimize METRIC\`, found ${describe(it)}`, `write e.g. \`maximize ${it.kind === "Member" || it.kind === "Name" ? memberText(it) : "linear_probe.accuracy"}\``);
        continue;
      }
      const metric = memberText(it.target);
      if (metric.includes("…")) {
        err("HGC021", it.target.span, `a sweep objective names a metric like \`linear_probe.accuracy\`, found ${describe(it.target)}`);
        continue;
      }
      let ok = true;
      for (const exp of sc.experiments) {
        const c = checks.get(exp);
        if (!c?.body) continue;
        if (!c.metrics.includes(metric)) {
          ok = false;
          err(
            "HGC083",
            it.target.span,
            `experiment \`${exp}\` reports no metric \`${metric}\``,
            didYouMeanHint(metric, c.metrics) ?? (c.metrics.length ? `it reports ${c.metrics.slice(0, 6).map((m) => `\`${m}\``).join(", ")}${c.metrics.length > 6 ? ", …" : ""}` : `\`${exp}\` evaluates nothing; add an \`evaluate { … }\` block`),
          );
        }
      }
      if (ok) sc.objectives.push({ direction: it.direction, metric });
    }
  }

  // Search and pruning (compiler/search.ts); a search's points are checked as they are drawn.
  Object.assign(
    sc,
    checkSweepSearch(
      {
        searches,
        ...(pruneExpr ? { prune: pruneExpr } : {}),
        grids: gridStmts.map((g) => g.span),
        experiments: sc.experiments,
        seeds: sc.seeds,
        objectives: sc.objectives,
        paramsOf: (exp) => new Map([...(merged.get(exp)?.symbols.values() ?? [])].filter((x) => x.kind === "param").map((x) => [x.name, x.decl.value])),
        metricsOf: (metric, span) => {
          for (const exp of sc.experiments) {
            const c = checks.get(exp);
            if (c?.body && !c.metrics.includes(metric)) {
              err("HGC083", span, `experiment \`${exp}\` reports no metric \`${metric}\``, didYouMeanHint(metric, c.metrics) ?? "prune on a metric its evaluations report");
              return false;
            }
          }
          return true;
        },
      },
      (code, span, message, hint) => err(code, span, message, hint),
    ),
  );
  if (searches.length && !sc.search) sc.ok = false;

  // Trials: each experiment at each grid point is checked before anything runs.
  const seedsPer = sc.seeds ? sc.seeds.length : 1;
  sc.trialCount = sc.search ? sc.search.trials * sc.experiments.length * seedsPer : sc.axes.reduce((n, a) => n * a.points.length, sc.experiments.length * seedsPer);
  if (sc.trialCount > MAX_TRIALS) {
    err("HGC087", item.name.span, `sweep \`${sc.name}\` has ${formatCount(sc.trialCount)} trials, more than ${formatCount(MAX_TRIALS)}`, "use fewer grid values or seeds");
  } else if (errors === 0 && sc.axes.length > 0) {
    const points = gridPoints(sc.axes);
    const seen = new Set<string>();
    for (const exp of sc.experiments) {
      const m = merged.get(exp);
      const base = checks.get(exp);
      if (!m || !base?.body) continue;
      // Issue 12: what each grid point compiles to, without the params record itself.
      const bodies: string[] = [];
      for (const point of points) {
        const { check: trialCheck, diagnostics: trial } = checkExperiment(ws, m, { overrides: point });
        if (trialCheck.body) {
          const { params: _params, source: _source, ...rest } = trialCheck.body;
          bodies.push(JSON.stringify(rest));
        }
        const inBase = new Set(base.diagnostics.map((d) => `${d.code}\0${d.message}`));
        for (const d of trial) {
          if (d.severity === "info" || inBase.has(`${d.code}\0${d.message}`)) continue;
          const key = `${exp}\0${d.code}\0${d.message}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const where = Object.entries(point)
            .map(([k, v]) => `${k} = ${fmtNum(v)}`)
            .join(", ");
          const axis = sc.axes.find((a) => a.names.some((n) => n in point)) ?? sc.axes[0]!;
          const notes = [{ message: "the problem is here", span: d.span }];
          if (d.severity === "error") err("HGC086", axis.span, `trial \`${exp}\` with ${where} does not check: ${d.message}`, d.suggestion?.message, notes);
          // A warning that only some grid points raise (a weight turning negative) is still a warning.
          else diagnostics.push(diag(d.code, "warning", axis.span, `in trial \`${exp}\` with ${where}: ${d.message}`, d.suggestion?.message, notes));
        }
      }
      if (bodies.length === points.length) for (const axis of inertAxes(sc.axes, points, bodies)) {
        const names = axis.names.map((n) => `\`${n}\``).join(", ");
        err("HGC124", axis.span, `sweeping ${names} changes nothing in experiment \`${exp}\`: no field of its IR depends on ${axis.names.length > 1 ? "them" : "it"}`, `use ${axis.names.length > 1 ? "them" : `\`${axis.names[0]}\``} in the objective or an argument (e.g. \`objective = gen + ${axis.names[0]} * con\`), or drop the grid`);
      }
    }
  }
  sc.ok = errors === 0;
  return { check: sc, diagnostics };
}

/**
 * The grid axes whose values change no compiled field (issue 12): at every setting of the other
 * axes, every value of this axis compiles to the same IR. `bodies[i]` is point i's IR as JSON.
 */
function inertAxes(axes: readonly GridAxis[], points: readonly Record<string, number>[], bodies: readonly string[]): GridAxis[] {
  return axes.filter((axis) => {
    if (axis.points.length < 2) return false;
    const groups = new Map<string, Set<string>>();
    points.forEach((p, i) => {
      const others = JSON.stringify(Object.entries(p).filter(([k]) => !axis.names.includes(k)));
      const g = groups.get(others) ?? new Set<string>();
      g.add(bodies[i]!);
      groups.set(others, g);
    });
    return [...groups.values()].every((g) => g.size === 1);
  });
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) {
    r = (r * (n - k + i)) / i;
    if (r > 1e12) return r;
  }
  return Math.round(r);
}

export type { DeclStmt };
