// `objective = EXPR`: a weighted sum of losses, each weight a scalar expression of numbers,
// params and schedules of the training step.
import type { Call, Expr, Span, Stmt } from "../ast.js";
import { didYouMeanHint } from "../diagnostics.js";
import type { IRObjective, IRScalar } from "../ir.js";
import type { MergedStmt } from "../resolve.js";
import { evalScalar } from "../scalar.js";
import type { CheckContext } from "./context.js";
import { numArg } from "./values.js";
import { backticks, describe, fmtNum, KIND_WORDS } from "./words.js";

type ScalarT = { t: "scalar"; ir: IRScalar };
type LossT = { t: "loss"; terms: { loss: string; weight: IRScalar; span: Span }[] };
type ObjT = ScalarT | LossT;

export function checkObjective(ctx: CheckContext, m: MergedStmt): IRObjective | null {
  const s = m.stmt as Extract<Stmt, { kind: "Assign" }>;
  const before = ctx.errors;
  const t = objExpr(ctx, s.value);
  if (!t) return null;
  if (t.t === "scalar") {
    if (ctx.errors === before) {
      const losses = [...ctx.symbols.values()].filter((x) => x.kind === "loss").map((x) => x.name);
      ctx.err("HGC062", s.value.span, "the objective names no loss", losses.length ? `write a weighted sum of ${backticks(losses)}, e.g. \`objective = ${losses.join(" + ")}\`` : "declare a loss (`loss NAME = ntxent(…)` or `autoregressive(…)`) and optimise it");
    }
    return null;
  }
  if (ctx.errors > before) return null;
  // Merge repeated losses into one term.
  const merged = new Map<string, { weight: IRScalar; span: Span }>();
  for (const term of t.terms) {
    const prev = merged.get(term.loss);
    merged.set(term.loss, prev ? { weight: addS(prev.weight, term.weight), span: prev.span } : { weight: term.weight, span: term.span });
  }
  const total = trainStepsHint(ctx);
  for (const [loss, { weight, span }] of merged) {
    const samples = [0, Math.floor(total / 2), total].map((step) => evalScalar(weight, step));
    if (!allFinite(weight) || samples.some((x) => !Number.isFinite(x))) {
      ctx.err("HGC050", span, `the weight of \`${loss}\` is not a finite number`, "check for a division by zero or a product beyond about 1.8e308");
      continue;
    }
    const neg = samples.find((x) => x < 0);
    if (neg !== undefined) {
      ctx.report("HGC063", "warning", span, `the weight of \`${loss}\` is negative (${fmtNum(neg)})`, "a negative weight maximises that loss; make the weight positive or drop the term");
    }
  }
  if (ctx.errors > before) return null;
  const src = ctx.ws.sources.get(s.value.span.file);
  const text = src ? src.slice(s.value.span.start.offset, s.value.span.end.offset) : "";
  return { terms: [...merged].map(([loss, { weight }]) => ({ loss, weight })), text };
}

export function trainStepsHint(ctx: CheckContext): number {
  const call = ctx.trainStmt?.stmt.kind === "Train" ? ctx.trainStmt.stmt.call : undefined;
  const a = call?.args.find((x) => x.name.name === "steps");
  return a?.value.kind === "Number" ? a.value.value : 1000;
}

export function objExpr(ctx: CheckContext, e: Expr): ObjT | null {
  switch (e.kind) {
    case "Number":
      if (!Number.isFinite(e.value)) {
        ctx.err("HGC050", e.span, `a weight must be a finite number, found \`${e.raw}\``, "a number is at most about 1.8e308");
        return null;
      }
      return { t: "scalar", ir: { op: "num", value: e.value } };
    case "Name": {
      const sym = ctx.symbols.get(e.name);
      if (!sym) {
        const candidates = [...ctx.symbols.values()].filter((x) => x.kind === "loss" || x.kind === "param").map((x) => x.name);
        ctx.err("HGC010", e.span, `unknown name \`${e.name}\``, didYouMeanHint(e.name, candidates) ?? `an objective combines losses (${backticks(candidates.length ? candidates : ["…"])}) with numbers and params`);
        return null;
      }
      ctx.addRef(e.span, sym);
      if (sym.kind === "param") {
        const v = ctx.param(sym.name);
        return v === null ? null : { t: "scalar", ir: { op: "param", name: sym.name, value: v } };
      }
      if (sym.kind === "loss") {
        ctx.loss(sym.name);
        return { t: "loss", terms: [{ loss: sym.name, weight: { op: "num", value: 1 }, span: e.span }] };
      }
      ctx.err("HGC034", e.span, `\`${e.name}\` is ${KIND_WORDS[sym.kind]}; an objective combines losses, numbers and params`, sym.kind === "head" ? `declare a loss on it, e.g. \`loss l = ntxent(${e.name}, views: …)\`` : undefined, [
        { message: `\`${e.name}\` is declared here`, span: sym.decl.name.span },
      ]);
      return null;
    }
    case "Unary": {
      const v = objExpr(ctx, e.operand);
      if (!v) return null;
      return v.t === "scalar" ? { t: "scalar", ir: negS(v.ir) } : { t: "loss", terms: v.terms.map((x) => ({ ...x, weight: negS(x.weight) })) };
    }
    case "Binary": {
      const a = objExpr(ctx, e.left);
      const b = objExpr(ctx, e.right);
      if (!a || !b) return null;
      if (e.op === "+" || e.op === "-") {
        if (a.t === "scalar" && b.t === "scalar") return { t: "scalar", ir: { op: e.op === "+" ? "add" : "sub", a: a.ir, b: b.ir } };
        if (a.t === "loss" && b.t === "loss") {
          return { t: "loss", terms: [...a.terms, ...(e.op === "+" ? b.terms : b.terms.map((x) => ({ ...x, weight: negS(x.weight) })))] };
        }
        const num = a.t === "scalar" ? e.left : e.right;
        ctx.err("HGC065", num.span, `a number ${e.op === "+" ? "added to" : "subtracted from"} a loss changes nothing that is trained`, "an objective is a weighted sum of losses; multiply a loss by the number instead, or remove it");
        return null;
      }
      if (e.op === "*") {
        if (a.t === "loss" && b.t === "loss") {
          ctx.err("HGC060", e.span, "the objective multiplies two losses", "an objective is a weighted sum of losses: scale each by a number or param and add them, e.g. `gen + lambda * con`");
          return null;
        }
        if (a.t === "scalar" && b.t === "scalar") return { t: "scalar", ir: mulS(a.ir, b.ir) };
        const [s, l] = a.t === "scalar" ? [a, b as LossT] : [b as ScalarT, a];
        return { t: "loss", terms: l.terms.map((x) => ({ ...x, weight: mulS(s.ir, x.weight) })) };
      }
      // division
      if (b.t === "loss") {
        ctx.err("HGC060", e.span, "the objective divides by a loss", "an objective is a weighted sum of losses; divide a loss by a number, not by another loss");
        return null;
      }
      if (a.t === "scalar") return { t: "scalar", ir: { op: "div", a: a.ir, b: b.ir } };
      return { t: "loss", terms: a.terms.map((x) => ({ ...x, weight: { op: "div", a: x.weight, b: b.ir } })) };
    }
    case "Call":
      return schedule(ctx, e);
    default:
      ctx.err("HGC021", e.span, `an objective is a weighted sum of losses, found ${describe(e)}`, "combine losses with `+`, `-`, `*`, numbers, params and `warmup(…)`, `ramp(…)`, `cosine(…)`");
      return null;
  }
}

export function schedule(ctx: CheckContext, call: Call): ObjT | null {
  const sig = ctx.signature(call, ["schedule"], "weight schedule");
  if (!sig) return null;
  const { b, args } = sig;
  const slot = (e: Expr | undefined, role: string): IRScalar | null => {
    if (!e) return null;
    const v = objExpr(ctx, e);
    if (!v) return null;
    if (v.t === "loss") {
      ctx.err("HGC061", e.span, `a loss in ${role} of \`${b.name}\`, which takes a number`, `a schedule scales a loss from outside: \`${b.name}(…) * ${v.terms[0]?.loss ?? "loss"}\``);
      return null;
    }
    return v.ir;
  };
  const steps = numArg(ctx, call, args, "steps");
  if (b.name === "warmup") {
    const x = slot(call.positional, "the weight");
    return x && typeof steps === "number" ? { t: "scalar", ir: { op: "warmup", x, steps } } : null;
  }
  const from = slot(args.get("from")?.value, "`from:`");
  const to = slot(args.get("to")?.value, "`to:`");
  if (!from || !to || typeof steps !== "number") return null;
  return { t: "scalar", ir: { op: b.name as "ramp" | "cosine", from, to, steps } };
}

export function checkUnusedLosses(ctx: CheckContext, objective: IRObjective): void {
  const used = new Set(objective.terms.map((t) => t.loss));
  for (const sym of ctx.symbols.values()) {
    if (sym.kind !== "loss" || used.has(sym.name) || sym.inherited) continue;
    ctx.report("HGC064", "warning", sym.decl.name.span, `loss \`${sym.name}\` is defined but not in the objective`, `add it to the objective (\`objective = … + ${sym.name}\`) or remove it`);
  }
}
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

/** Every number of a weight's expression is finite (JSON and the IR schema hold nothing else). */
function allFinite(s: IRScalar): boolean {
  switch (s.op) {
    case "num":
    case "param":
      return Number.isFinite(s.value);
    case "neg":
      return allFinite(s.a);
    case "warmup":
      return allFinite(s.x);
    case "ramp":
    case "cosine":
      return allFinite(s.from) && allFinite(s.to);
    default:
      return allFinite(s.a) && allFinite(s.b);
  }
}
