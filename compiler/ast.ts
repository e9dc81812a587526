// The typed AST: what the CST visitor (to-ast.ts) builds and every later pass reads.
// Every node carries the span of source text it came from, so any diagnostic can point at it.

export interface Pos {
  /** 0-based character offset into the file. */
  offset: number;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  col: number;
}

export interface Span {
  /** Absolute path (or a pseudo-path such as `<stdin>`) of the file the node came from. */
  file: string;
  start: Pos;
  /** Exclusive end. */
  end: Pos;
}

interface Node {
  span: Span;
}

export interface Comment extends Node {
  kind: "Comment";
  /** The raw text, including the `//` or `/* … *\/` delimiters. */
  text: string;
  block: boolean;
}

/** One parsed file. After syntax errors it is partial: an item or statement that could not be
 *  read (or whose value could not) is left out, and the rest is kept. */
export interface Program extends Node {
  kind: "Program";
  file: string;
  items: Item[];
  /** Every comment in the file, in source order (the formatter re-attaches them by position). */
  comments: Comment[];
}

export type Item = ImportItem | ExperimentItem | SweepItem;

export interface ImportItem extends Node {
  kind: "Import";
  path: StringLit;
}

export interface ExperimentItem extends Node {
  kind: "Experiment";
  name: Ident;
  extends?: Ident;
  body: Stmt[];
}

export interface SweepItem extends Node {
  kind: "Sweep";
  name: Ident;
  body: SweepStmt[];
}

export interface Ident extends Node {
  kind: "Ident";
  name: string;
}

/** The declaration keywords of an experiment: `KIND NAME = value`. */
export type { DeclKind } from "../language/keywords.js";
import type { DeclKind } from "../language/keywords.js";

/** `seed = 7`, `objective = …`, `optimizer = adamw(…)`; any other name is kept and reported by the checker. */
export interface AssignStmt extends Node {
  kind: "Assign";
  name: Ident;
  value: Expr;
}

/** `dataset train = fashion_mnist(…)`, `param lambda = 0.5`, … */
export interface DeclStmt extends Node {
  kind: "Decl";
  declKind: DeclKind;
  /** Span of the declaration keyword. */
  keywordSpan: Span;
  name: Ident;
  value: Expr;
}

/** `train(data: train, steps: 1500, …)` */
export interface TrainStmt extends Node {
  kind: "Train";
  call: Call;
}

/** `evaluate { linear_probe(…) knn(…) … }` */
export interface EvaluateStmt extends Node {
  kind: "Evaluate";
  protocols: Call[];
}

export type Stmt = AssignStmt | DeclStmt | TrainStmt | EvaluateStmt;

/** `grid lambda = [0.1, 0.3]` or the simplex extension `grid (wg, wc) = simplex(step: 0.25)`. */
export interface GridStmt extends Node {
  kind: "Grid";
  names: Ident[];
  /** True when the names were written as a parenthesised tuple. */
  tuple: boolean;
  value: Expr;
}

/** `slurm(partition: "gpu", time: "2:00:00", gpus: 1)`: the trials' Slurm resources (sweep only). */
export interface SlurmStmt extends Node {
  kind: "Slurm";
  call: Call;
}

/** `search random(trials: 24)` / `search tpe(trials: 24)`: points drawn over the params declared with a range (sweep only). */
export interface SearchStmt extends Node {
  kind: "Search";
  call: Call;
}

/** `experiments = […]`, `seeds = […]`, `jobs = 2`, `objectives = […]`, `prune = asha(…)`, `slurm(…)`, `search …(…)` */
export type SweepStmt = AssignStmt | GridStmt | SlurmStmt | SearchStmt;

export type Expr =
  | NumberLit
  | StringLit
  | BoolLit
  | SizeLit
  | RangeLit
  | ListLit
  | NameRef
  | Member
  | Call
  | Binary
  | Unary
  | Directed;

/** A number literal. A minus written directly before it (`-0.5`, not `-(0.5)`) is part of the
 *  literal: `value` is negative and `raw` starts with `-`. */
export interface NumberLit extends Node {
  kind: "Number";
  value: number;
  /** The text as written (`1e-3`, `-0.5`), kept for the formatter and for integer checks. */
  raw: string;
  /** True when written without a fraction or exponent (`64`, not `64.0` or `1e2`). */
  isInt: boolean;
}

export interface StringLit extends Node {
  kind: "String";
  /** The unescaped value. */
  value: string;
  raw: string;
}

export interface BoolLit extends Node {
  kind: "Bool";
  value: boolean;
}

/** `14x14` */
export interface SizeLit extends Node {
  kind: "Size";
  height: number;
  width: number;
  raw: string;
}

/** `0.6..1.0`, `1..5`, `-1..1` (either bound may be negative). */
export interface RangeLit extends Node {
  kind: "Range";
  from: NumberLit;
  to: NumberLit;
  /** `1e-4..1e-2 log`: a param range searched on a log scale. */
  scale?: "log";
}

export interface ListLit extends Node {
  kind: "List";
  items: Expr[];
}

/** A bare name: `train`, `lambda`, `mean`, `likelihood`. */
export interface NameRef extends Node {
  kind: "Name";
  name: string;
}

/** `enc.pooled`, `pixels.vocab`, `linear_probe.accuracy` */
export interface Member extends Node {
  kind: "Member";
  object: Expr;
  property: Ident;
  /** The argument of a member that takes one: `enc.layer(2)` (second edition). */
  arg?: Expr;
}

export interface Arg extends Node {
  kind: "Arg";
  name: Ident;
  value: Expr;
}

/** `mlp(enc.pooled, hidden: [96], out: 48)`: at most one leading positional argument, then named ones. */
export interface Call extends Node {
  kind: "Call";
  callee: Ident;
  positional?: Expr;
  args: Arg[];
}

export interface Binary extends Node {
  kind: "Binary";
  op: "+" | "-" | "*" | "/";
  left: Expr;
  right: Expr;
}

export interface Unary extends Node {
  kind: "Unary";
  op: "-";
  operand: Expr;
}

/** `maximize linear_probe.accuracy` in a sweep's `objectives`. */
export interface Directed extends Node {
  kind: "Directed";
  direction: "maximize" | "minimize";
  target: Expr;
}
