// `head NAME = mlp(…) | linear(…) | ema(…)`: a head on an encoder's `.pooled` or `.tokens` or on
// another vector head (a predictor on a projection), or a momentum copy of a head; its shape and
// parameter count; and the `enc.pooled` / `enc.tokens` references other items make.
import type { Arg, Call, Expr } from "../ast.js";
import { didYouMeanHint } from "../diagnostics.js";
import type { IREncoder, IRHead } from "../ir.js";
import { formatCount, formatShape, headParameters } from "../shapes.js";
import type { CheckContext } from "./context.js";
import { checkDecoder } from "./decoder.js";
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
    if (prop === "tokens" && enc.kind === "resnet") {
      ctx.err("HGC164", e.property.span, `resnet \`${sym.name}\` has no tokens: it gives pooled features`, `use \`${sym.name}.pooled\` [batch, ${enc.width}]; token heads and token losses need a transformer`, [
        { message: `\`${sym.name}\` is declared here`, span: sym.decl.name.span },
      ]);
      return null;
    }
    if (want === "pooled" && prop !== "pooled" && enc.kind === "transformer") {
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

/** The heads being checked, per check: a head on a head that meets one of them is in a cycle. */
const inProgress = new WeakMap<CheckContext, Set<string>>();

export function checkHead(ctx: CheckContext, name: string): IRHead | null {
  const open = inProgress.get(ctx) ?? new Set<string>();
  inProgress.set(ctx, open);
  open.add(name);
  try {
    return checkHeadCall(ctx, name);
  } finally {
    open.delete(name);
  }
}

/**
 * The input of a head on a head: the vector head it reads; null when that head is reported (here
 * or where it is declared); undefined when the input is not the name of a head at all.
 */
function headInput(ctx: CheckContext, e: Expr, name: string, ema = false): IRHead | null | undefined {
  if (e.kind !== "Name") return undefined;
  const sym = ctx.symbols.get(e.name);
  if (sym?.kind !== "head") return undefined;
  ctx.addRef(e.span, sym);
  if (inProgress.get(ctx)?.has(e.name)) {
    ctx.err("HGC155", e.span, `head \`${name}\` reads \`${e.name}\`, which reads \`${name}\` in turn: the heads never reach an encoder`, "let one of them read an encoder's `.pooled`, e.g. `mlp(enc.pooled, out: 32)`", [
      { message: `\`${e.name}\` is declared here`, span: sym.decl.name.span },
    ]);
    return null;
  }
  const h = ctx.head(e.name);
  // The runtime's momentum copy follows a vector head's layers only (runtime/model.ts
  // buildMomentumHead): a decoder's blocks, or a per-token head's groups, are not copied.
  if (h?.perToken && ema) {
    const what = h.kind === "decoder" ? `decoder ${formatShape(h.shape)}` : `per-token head ${formatShape(h.shape)}`;
    ctx.err("HGC168", e.span, `\`ema\` copies vector heads only, but \`${e.name}\` is a ${what}`, "a momentum copy serves a two-view loss's target or key (byol, moco), which reads one vector per image: copy the projection, e.g. `ema(proj, decay: 0.99)`; `reconstruct` trains its decoder directly", [
      { message: `\`${e.name}\` reads \`${h.input.encoder}.tokens\``, span: sym.decl.name.span },
    ]);
    return null;
  }
  if (h?.perToken) {
    ctx.err("HGC154", e.span, `head \`${name}\` reads \`${e.name}\`, a per-token head ${formatShape(h.shape)}; a head on a head reads one vector per image`, `read a vector head instead, e.g. \`mlp(${h.input.encoder}.pooled, out: 32)\` as the projection and \`mlp(proj, …)\` on it`, [
      { message: `\`${e.name}\` reads \`${h.input.encoder}.tokens\``, span: sym.decl.name.span },
    ]);
    return null;
  }
  return h;
}

/** The values a momentum copy of `h` holds: h's parameters, those of the heads under it and of its encoder. */
function copiedValues(ctx: CheckContext, h: IRHead): number {
  if (h.kind === "ema") return h.ema!.values;
  const below = h.input.head ? ctx.heads.get(h.input.head) : null;
  return h.parameters + (below ? copiedValues(ctx, below) : (ctx.encoders.get(h.input.encoder)?.parameters ?? 0));
}

/** `ema(H, decay: d)`: H's shape and input, no trainable parameters, a copy of everything under H. */
function checkEma(ctx: CheckContext, name: string, call: Call, args: Map<string, Arg>): IRHead | null {
  const sym = ctx.symbols.get(name)!;
  const before = ctx.errors;
  const e = call.positional!;
  let source: IRHead | null = null;
  const target = e.kind === "Name" ? ctx.symbols.get(e.name) : undefined;
  if (target?.kind === "head") source = headInput(ctx, e, name, true) ?? null;
  else if (e.kind === "Name" && !target) ctx.lookup(e.name, e.span, ["head"], `the head \`ema\` copies`);
  else {
    if (target) ctx.addRef(e.span, target);
    const heads = ctx.namesOfKind(["head"]).filter((n) => n !== name);
    ctx.err(
      "HGC153",
      e.span,
      `\`ema\` copies a head, but ${target ? `\`${target.name}\` is ${KIND_WORDS[target.kind]}` : `found ${describe(e)}`}`,
      heads.length ? `copy a head (its encoder comes with it): ${backticks(heads.slice(0, 3).map((h) => `ema(${h}, decay: 0.99)`))}` : "declare a head on the encoder, e.g. `head proj = mlp(enc.pooled, out: 32)`, and write `ema(proj, decay: 0.99)`",
      target ? [{ message: `\`${target.name}\` is declared here`, span: target.decl.name.span }] : [],
    );
  }
  // The runtime's momentum copy rebuilds a transformer's weights only (runtime/model.ts buildMomentumHead).
  const root = source ? ctx.encoders.get(source.input.encoder) : null;
  if (source && root?.kind === "resnet") {
    ctx.err("HGC167", e.span, `\`ema\` copies transformer encoders only, but \`${source.name}\` reads resnet \`${root.name}\``, "pair a resnet with a loss that needs no momentum copy (ntxent, supcon, simsiam, barlow_twins, vicreg), or put the head on a transformer");
    source = null;
  }
  const decay = numArg(ctx, call, args, "decay");
  if (ctx.errors > before || !source || typeof decay !== "number") return null;
  const values = copiedValues(ctx, source);
  const head: IRHead = {
    name,
    kind: "ema",
    input: { ...source.input },
    inWidth: source.inWidth,
    hidden: [...source.hidden],
    out: source.out,
    perToken: source.perToken,
    shape: [...source.shape],
    parameters: 0,
    ema: { of: source.name, decay, values },
  };
  ctx.heads.set(name, head);
  ctx.setItem(sym, `head ${name}: momentum copy of ${source.name} and everything under it (decay ${decay}), ${formatShape(head.shape)}; ${formatCount(values)} values, none trained`, head.shape, 0);
  return head;
}

function checkHeadCall(ctx: CheckContext, name: string): IRHead | null {
  const sym = ctx.symbols.get(name)!;
  const sig = ctx.declCall(sym);
  if (!sig) return null;
  const { call, args, b } = sig;
  if (b.name === "decoder") return checkDecoder(ctx, sym, call, args);
  if (b.name === "ema") return call.positional ? checkEma(ctx, name, call, args) : null;
  const before = ctx.errors;
  const onHead = call.positional ? headInput(ctx, call.positional, name) : null;
  const input = call.positional && onHead === undefined ? encoderMember(ctx, call.positional, `the input of head \`${name}\``) : null;
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
  if (onHead && typeof declaredIn === "number" && declaredIn !== onHead.out) {
    ctx.err("HGC041", args.get("in")!.value.span, `head \`${name}\` expects inputs of width ${declaredIn}, but \`${onHead.name}\` has width ${onHead.out}`, `write \`in: ${onHead.out}\` (or drop \`in:\`; the width is inferred from \`${onHead.name}\`)`);
  }
  if (input && typeof declaredIn === "number" && declaredIn !== input.enc.width) {
    ctx.err(
      "HGC041",
      args.get("in")!.value.span,
      `head \`${name}\` expects inputs of width ${declaredIn}, but \`${input.enc.name}.${input.member}\` has width ${input.enc.width}`,
      `write \`in: ${input.enc.width}\` (or drop \`in:\`; the width is inferred from the encoder)`,
      [{ message: `\`${input.enc.name}\` has width ${input.enc.width}`, span: ctx.symbols.get(input.enc.name)!.decl.name.span }],
    );
  }
  if (ctx.errors > before || typeof out !== "number") return null;
  if (onHead) return headOnHead(ctx, name, b.name, onHead, b.name === "linear" ? [] : hidden, out);
  if (!input) return null;
  const perToken = input.member === "tokens";
  const tok = input.enc.kind === "transformer" ? (ctx.tokenizers.get(input.enc.tokens) ?? null) : null;
  const length = input.enc.kind === "transformer" ? input.enc.length : 1;
  const ppt = perToken && tok ? tok.pixelsPerToken : 1;
  const width = input.enc.width;
  const parameters = headParameters(width, b.name === "linear" ? [] : hidden, out * ppt);
  const shape: (string | number)[] = perToken ? (ppt > 1 ? ["batch", length, ppt, out] : ["batch", length, out]) : ["batch", out];
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

/** A head on a vector head: [batch, out], rooted at the same encoder. */
function headOnHead(ctx: CheckContext, name: string, kind: string, below: IRHead, hidden: number[], out: number): IRHead {
  const sym = ctx.symbols.get(name)!;
  const parameters = headParameters(below.out, hidden, out);
  const shape = ["batch", out];
  const head: IRHead = {
    name,
    kind: kind as IRHead["kind"],
    input: { encoder: below.input.encoder, member: "pooled", head: below.name },
    inWidth: below.out,
    hidden,
    out,
    perToken: false,
    shape,
    parameters,
  };
  ctx.heads.set(name, head);
  ctx.setItem(sym, `head ${name}: ${kind} ${[below.out, ...hidden, out].join(" → ")} on ${below.name}, ${formatShape(shape)}; ${formatCount(parameters)} parameters`, shape, parameters);
  return head;
}
