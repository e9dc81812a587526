// `loss NAME = ntxent(…) | supcon(…) | moco(…) | byol(…) | simsiam(…) | barlow_twins(…) |
// vicreg(…) | autoregressive(…)`: a loss term, its heads, views or target; `masked(…)` and
// `reconstruct(…)` are compiler/check/masked.ts, which dispatches here for the rest.
import type { Arg, Call, Expr } from "../ast.js";
import type { IRHead, IRLoss } from "../ir.js";
import type { SymbolEntry } from "../resolve.js";
import { formatShape } from "../shapes.js";
import type { CheckContext } from "./context.js";
import { numArg, wordArg } from "./values.js";
import { describe, memberText } from "./words.js";

export function checkLoss(ctx: CheckContext, name: string): IRLoss | null {
  const sym = ctx.symbols.get(name)!;
  const sig = ctx.declCall(sym);
  if (!sig) return null;
  const { call, args, b } = sig;
  const before = ctx.errors;
  const headSym = call.positional ? headRef(ctx, call.positional, b.name) : null;
  const head = headSym ? ctx.head(headSym.name) : null;
  let loss: IRLoss | null = null;
  if (b.name !== "autoregressive") {
    if (head) vectorHead(ctx, head, headSym!, call.positional!, b.name);
    loss = checkViewLoss(ctx, name, b.name, call, args, head);
    if (ctx.errors !== before) loss = null;
  } else {
    const ta = args.get("target");
    const tokSym = ta ? ctx.nameArg(ta.value, "tokens", "`target:`") : null;
    const target = tokSym ? ctx.tokenizer(tokSym.name) : null;
    const input = wordArg(ctx, call, args, "input", ["clean", "view"]);
    if (head && !head.perToken) {
      ctx.err(
        "HGC031",
        call.positional!.span,
        `autoregressive needs a per-token head, but \`${head.name}\` is a vector ${formatShape(head.shape)}`,
        `declare a per-token head, e.g. \`head lm = linear(${head.input.encoder}.tokens, out: ${target?.name ?? "pixels"}.vocab)\`, and write \`autoregressive(lm, …)\``,
        [{ message: `\`${head.name}\` reads \`${head.input.encoder}.pooled\``, span: headSym!.decl.name.span }],
      );
    } else if (head && target) {
      if (head.out !== target.vocab) {
        ctx.err(
          "HGC032",
          call.positional!.span,
          `head \`${head.name}\` predicts ${head.out} values per position, but \`${target.name}\` has a vocabulary of ${target.vocab}`,
          `write \`out: ${target.name}.vocab\` in \`${head.name}\``,
          [{ message: `\`${head.name}\` is declared here`, span: headSym!.decl.name.span }],
        );
      }
      const enc = ctx.encoders.get(head.input.encoder);
      if (enc?.kind === "resnet" || head.kind === "decoder") {
        ctx.err(enc?.kind === "resnet" ? "HGC164" : "HGC166", call.positional!.span, enc?.kind === "resnet" ? `autoregressive predicts tokens, but resnet \`${enc.name}\` has none` : `\`${head.name}\` is a decoder, which only \`reconstruct\` reads`, `declare a per-token head on a transformer's \`.tokens\`, e.g. \`linear(enc.tokens, out: ${target.name}.vocab)\``);
      } else if (enc && enc.tokens !== target.name) {
        ctx.err(
          "HGC035",
          ta!.value.span,
          `\`${head.name}\` reads encoder \`${enc.name}\`, which reads \`${enc.tokens}\`, not \`${target.name}\``,
          `predict the tokens the encoder reads: \`target: ${enc.tokens}\``,
        );
      } else if (enc && !enc.causal) {
        ctx.report("HGC036", "warning", call.positional!.span, `encoder \`${enc.name}\` is not causal, so \`${name}\` can see the tokens it predicts`, `add \`causal: true\` to \`${enc.name}\``, [
          { message: `\`${enc.name}\` is declared here`, span: ctx.symbols.get(enc.name)!.decl.name.span },
        ]);
      }
    }
    if (target && target.length < 2) {
      ctx.err("HGC043", ta!.value.span, `\`${target.name}\` has only ${target.length} token, too short to predict autoregressively`, "use a larger `size:` or smaller patches");
    }
    if (ctx.errors === before && head && target && input) {
      loss = { name, kind: "autoregressive", head: head.name, target: target.name, input: input as "clean" | "view" };
      ctx.setItem(sym, `loss ${name}: next-token cross entropy of ${target.name} (${target.length} tokens, vocab ${target.vocab}) from ${head.name}, in bits/dim`);
    }
  }
  ctx.losses.set(name, loss);
  return loss;
}

export function headRef(ctx: CheckContext, e: Expr, callee: string): SymbolEntry | null {
  if (e.kind !== "Name") {
    const hint = e.kind === "Member" ? `declare a head on it first, e.g. \`head proj = mlp(${memberText(e)}, out: 128)\`, then write \`${callee}(proj, …)\`` : undefined;
    ctx.err("HGC034", e.span, `\`${callee}\` applies to a head, found ${describe(e)}`, hint);
    return null;
  }
  return ctx.lookup(e.name, e.span, ["head"], `\`${callee}\`'s input`);
}

/** Reports a per-token head where a two-view loss needs one vector per image (HGC030). */
function vectorHead(ctx: CheckContext, head: IRHead, sym: SymbolEntry, at: Expr, callee: string): boolean {
  if (!head.perToken) return true;
  ctx.err("HGC030", at.span, `${callee} needs a vector head, but \`${head.name}\` is per-token ${formatShape(head.shape)}`, `contrast pooled features: declare \`head proj = mlp(${head.input.encoder}.pooled, out: 128)\` and write \`${callee}(proj, …)\``, [
    { message: `\`${head.name}\` reads \`${head.input.encoder}.tokens\``, span: sym.decl.name.span },
  ]);
  return false;
}

/** A second head argument (`key:`, `target:`): a vector head of the first one's width, or null (reported). */
function otherHead(ctx: CheckContext, callee: string, args: Map<string, Arg>, arg: string, first: IRHead | null): { head: IRHead; span: Expr["span"] } | null {
  const a = args.get(arg);
  if (!a) return null;
  const sym = ctx.nameArg(a.value, "head", `\`${arg}:\``);
  const head = sym ? ctx.head(sym.name) : null;
  if (!head || !vectorHead(ctx, head, sym!, a.value, callee)) return null;
  if (first && !first.perToken && first.out !== head.out) {
    ctx.err("HGC156", a.value.span, `${callee} compares \`${first.name}\` [batch, ${first.out}] with \`${head.name}\` [batch, ${head.out}]: their widths differ`, `give \`${first.name}\` \`out: ${head.out}\``, [
      { message: `\`${first.name}\` is declared here`, span: ctx.symbols.get(first.name)!.decl.name.span },
    ]);
    return null;
  }
  return { head, span: a.value.span };
}

/** The two-view family (ntxent and issue 15's losses): the IR entry, or null (reported). */
function checkViewLoss(ctx: CheckContext, name: string, kind: string, call: Call, args: Map<string, Arg>, head: IRHead | null): IRLoss | null {
  const sym = ctx.symbols.get(name)!;
  const va = args.get("views");
  const viewsSym = va ? ctx.nameArg(va.value, "views", "`views:`") : null;
  const views = viewsSym ? ctx.views(viewsSym.name) : null;
  const num = (arg: string) => numArg(ctx, call, args, arg);
  const of = head ? `${head.name} ${formatShape(head.shape)}` : "";
  let loss: IRLoss | null = null;
  let detail = "";
  switch (kind) {
    case "ntxent":
    case "supcon": {
      const temperature = num("temperature");
      if (!head || !views || typeof temperature !== "number") return null;
      loss = { name, kind, head: head.name, views: views.name, temperature };
      detail = kind === "ntxent" ? `NT-Xent over two views (${views.name}) of ${of}, temperature ${temperature}` : `supervised contrastive loss over two views (${views.name}) of ${of} with the training labels, temperature ${temperature}`;
      break;
    }
    case "barlow_twins": {
      const lambda = num("lambda");
      if (!head || !views || typeof lambda !== "number") return null;
      loss = { name, kind, head: head.name, views: views.name, lambda };
      detail = `Barlow Twins over two views (${views.name}) of ${of}, off-diagonal weight ${lambda}`;
      break;
    }
    case "vicreg": {
      const [sim, v, cov] = [num("sim"), num("var"), num("cov")];
      if (!head || !views || typeof sim !== "number" || typeof v !== "number" || typeof cov !== "number") return null;
      loss = { name, kind, head: head.name, views: views.name, sim, var: v, cov };
      detail = `VICReg over two views (${views.name}) of ${of}: ${sim}·invariance + ${v}·variance + ${cov}·covariance`;
      break;
    }
    case "moco": {
      const key = otherHead(ctx, kind, args, "key", head);
      const [queue, temperature] = [num("queue"), num("temperature")];
      if (key && key.head.kind !== "ema") {
        ctx.err("HGC151", key.span, `moco's key must be a momentum copy (an \`ema\` head), but \`${key.head.name}\` is trained by gradients`, `declare \`head t${key.head.name} = ema(${key.head.name}, decay: 0.99)\` and write \`key: t${key.head.name}\``, [
          { message: `\`${key.head.name}\` is declared here`, span: ctx.symbols.get(key.head.name)!.decl.name.span },
        ]);
        return null;
      }
      if (!head || !key || !views || typeof queue !== "number" || typeof temperature !== "number") return null;
      loss = { name, kind, head: head.name, key: key.head.name, views: views.name, queue, temperature };
      detail = `MoCo over two views (${views.name}): queries ${of}, keys ${key.head.name}, a queue of ${queue} keys, temperature ${temperature}`;
      break;
    }
    case "byol":
    case "simsiam": {
      const target = otherHead(ctx, kind, args, "target", head);
      if (head && target) {
        const source = target.head.kind === "ema" ? target.head.ema!.of : null;
        if (head.name === target.head.name || head.name === source) {
          const what = head.name === target.head.name ? `\`${head.name}\` is its own target` : `\`${target.head.name}\` is a copy of \`${head.name}\` itself`;
          ctx.err("HGC150", call.positional!.span, `${kind} without a predictor collapses: ${what}, so both branches are one function and mapping every image to one point minimises the loss`, `add a predictor on \`${source ?? head.name}\`: \`head pred = mlp(${source ?? head.name}, hidden: [${Math.max(head.out * 2, 64)}], out: ${head.out})\` and write \`${kind}(pred, target: ${target.head.name}, …)\``, [
            { message: `\`${head.name}\` is declared here`, span: ctx.symbols.get(head.name)!.decl.name.span },
          ]);
          return null;
        }
      }
      if (!head || !target || !views) return null;
      loss = { name, kind, head: head.name, target: target.head.name, views: views.name };
      detail = `${kind === "byol" ? "BYOL" : "SimSiam"} over two views (${views.name}): ${of} regresses ${target.head.name}, its gradient stopped`;
      break;
    }
    default:
      return null;
  }
  if (!loss) return null;
  ctx.setItem(sym, `loss ${name}: ${detail}`);
  return loss;
}
