// `loss NAME = masked(H, target:, ratio:)` (BEiT-style masked-token prediction) and
// `reconstruct(D, target:, ratio:)` (MAE) (issue 16): their head, target and encoder.
import type { Arg, Call } from "../ast.js";
import type { IRLoss } from "../ir.js";
import type { SymbolEntry } from "../resolve.js";
import { formatShape } from "../shapes.js";
import type { CheckContext } from "./context.js";
import { checkLoss, headRef } from "./losses.js";
import { numArg, wordArg } from "./values.js";

/** A loss declaration: masked and reconstruct here, the others by compiler/check/losses.ts. */
export function checkAnyLoss(ctx: CheckContext, name: string): IRLoss | null {
  const sym = ctx.symbols.get(name)!;
  const e = sym.decl.value;
  const callee = e.kind === "Call" ? e.callee.name : null;
  if (callee !== "masked" && callee !== "reconstruct") return checkLoss(ctx, name);
  const sig = ctx.declCall(sym);
  if (!sig) {
    ctx.losses.set(name, null);
    return null;
  }
  return checkMaskedLoss(ctx, sym, sig.call, sig.args, callee);
}

export function checkMaskedLoss(ctx: CheckContext, sym: SymbolEntry, call: Call, args: Map<string, Arg>, kind: "masked" | "reconstruct"): IRLoss | null {
  const name = sym.name;
  const before = ctx.errors;
  const headSym = call.positional ? headRef(ctx, call.positional, kind) : null;
  const head = headSym ? ctx.head(headSym.name) : null;
  const ta = args.get("target");
  const tokSym = ta ? ctx.nameArg(ta.value, "tokens", "`target:`") : null;
  const target = tokSym ? ctx.tokenizer(tokSym.name) : null;
  const ratio = numArg(ctx, call, args, "ratio");
  const input = wordArg(ctx, call, args, "input", ["clean", "view"]);
  const at = call.positional?.span ?? call.callee.span;
  const declared = headSym ? [{ message: `\`${headSym.name}\` is declared here`, span: headSym.decl.name.span }] : [];
  const enc = head ? ctx.encoders.get(head.input.encoder) : null;
  if (head && enc?.kind === "resnet") {
    ctx.err("HGC164", at, `\`${kind}\` predicts tokens, but \`${head.name}\` reads resnet \`${enc.name}\`, which has none`, "mask the tokens of a transformer encoder; a resnet pairs with contrastive losses", declared);
  } else if (kind === "masked" && head) {
    if (head.kind === "decoder") {
      ctx.err("HGC166", at, `\`masked\` reads a per-token head, but \`${head.name}\` is a decoder, which only \`reconstruct\` reads`, `declare \`head mlm = linear(${head.input.encoder}.tokens, out: ${target?.name ?? "pixels"}.vocab)\` and write \`masked(mlm, …)\``, declared);
    } else if (!head.perToken) {
      ctx.err("HGC031", at, `masked needs a per-token head, but \`${head.name}\` is a vector ${formatShape(head.shape)}`, `declare \`head mlm = linear(${head.input.encoder}.tokens, out: ${target?.name ?? "pixels"}.vocab)\` and write \`masked(mlm, …)\``, declared);
    } else if (target && head.out !== target.vocab) {
      ctx.err("HGC032", at, `head \`${head.name}\` predicts ${head.out} values per position, but \`${target.name}\` has a vocabulary of ${target.vocab}`, `write \`out: ${target.name}.vocab\` in \`${head.name}\``, declared);
    }
  } else if (kind === "reconstruct" && head && head.kind !== "decoder") {
    ctx.err("HGC163", at, `\`reconstruct\` reads a \`decoder\` head, but \`${head.name}\` is ${head.kind}`, `declare \`head dec = decoder(${head.input.encoder}, layers: 1, width: 32, heads: 2)\` and write \`reconstruct(dec, …)\``, declared);
  }
  if (kind === "reconstruct" && target && target.kind !== "patches") {
    ctx.err("HGC162", ta!.value.span, `\`reconstruct\` predicts patches' pixels, but \`${target.name}\` quantizes single pixels`, "read the images as patches: `tokens px = patches(size: 4, levels: 8)`");
  }
  if (enc?.kind === "transformer" && target && enc.tokens !== target.name && ctx.errors === before) {
    ctx.err("HGC035", ta!.value.span, `\`${head!.name}\` reads encoder \`${enc.name}\`, which reads \`${enc.tokens}\`, not \`${target.name}\``, `predict the tokens the encoder reads: \`target: ${enc.tokens}\``);
  }
  if (kind === "masked" && enc?.kind === "transformer" && ctx.errors === before) {
    const encDecl = [{ message: `\`${enc.name}\` is declared here`, span: ctx.symbols.get(enc.name)!.decl.name.span }];
    const ar = autoregressiveOn(ctx, enc.name);
    if (ar) {
      ctx.err("HGC161", at, `\`${name}\` needs encoder \`${enc.name}\` non-causal, but \`${ar}\` predicts its next token, which needs it causal`, "give the two losses encoders of their own, or keep one of them", encDecl);
    } else if (enc.causal) {
      ctx.err("HGC160", at, `\`masked\` needs a non-causal encoder, but \`${enc.name}\` is causal: a token would see only the tokens before it`, `write \`causal: false\` in \`${enc.name}\``, encDecl);
    }
  }
  if (ctx.errors > before || !head || !target || typeof ratio !== "number" || !input) {
    ctx.losses.set(name, null);
    return null;
  }
  const loss: IRLoss = { name, kind, head: head.name, target: target.name, ratio, input: input as "clean" | "view" };
  ctx.losses.set(name, loss);
  ctx.setItem(
    sym,
    kind === "masked"
      ? `loss ${name}: masked-token prediction of ${target.name} from ${head.name}, ${Math.round(ratio * 100)}% of ${target.length} tokens masked, in bits per masked dim`
      : `loss ${name}: MAE reconstruction of ${target.name}'s masked patches (${Math.round(ratio * 100)}% of ${target.length}) by ${head.name}, MSE of per-patch normalised pixels; the encoder reads the visible tokens only`,
  );
  return loss;
}

/** The name of a declared `autoregressive` loss whose head reads encoder `enc`, if any. */
function autoregressiveOn(ctx: CheckContext, enc: string): string | null {
  for (const s of ctx.symbols.values()) {
    if (s.kind !== "loss" || s.decl.value.kind !== "Call" || s.decl.value.callee.name !== "autoregressive") continue;
    const p = s.decl.value.positional;
    const h = p?.kind === "Name" ? ctx.symbols.get(p.name) : undefined;
    if (h?.kind === "head" && ctx.head(h.name)?.input.encoder === enc) return s.name;
  }
  return null;
}
