// `encoder NAME = transformer(…)`: the Transformer over a token sequence and its parameter count.
import type { IREncoder } from "../ir.js";
import { encoderParameters, formatCount } from "../shapes.js";
import type { CheckContext } from "./context.js";
import { boolArg, numArg, wordArg } from "./values.js";
import { divisors } from "./words.js";

export function checkEncoder(ctx: CheckContext, name: string): IREncoder | null {
  const sym = ctx.symbols.get(name)!;
  const sig = ctx.declCall(sym);
  if (!sig) return null;
  const { call, args } = sig;
  const before = ctx.errors;
  const tokArg = args.get("tokens");
  const tokSym = tokArg ? ctx.nameArg(tokArg.value, "tokens", "`tokens:`") : null;
  const tok = tokSym ? ctx.tokenizer(tokSym.name) : null;
  const layers = numArg(ctx, call, args, "layers");
  const width = numArg(ctx, call, args, "width");
  const heads = numArg(ctx, call, args, "heads");
  const mlp = numArg(ctx, call, args, "mlp");
  const causal = boolArg(ctx, args, "causal", false);
  const pool = wordArg(ctx, call, args, "pool", ["mean", "last", "max"]);
  const dropout = numArg(ctx, call, args, "dropout");
  if (typeof width === "number" && typeof heads === "number" && width % heads !== 0) {
    const near = divisors(width).filter((d) => d > 1 && d <= 32);
    ctx.err(
      "HGC040",
      args.get("heads")!.value.span,
      `width ${width} does not split evenly into ${heads} heads`,
      `each head gets width / heads dimensions; use heads in ${near.join(", ") || "1"}, or a width that ${heads} divides (e.g. ${Math.ceil(width / heads) * heads})`,
      [{ message: `width is ${width}`, span: args.get("width")!.value.span }],
    );
  }
  if (ctx.errors > before || !tok || typeof layers !== "number" || typeof width !== "number" || typeof heads !== "number" || causal === null || !pool) return null;
  const mlpX = typeof mlp === "number" ? mlp : 4;
  const parameters = encoderParameters(tok, { width, layers, mlp: mlpX, length: tok.length });
  const enc: IREncoder = {
    name,
    kind: "transformer",
    tokens: tok.name,
    layers,
    width,
    heads,
    mlp: mlpX,
    causal,
    pool: pool as IREncoder["pool"],
    dropout: typeof dropout === "number" ? dropout : 0,
    length: tok.length,
    parameters,
  };
  ctx.encoders.set(name, enc);
  ctx.setItem(
    sym,
    `encoder ${name}: transformer, ${layers} layers, width ${width}, ${heads} heads${causal ? ", causal" : ""}; .tokens [batch, ${tok.length}, ${width}], .pooled [batch, ${width}] (${pool}); ${formatCount(parameters)} parameters`,
    ["batch", tok.length, width],
    parameters,
  );
  return enc;
}
