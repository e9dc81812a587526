// `param NAME = NUMBER`: a named number (a sweep's grid point replaces it); `param NAME = a..b [log]`:
// a range a sweep's search draws from, the middle of it elsewhere (compiler/search.ts).
import { paramRange, rangeMiddle } from "../search.js";
import type { CheckContext } from "./context.js";
import { describe, fmtNum } from "./words.js";

export function checkParam(ctx: CheckContext, name: string): number | null {
  const sym = ctx.symbols.get(name)!;
  const e = sym.decl.value;
  let value: number | null = null;
  const range = paramRange(e, name, (code, span, message, hint) => ctx.err(code, span, message, hint));
  if (range === null) {
    ctx.params.set(name, null);
    return null;
  }
  const literal = range ? rangeMiddle(range) : e.kind === "Number" ? e.value : e.kind === "Unary" && e.operand.kind === "Number" ? -e.operand.value : undefined;
  if (literal !== undefined && !Number.isFinite(literal)) {
    ctx.err("HGC050", e.span, `param \`${name}\` must be a finite number, found \`${sym.decl.value.kind === "Number" ? sym.decl.value.raw : "…"}\``, "a number is at most about 1.8e308");
  } else if (literal === undefined) {
    ctx.err("HGC021", e.span, `param \`${name}\` must be a number, found ${describe(e)}`, "a param is a plain number, e.g. `param lambda = 0.5`, or a range a search draws from, `param lr = 1e-4..1e-2 log`");
  } else {
    value = Object.prototype.hasOwnProperty.call(ctx.overrides, name) ? ctx.overrides[name]! : literal;
    ctx.setItem(sym, `param ${name} = ${fmtNum(value)}`);
  }
  ctx.params.set(name, value);
  return value;
}
