// `head NAME = decoder(E, layers:, width:, heads:)` (issue 16): MAE's light decoder over encoder
// E's tokens, mask tokens restored at the masked positions, one output per token (the patch's
// pixels for `patches`, the vocabulary for `quantize`); only `reconstruct` reads it.
import type { Arg, Call } from "../ast.js";
import type { IRHead } from "../ir.js";
import type { SymbolEntry } from "../resolve.js";
import { blockParameters, formatCount, formatShape } from "../shapes.js";
import type { CheckContext } from "./context.js";
import { numArg } from "./values.js";
import { describe, divisors } from "./words.js";

export function checkDecoder(ctx: CheckContext, sym: SymbolEntry, call: Call, args: Map<string, Arg>): IRHead | null {
  const name = sym.name;
  const before = ctx.errors;
  let encSym: SymbolEntry | null = null;
  const e = call.positional;
  if (e && e.kind === "Name") encSym = ctx.lookup(e.name, e.span, ["encoder"], `the input of decoder \`${name}\``);
  else if (e) {
    const hint = e.kind === "Member" && e.object.kind === "Name" ? `write the encoder itself: \`decoder(${e.object.name}, …)\`` : "write e.g. `decoder(enc, layers: 1, width: 32, heads: 2)`";
    ctx.err("HGC034", e.span, `a decoder reads an encoder, found ${describe(e)}`, hint);
  }
  const enc = encSym ? ctx.encoder(encSym.name) : null;
  const layers = numArg(ctx, call, args, "layers");
  const width = numArg(ctx, call, args, "width");
  const heads = numArg(ctx, call, args, "heads");
  const mlp = numArg(ctx, call, args, "mlp");
  if (enc && enc.kind === "resnet") {
    ctx.err("HGC164", e!.span, `a decoder restores tokens, but resnet \`${enc.name}\` has none`, "decode a transformer's tokens; a resnet gives `.pooled` and `.layer(k)` only", [
      { message: `\`${enc.name}\` is declared here`, span: encSym!.decl.name.span },
    ]);
  }
  if (typeof width === "number" && typeof heads === "number" && width % heads !== 0) {
    const near = divisors(width).filter((d) => d > 1 && d <= 32);
    ctx.err("HGC040", (args.get("heads") ?? args.get("width"))?.value.span ?? call.callee.span, `decoder width ${width} does not split evenly into ${heads} heads`, `use heads in ${near.join(", ") || "1"}`);
  }
  if (ctx.errors > before || !enc || enc.kind !== "transformer" || typeof layers !== "number" || typeof width !== "number" || typeof heads !== "number" || typeof mlp !== "number") return null;
  const tok = ctx.tokenizers.get(enc.tokens) ?? null;
  if (!tok) return null;
  const out = tok.kind === "patches" ? tok.pixelsPerToken : tok.vocab;
  const L = enc.length;
  // embed (D → width), mask vector, position embedding, blocks, final LayerNorm, output layer
  const parameters = enc.width * width + width + width + L * width + layers * blockParameters(width, mlp) + 2 * width + width * out + out;
  const shape: (string | number)[] = ["batch", L, out];
  const head: IRHead = {
    name,
    kind: "decoder",
    input: { encoder: enc.name, member: "tokens" },
    inWidth: enc.width,
    hidden: [],
    out,
    perToken: true,
    shape,
    parameters,
    decoder: { layers, width, heads, mlp },
  };
  ctx.heads.set(name, head);
  ctx.setItem(sym, `head ${name}: decoder of ${enc.name}'s tokens, ${layers} block${layers === 1 ? "" : "s"} of width ${width}, ${heads} heads, ${formatShape(shape)} (${tok.kind === "patches" ? "each patch's pixels" : "logits"}); ${formatCount(parameters)} parameters`, shape, parameters);
  return head;
}
