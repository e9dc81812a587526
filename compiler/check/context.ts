// The state one experiment's check shares across the item modules: its symbols, what it has
// reported, the memoised result of each item, and the name and signature checks every item
// kind needs. Each item kind is checked by its own module (datasets.ts, tokens.ts, …); the
// context calls them through `ItemCheckers` so no module imports another's caller.
import type { Arg, Call, DeclKind, Expr, Span } from "../ast.js";
import { diag, didYouMean, didYouMeanHint, suggestNames, type Code, type Diagnostic, type Hint, type Severity } from "../diagnostics.js";
import type { IRDataset, IREncoder, IRExperiment, IRHead, IRLoss, IRTokenizer, IRViews } from "../ir.js";
import type { MergedExperiment, MergedStmt, SymbolEntry, Workspace } from "../resolve.js";
import { builtin, builtinsOf, type Builtin, type BuiltinCategory } from "../../language/builtins.js";
import { backticks, CATEGORY_OF_KIND, CATEGORY_WORDS, describe, exampleOf, KIND_WORDS } from "./words.js";

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

export interface CheckExperimentOptions {
  /** Param values replacing the declared ones (a sweep's grid point). */
  overrides?: Readonly<Record<string, number>>;
  /** Collects every resolved name use (the base check only; trials skip it). */
  references?: Reference[];
  /** False: a run beyond the hard limits (HGC047) is a warning instead of an error. */
  limits?: boolean;
}

/** The check of each item kind, by name; each returns null when the item has errors (reported). */
export interface ItemCheckers {
  dataset(ctx: CheckContext, name: string): IRDataset | null;
  tokenizer(ctx: CheckContext, name: string): IRTokenizer | null;
  views(ctx: CheckContext, name: string): IRViews | null;
  encoder(ctx: CheckContext, name: string): IREncoder | null;
  head(ctx: CheckContext, name: string): IRHead | null;
  loss(ctx: CheckContext, name: string): IRLoss | null;
  param(ctx: CheckContext, name: string): number | null;
}

type Notes = { message: string; span?: Span }[];

export class CheckContext {
  readonly diagnostics: Diagnostic[] = [];
  readonly items = new Map<string, ItemInfo>();
  readonly symbols: Map<string, SymbolEntry>;
  readonly overrides: Readonly<Record<string, number>>;
  private errorCount = 0;
  private readonly refs: Reference[] | undefined;

  // Memoised item results: undefined = not yet checked, null = checked with errors (or in progress).
  readonly datasets = new Map<string, IRDataset | null>();
  readonly tokenizers = new Map<string, IRTokenizer | null>();
  readonly viewsMap = new Map<string, IRViews | null>();
  readonly encoders = new Map<string, IREncoder | null>();
  readonly heads = new Map<string, IRHead | null>();
  readonly losses = new Map<string, IRLoss | null>();
  readonly params = new Map<string, number | null>();

  /** The experiment's `train(…)` statement, and its `data:` once resolved. */
  trainStmt: MergedStmt | undefined;
  trainData: string | null | undefined;

  constructor(
    readonly ws: Workspace,
    readonly exp: MergedExperiment,
    private readonly checkers: ItemCheckers,
    opts: CheckExperimentOptions,
  ) {
    this.symbols = exp.symbols;
    this.overrides = opts.overrides ?? {};
    this.refs = opts.references;
  }

  /** Errors reported so far: an item compares before and after to know whether it failed. */
  get errors(): number {
    return this.errorCount;
  }

  get nameSpan(): Span {
    return this.exp.item.name.span;
  }

  // -- reporting --------------------------------------------------------------------------------

  report(code: Code, severity: Severity, span: Span, message: string, hint?: string | Hint, notes: Notes = []): void {
    if (severity === "error") this.errorCount++;
    this.diagnostics.push(diag(code, severity, span, message, hint, notes));
  }

  err(code: Code, span: Span, message: string, hint?: string | Hint, notes: Notes = []): void {
    this.report(code, "error", span, message, hint, notes);
  }

  // -- items, each checked once ---------------------------------------------------------------------

  private memo<T>(cache: Map<string, T | null>, name: string, check: () => T | null): T | null {
    const hit = cache.get(name);
    if (hit !== undefined) return hit;
    cache.set(name, null); // a cycle of items sees the item as failed instead of recursing
    const value = check();
    cache.set(name, value);
    return value;
  }

  dataset(name: string): IRDataset | null {
    return this.memo(this.datasets, name, () => this.checkers.dataset(this, name));
  }
  tokenizer(name: string): IRTokenizer | null {
    return this.memo(this.tokenizers, name, () => this.checkers.tokenizer(this, name));
  }
  views(name: string): IRViews | null {
    return this.memo(this.viewsMap, name, () => this.checkers.views(this, name));
  }
  encoder(name: string): IREncoder | null {
    return this.memo(this.encoders, name, () => this.checkers.encoder(this, name));
  }
  head(name: string): IRHead | null {
    return this.memo(this.heads, name, () => this.checkers.head(this, name));
  }
  loss(name: string): IRLoss | null {
    return this.memo(this.losses, name, () => this.checkers.loss(this, name));
  }
  param(name: string): number | null {
    return this.memo(this.params, name, () => this.checkers.param(this, name));
  }

  /** Records what the language server shows for a declared item. */
  setItem(sym: SymbolEntry, detail: string, shape?: (string | number)[], parameters?: number): void {
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

  // -- names ---------------------------------------------------------------------------------------

  addRef(span: Span, sym: SymbolEntry): void {
    this.refs?.push({ span, name: sym.name, kind: sym.kind, definition: sym.decl.name.span, detail: this.items.get(sym.name)?.detail });
  }

  /** The declared names of the given kinds. */
  namesOfKind(kinds: readonly DeclKind[]): string[] {
    return [...this.symbols.values()].filter((s) => kinds.includes(s.kind)).map((s) => s.name);
  }

  /**
   * The declaration `name` refers to, which must be of `kind` (one of `kinds`); reports an unknown
   * name (with the nearest names of the wanted kind) or a name of the wrong kind.
   */
  lookup(name: string, span: Span, kinds: DeclKind[], role: string): SymbolEntry | null {
    const sym = this.symbols.get(name);
    const same = (): string[] => this.namesOfKind(kinds);
    if (!sym) {
      const hint = didYouMeanHint(name, same()) ?? didYouMeanHint(name, this.symbols.keys()) ??
        (same().length ? `${role} names ${KIND_WORDS[kinds[0]!]}; declared: ${same().map((n) => `\`${n}\``).join(", ")}` : `declare it first, e.g. \`${kinds[0]} ${name} = …\``);
      this.err("HGC010", span, `unknown name \`${name}\``, hint);
      return null;
    }
    this.addRef(span, sym);
    if (!kinds.includes(sym.kind)) {
      const names = same();
      this.err(
        "HGC034",
        span,
        `\`${name}\` is ${KIND_WORDS[sym.kind]}, but ${role} must be ${kinds.map((k) => KIND_WORDS[k]).join(" or ")}`,
        names.length ? suggestNames(names.slice(0, 3)) : `declare ${KIND_WORDS[kinds[0]!]} with \`${kinds[0]} NAME = …\``,
        [{ message: `\`${name}\` is declared here`, span: sym.decl.name.span }],
      );
      return null;
    }
    return sym;
  }

  /** A bare name argument (`views: aug`, `data: train`) naming a declaration of `kind`. */
  nameArg(e: Expr, kind: DeclKind, role: string): SymbolEntry | null {
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
  signature(call: Call, categories: BuiltinCategory[], place: string): { b: Builtin; args: Map<string, Arg> } | null {
    const name = call.callee.name;
    const b = builtin(name);
    const article = /^[aeiou]/.test(place) ? "an" : "a";
    if (!b || !categories.includes(b.category)) {
      const allowed = categories.flatMap((c) => builtinsOf(c).map((x) => x.name));
      if (!b) {
        this.err("HGC017", call.callee.span, `unknown ${place} \`${name}\``, didYouMeanHint(name, allowed) ?? `${article} ${place} is one of ${backticks(allowed)}`);
      } else {
        this.err("HGC018", call.callee.span, `\`${name}\` is ${CATEGORY_WORDS[b.category]}, not ${CATEGORY_WORDS[categories[0]!]}`, `${article} ${place} is one of ${backticks(allowed)}`);
      }
      return null;
    }
    const known = b.args.map((k) => k.name);
    const args = new Map<string, Arg>();
    // Required arguments a misspelt one probably meant: not also reported as missing.
    const meant = new Set<string>();
    for (const a of call.args) {
      const an = a.name.name;
      if (args.has(an)) {
        this.err("HGC023", a.name.span, `\`${an}:\` is given twice`, "give each argument once", [{ message: "first given here", span: args.get(an)!.name.span }]);
        continue;
      }
      if (!known.includes(an)) {
        didYouMean(an, known).forEach((n) => meant.add(n));
        this.err("HGC019", a.name.span, `\`${name}\` has no argument \`${an}\``, didYouMeanHint(an, known) ?? `its arguments are ${backticks(known)}`);
        continue;
      }
      args.set(an, a);
    }
    if (call.positional && !b.positional) {
      const first = b.args.find((k) => k.required) ?? b.args[0];
      if (first) meant.add(first.name);
      this.err("HGC022", call.positional.span, `\`${name}\` takes no positional argument`, first ? `name the argument, e.g. \`${first.name}: …\`` : "remove it");
    } else if (!call.positional && b.positional?.required) {
      this.err("HGC020", call.callee.span, `\`${name}\` is missing what it applies to (${b.positional.type})`, `write it first, e.g. \`${name}(${exampleOf(b)}, …)\``);
    }
    for (const k of b.args) {
      if (k.required && !args.has(k.name) && !meant.has(k.name)) {
        this.err("HGC020", call.callee.span, `\`${name}\` is missing \`${k.name}:\``, `add \`${k.name}: …\` (${k.type}): ${k.doc}`);
      }
    }
    return { b, args };
  }

  /** The declaration's value as a call of the right category, or null (reported). */
  declCall(sym: SymbolEntry): { call: Call; b: Builtin; args: Map<string, Arg> } | null {
    const e = sym.decl.value;
    const category = CATEGORY_OF_KIND[sym.kind as Exclude<DeclKind, "param">];
    if (e.kind !== "Call") {
      const names = builtinsOf(category).map((x) => x.name);
      this.err("HGC021", e.span, `${sym.kind} \`${sym.name}\` must be a call to ${backticks(names)}, found ${describe(e)}`, `write e.g. \`${sym.kind} ${sym.name} = ${names[0]}(…)\``);
      return null;
    }
    const sig = this.signature(e, [category], `${CATEGORY_WORDS[category].replace(/^an? /, "")}`);
    return sig && { call: e, ...sig };
  }
}
