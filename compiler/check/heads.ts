// `head NAME = mlp(…) | linear(…)`: a head on an encoder's `.pooled` or `.tokens`, its shape and
// parameter count; and the `enc.pooled` / `enc.tokens` references other items make.
import type { Expr } from "../ast.js";
import { didYouMeanHint } from "../diagnostics.js";
import type { IREncoder, IRHead } from "../ir.js";
import { formatCount, formatShape, headParameters } from "../shapes.js";
import type { CheckContext } from "./context.js";
import { inRange, numArg, numExpr, specOf } from "./values.js";
import { backticks, describe, KIND_WORDS } from "./words.js";

/** `enc.pooled` / `enc.tokens`: the encoder and the member, or null (reported). */
export function encoderMember(ctx: CheckContext, e: Expr, role: string, want?: "pooled"): { enc: IREncoder; member: "pooled" | "tokens" } | null {
  if (e.kind === "Member" && e.object.kind === "Name") {
    const sym = ctx.lookup(e.object.name, e.object.span, ["encoder"], role);
    if (!sym) return null;
    const prop = e.property.name;
    if (prop !== "pooled" && prop !== "tokens") {
      ctx.err("HGC025", e.property.span, `an encoder has no member \`${prop}\``, didYouMeanHint(prop, ["pooled", "tokens"]) ?? "an encoder exposes `.pooled` and `.tokens`");
      return null;
    }
    const enc = ctx.encoder(sym.name);
    if (!enc) return null;
    if (e.arg) {
      ctx.err("HGC025", e.arg.span, `\`.${prop}\` takes no argument`, "write it without the parentheses");
      return null;
    }
    if (want === "pooled" && prop !== "pooled") {
      ctx.err("HGC033", e.span, `${role} must be pooled features, found \`${sym.name}.tokens\` [batch, ${enc.length}, ${enc.width}]`, `use \`${sym.name}.pooled\` [batch, ${enc.width}]`);
      return null;
    }
    return { enc, member: prop };
  }
  if (e.kind === "Name") {
    const sym = ctx.symbols.get(e.name);
    if (sym?.kind === "encoder") {
      ctx.addRef(e.span, sym);
      ctx.err(want === "pooled" ? "HGC033" : "HGC034", e.span, `${role} must be \`${e.name}.pooled\`${want ? "" : ` or \`${e.name}.tokens\``}, not the encoder itself`, `write \`${e.name}.pooled\`${want ? "" : ` for [batch, width] or \`${e.name}.tokens\` for [batch, length, width]`}`);
      return null;
    }
    if (sym) {
      ctx.addRef(e.span, sym);
      const encs = [...ctx.symbols.values()].filter((s) => s.kind === "encoder").map((s) => `${s.name}.pooled`);
      ctx.err(want === "pooled" ? "HGC033" : "HGC034", e.span, `${role} must read an encoder's ${want === "pooled" ? "`.pooled` features" : "`.pooled` or `.tokens`"}, but \`${e.name}\` is ${KIND_WORDS[sym.kind]}`, encs.length ? `did you mean ${backticks(encs.slice(0, 3))}?` : undefined, [
        { message: `\`${e.name}\` is declared here`, span: sym.decl.name.span },
      ]);
      return null;
    }
    ctx.lookup(e.name, e.span, ["encoder"], role);
    return null;
  }
  ctx.err("HGC021", e.span, `${role} must be an encoder's \`.pooled\`${want ? "" : " or `.tokens`"}, found ${describe(e)}`, "write e.g. `enc.pooled`");
  return null;
}

export function checkHead(ctx: CheckContext, name: string): IRHead | null {
  const sym = ctx.symbols.get(name)!;
  const sig = ctx.declCall(sym);
  if (!sig) return null;
  const { call, args, b } = sig;
  const before = ctx.errors;
  const input = call.positional ? encoderMember(ctx, call.positional, `the input of head \`${name}\``) : null;
  const out = numArg(ctx, call, args, "out");
  let hidden: number[] = [];
  const h = args.get("hidden");
  if (h) {
    const e = h.value;
    const items = e.kind === "List" ? e.items : [e];
    if (e.kind !== "List" && e.kind !== "Number") {
      ctx.err("HGC021", e.span, `\`hidden:\` must be a list of widths like \`[96]\`, found ${describe(e)}`);
    } else {
      hidden = [];
      for (const it of items) {
        const v = numExpr(ctx, it, "a hidden width");
        const ok = v && inRange(ctx, v, "a hidden width", specOf("mlp", "hidden"));
        if (ok !== null && ok !== undefined) hidden.push(ok);
      }
    }
  }
  const declaredIn = numArg(ctx, call, args, "in");
  if (input && typeof declaredIn === "number" && declaredIn !== input.enc.width) {
    ctx.err(
      "HGC041",
      args.get("in")!.value.span,
      `head \`${name}\` expects inputs of width ${declaredIn}, but \`${input.enc.name}.${input.member}\` has width ${input.enc.width}`,
      `write \`in: ${input.enc.width}\` (or drop \`in:\`; the width is inferred from the encoder)`,
      [{ message: `\`${input.enc.name}\` has width ${input.enc.width}`, span: ctx.symbols.get(input.enc.name)!.decl.name.span }],
    );
  }
  if (ctx.errors > before || !input || typeof out !== "number") return null;
  const perToken = input.member === "tokens";
  const tok = ctx.tokenizers.get(input.enc.tokens) ?? null;
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
  ctx.heads.set(name, head);
  ctx.setItem(sym, `head ${name}: ${b.name} ${[width, ...head.hidden, out].join(" → ")}${perToken ? " at every position" : ""}, ${formatShape(shape)}; ${formatCount(parameters)} parameters`, shape, parameters);
  return head;
}
