// Values of arguments: numbers (literals, params, a tokenizer's members, arithmetic) checked
// against the registry's ranges, words from a closed set, booleans, sizes, strings and lists.
// Defaults come from the registry (language/builtins.ts) as values.
import type { Arg, Call, Expr, Span } from "../ast.js";
import { didYouMeanHint } from "../diagnostics.js";
import { builtinArg, defaultValue } from "../../language/builtins.js";
import type { CheckContext } from "./context.js";
import { backticks, describe, describeSpec, exampleHint, fmtNum, range, type NumSpec } from "./words.js";

export interface NumV {
  value: number;
  span: Span;
}

/** The range the registry gives an argument, as the checker enforces it. */
export function specOf(callee: string, name: string): NumSpec {
  const a = builtinArg(callee, name);
  if (!a) return {};
  return { ...(a.kind === "int" || a.kind === "ints" ? { int: true } : {}), ...a.range, ...(a.why ? { hint: a.why } : {}) };
}

/** A number: a literal, a param, a tokenizer's `.vocab`/`.length`, or arithmetic of those. */
export function numExpr(ctx: CheckContext, e: Expr, role: string): NumV | null {
  switch (e.kind) {
    case "Number":
      // `1e999` reads as Infinity: no argument can take it, and JSON cannot write it.
      if (!Number.isFinite(e.value)) {
        ctx.err("HGC050", e.span, `${role} must be a finite number, found \`${e.raw}\``, "a number is at most about 1.8e308; write the value you mean");
        return null;
      }
      return { value: e.value, span: e.span };
    case "Unary": {
      const v = numExpr(ctx, e.operand, role);
      return v && { value: -v.value, span: e.span };
    }
    case "Binary": {
      const a = numExpr(ctx, e.left, role);
      const b = numExpr(ctx, e.right, role);
      if (!a || !b) return null;
      const value = e.op === "+" ? a.value + b.value : e.op === "-" ? a.value - b.value : e.op === "*" ? a.value * b.value : a.value / b.value;
      if (!Number.isFinite(value)) {
        ctx.err("HGC050", e.span, `${role} is not a finite number`, "check for a division by zero");
        return null;
      }
      return { value, span: e.span };
    }
    case "Name": {
      const sym = ctx.lookup(e.name, e.span, ["param"], role);
      if (!sym) return null;
      const v = ctx.param(sym.name);
      return v === null ? null : { value: v, span: e.span };
    }
    case "Member": {
      if (e.object.kind === "Name") {
        const sym = ctx.symbols.get(e.object.name);
        if (sym?.kind === "tokens") {
          ctx.addRef(e.object.span, sym);
          const prop = e.property.name;
          if (e.arg) {
            ctx.err("HGC025", e.arg.span, `\`.${prop}\` takes no argument`, "write it without the parentheses");
            return null;
          }
          if (prop !== "vocab" && prop !== "length") {
            ctx.err("HGC025", e.property.span, `a tokenizer has no member \`${prop}\``, didYouMeanHint(prop, ["vocab", "length"]) ?? "a tokenizer exposes `.vocab` and `.length`");
            return null;
          }
          const t = ctx.tokenizer(sym.name);
          return t ? { value: prop === "vocab" ? t.vocab : t.length, span: e.span } : null;
        }
      }
      ctx.err("HGC021", e.span, `${role} must be a number, found ${describe(e)}`, "a number here is a literal, a param, or a tokenizer's `.vocab` or `.length`");
      return null;
    }
    default:
      ctx.err("HGC021", e.span, `${role} must be a number, found ${describe(e)}`, exampleHint(role));
      return null;
  }
}

/** Checks a number against its range and integrality. */
export function inRange(ctx: CheckContext, v: NumV, role: string, spec: NumSpec): number | null {
  const { value } = v;
  if (spec.int && Number.isInteger(value) && !Number.isSafeInteger(value)) {
    ctx.err("HGC050", v.span, `${role} must be a whole number below 2^53, found ${fmtNum(value)}`, spec.hint ?? "beyond 2^53 whole numbers cannot be told apart");
    return null;
  }
  if (spec.int && !Number.isInteger(value)) {
    ctx.err("HGC051", v.span, `${role} must be a whole number, found ${fmtNum(value)}`, spec.hint ?? `write a whole number, e.g. ${/^`/.test(role) ? `${role.slice(0, -1)}: ` : "`"}${Math.max(spec.ge ?? 1, Math.round(value))}\``);
    return null;
  }
  const bad =
    (spec.gt !== undefined && !(value > spec.gt)) ||
    (spec.ge !== undefined && !(value >= spec.ge)) ||
    (spec.lt !== undefined && !(value < spec.lt)) ||
    (spec.le !== undefined && !(value <= spec.le));
  if (bad) {
    ctx.err("HGC050", v.span, `${role} must be ${describeSpec(spec)}, found ${fmtNum(value)}`, spec.hint);
    return null;
  }
  return value;
}

export function intValue(ctx: CheckContext, e: Expr, role: string, spec: NumSpec): number | null {
  const v = numExpr(ctx, e, `\`${role}\``);
  return v && inRange(ctx, v, `\`${role}\``, spec);
}

/** A numeric argument of a call: its checked value, the default when absent, null on error. */
export function numArg(ctx: CheckContext, call: Call, args: Map<string, Arg>, name: string): number | null | undefined {
  const a = args.get(name);
  const spec = specOf(call.callee.name, name);
  if (!a) {
    const d = defaultValue(call.callee.name, name);
    return typeof d === "number" ? d : undefined;
  }
  const v = numExpr(ctx, a.value, `\`${name}\``);
  return v && inRange(ctx, v, `\`${name}\``, spec);
}

/** A bare-word argument from a closed set (`pool: mean`, `schedule: cosine`). */
export function wordArg(ctx: CheckContext, call: Call, args: Map<string, Arg>, name: string, values: readonly string[]): string | null | undefined {
  const a = args.get(name);
  if (!a) {
    const d = defaultValue(call.callee.name, name);
    return typeof d === "string" ? d : undefined;
  }
  const e = a.value;
  const text = e.kind === "Name" ? e.name : e.kind === "String" ? e.value : undefined;
  if (text === undefined) {
    ctx.err("HGC021", e.span, `\`${name}:\` must be one of ${backticks(values)}, found ${describe(e)}`);
    return null;
  }
  if (!values.includes(text)) {
    ctx.err("HGC050", e.span, `\`${name}:\` must be one of ${backticks(values)}, found \`${text}\``, didYouMeanHint(text, values));
    return null;
  }
  return text;
}

export function boolArg(ctx: CheckContext, args: Map<string, Arg>, name: string, fallback: boolean): boolean | null {
  const a = args.get(name);
  if (!a) return fallback;
  if (a.value.kind !== "Bool") {
    ctx.err("HGC021", a.value.span, `\`${name}:\` must be \`true\` or \`false\`, found ${describe(a.value)}`);
    return null;
  }
  return a.value.value;
}

export function sizeArg(ctx: CheckContext, args: Map<string, Arg>, name: string): [number, number] | null | undefined {
  const a = args.get(name);
  if (!a) return undefined;
  const e = a.value;
  if (e.kind !== "Size") {
    ctx.err("HGC021", e.span, `\`${name}:\` must be a size like \`28x28\`, found ${describe(e)}`, "write height x width with no spaces, e.g. `14x14`");
    return null;
  }
  if (e.height < 1 || e.width < 1) {
    ctx.err("HGC050", e.span, `\`${name}:\` must be at least 1x1, found \`${e.raw}\``);
    return null;
  }
  return [e.height, e.width];
}

export function stringArg(ctx: CheckContext, args: Map<string, Arg>, name: string): string | null | undefined {
  const a = args.get(name);
  if (!a) return undefined;
  if (a.value.kind !== "String") {
    ctx.err("HGC021", a.value.span, `\`${name}:\` must be a string, found ${describe(a.value)}`, `write it in double quotes, e.g. \`${name}: "…"\``);
    return null;
  }
  return a.value.value;
}

export function wordList(ctx: CheckContext, a: Arg | undefined, role: string, values: readonly string[]): string[] | null {
  if (!a) return null;
  const items = a.value.kind === "List" ? a.value.items : [a.value];
  const out: string[] = [];
  let ok = true;
  for (const it of items) {
    if (it.kind !== "Name") {
      ctx.err("HGC021", it.span, `\`${role}:\` lists names from ${backticks(values)}, found ${describe(it)}`);
      ok = false;
      continue;
    }
    if (!values.includes(it.name)) {
      ctx.err("HGC050", it.span, `unknown ${role === "scores" ? "score" : role === "baselines" ? "baseline" : "corruption"} \`${it.name}\``, didYouMeanHint(it.name, values) ?? `choose from ${backticks(values)}`);
      ok = false;
      continue;
    }
    if (out.includes(it.name)) continue;
    out.push(it.name);
  }
  if (ok && out.length === 0) {
    ctx.err("HGC050", a.value.span, `\`${role}:\` is empty`, `list at least one of ${backticks(values)}`);
    return null;
  }
  return ok ? out : null;
}

export function severityList(ctx: CheckContext, a: Arg | undefined): number[] | null {
  if (!a) {
    return [...(defaultValue("robustness", "severities") as readonly number[])];
  }
  const e = a.value;
  let list: NumV[] = [];
  if (e.kind === "Range") {
    if (!Number.isInteger(e.from.value) || !Number.isInteger(e.to.value)) {
      ctx.err("HGC051", e.span, "severities must be whole numbers from 1 to 5", "write e.g. `severities: 1..5`");
      return null;
    }
    if (e.from.value > e.to.value) {
      ctx.err("HGC052", e.span, `the range \`${e.from.raw}..${e.to.raw}\` runs backwards`, `write \`${e.to.raw}..${e.from.raw}\``);
      return null;
    }
    list = range(e.from.value, e.to.value).map((value) => ({ value, span: e.span }));
  } else if (e.kind === "List" || e.kind === "Number") {
    const items = e.kind === "List" ? e.items : [e];
    for (const it of items) {
      const v = numExpr(ctx, it, "a severity");
      if (!v) return null;
      list.push(v);
    }
  } else {
    ctx.err("HGC021", e.span, `\`severities:\` must be a range or a list of whole numbers, found ${describe(e)}`, "write e.g. `severities: 1..5`");
    return null;
  }
  const out: number[] = [];
  for (const v of list) {
    const ok = inRange(ctx, v, "a severity", specOf("robustness", "severities"));
    if (ok === null) return null;
    if (!out.includes(ok)) out.push(ok);
  }
  return out;
}
