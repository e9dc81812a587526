// How the checker names things in its messages: values, kinds, categories and ranges in words.
import type { Expr } from "../ast.js";
import type { Builtin, BuiltinCategory } from "../../language/builtins.js";
import { CATEGORY_OF_DECL, formatNumber, REF_WORDS } from "../../language/builtins.js";

/** A declaration kind in words ("a tokenizer"). */
export const KIND_WORDS = REF_WORDS;

/** The category of built-in a declaration of each kind calls. */
export const CATEGORY_OF_KIND = CATEGORY_OF_DECL;

export const CATEGORY_WORDS: Record<BuiltinCategory, string> = {
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
  search: "a search method",
  prune: "a pruning rule",
  slurm: "the Slurm statement",
};

/** "`a`, `b` or `c`" */
export function backticks(list: readonly string[]): string {
  const q = list.map((s) => `\`${s}\``);
  return q.length <= 1 ? (q[0] ?? "") : `${q.slice(0, -1).join(", ")} or ${q[q.length - 1]}`;
}

/** What a value is, for "must be …, found <describe(e)>". */
export function describe(e: Expr): string {
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

/** `enc.pooled` as written; "…" for anything that is not a dotted name. */
export function memberText(e: Expr): string {
  if (e.kind === "Name") return e.name;
  if (e.kind === "Member") return `${memberText(e.object)}.${e.property.name}${e.arg ? `(${e.arg.kind === "Number" ? e.arg.raw : "…"})` : ""}`;
  return "…";
}

export function fmtNum(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)));
}

/** A numeric range the checker enforces: the registry's bounds, integrality and the hint. */
export interface NumSpec {
  int?: boolean;
  gt?: number;
  ge?: number;
  lt?: number;
  le?: number;
  /** Why the bound exists, as the hint. */
  hint?: string;
}

export function describeSpec(spec: NumSpec): string {
  const parts: string[] = [];
  const n = formatNumber;
  if (spec.gt !== undefined && spec.lt !== undefined) return `between ${n(spec.gt)} and ${n(spec.lt)} (exclusive)`;
  if (spec.ge !== undefined && spec.le !== undefined) return `between ${n(spec.ge)} and ${n(spec.le)}`;
  if (spec.gt !== undefined) parts.push(`greater than ${n(spec.gt)}`);
  if (spec.ge !== undefined) parts.push(spec.int && spec.ge === 1 ? "at least 1" : `at least ${n(spec.ge)}`);
  if (spec.lt !== undefined) parts.push(`less than ${n(spec.lt)}`);
  if (spec.le !== undefined) parts.push(`at most ${n(spec.le)}`);
  return parts.join(" and ") || "valid";
}

export function exampleHint(role: string): string | undefined {
  return role.startsWith("`") ? `write a number, e.g. ${role.replace(/`$/, "")}: 1\`` : undefined;
}

export function exampleOf(b: Builtin): string {
  if (b.category === "head") return b.name === "ema" ? "proj" : "enc.pooled";
  if (b.category === "loss") return b.name === "autoregressive" ? "lm" : b.name === "byol" || b.name === "simsiam" ? "pred" : "proj";
  return "x";
}

export function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

export function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= Math.min(n, 4096) && out.length < 64; d++) if (n % d === 0) out.push(d);
  return out;
}

export function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = a; i <= b && out.length < 1000; i++) out.push(i);
  return out;
}
