// `loss NAME = ntxent(…) | autoregressive(…)`: a loss term, its head, views or target.
import type { Expr } from "../ast.js";
import type { IRLoss } from "../ir.js";
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
  if (b.name === "ntxent") {
    const va = args.get("views");
    const viewsSym = va ? ctx.nameArg(va.value, "views", "`views:`") : null;
    const views = viewsSym ? ctx.views(viewsSym.name) : null;
    const temperature = numArg(ctx, call, args, "temperature");
    if (head && head.perToken) {
      ctx.err("HGC030", call.positional!.span, `ntxent needs a vector head, but \`${head.name}\` is per-token ${formatShape(head.shape)}`, `contrast pooled features: declare \`head proj = mlp(${head.input.encoder}.pooled, out: 128)\` and write \`ntxent(proj, …)\``, [
        { message: `\`${head.name}\` reads \`${head.input.encoder}.tokens\``, span: headSym!.decl.name.span },
      ]);
    }
    if (ctx.errors === before && head && views && typeof temperature === "number") {
      loss = { name, kind: "ntxent", head: head.name, views: views.name, temperature };
      ctx.setItem(sym, `loss ${name}: NT-Xent over two views (${views.name}) of ${head.name} ${formatShape(head.shape)}, temperature ${temperature}`);
    }
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
      if (enc && enc.tokens !== target.name) {
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
