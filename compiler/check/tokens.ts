// `tokens NAME = quantize(…) | patches(…)`: how an image becomes a token sequence, its length
// and vocabulary.
import { formatCount, patchesShape, quantizeShape } from "../shapes.js";
import type { IRTokenizer } from "../ir.js";
import type { CheckContext } from "./context.js";
import { trainImage } from "./train.js";
import { numArg, sizeArg } from "./values.js";
import { divisors, gcd } from "./words.js";

/** Longest token sequence an encoder accepts (attention is quadratic in it). */
export const MAX_SEQUENCE = 4096;

export function checkTokenizer(ctx: CheckContext, name: string): IRTokenizer | null {
  const sym = ctx.symbols.get(name)!;
  const sig = ctx.declCall(sym);
  if (!sig) return null;
  const { call, args, b } = sig;
  const before = ctx.errors;
  const levels = numArg(ctx, call, args, "levels");
  let shape: ReturnType<typeof quantizeShape> | null = null;
  if (b.name === "quantize") {
    const size = sizeArg(ctx, args, "size");
    if (size && typeof levels === "number") shape = quantizeShape(size[0], size[1], levels);
    const img = shape ? trainImage(ctx) : null;
    if (size && img?.size && (size[0] > img.size[0] || size[1] > img.size[1])) {
      ctx.report("HGC044", "warning", args.get("size")!.value.span, `\`${name}\` upsamples the ${img.size[0]}x${img.size[1]} images of \`${img.ds.name}\` to ${size[0]}x${size[1]}`, `a size at most ${img.size[0]}x${img.size[1]} keeps the sequence shorter at no loss of detail`);
    }
  } else {
    const p = numArg(ctx, call, args, "size");
    const img = trainImage(ctx);
    if (typeof p === "number" && typeof levels === "number" && img) {
      const span = args.get("size")!.value.span;
      if (!img.size) {
        ctx.err("HGC046", span, `the image size of \`${img.ds.name}\` is only known once its files are read, so \`${name}\` cannot be cut into patches`, `give the dataset a size, e.g. \`size: 28x28\``);
      } else if (img.size[0] % p !== 0 || img.size[1] % p !== 0) {
        const fits = divisors(gcd(img.size[0], img.size[1])).filter((d) => d > 1);
        ctx.err(
          "HGC042",
          span,
          `patch size ${p} does not divide the ${img.size[0]}x${img.size[1]} images of \`${img.ds.name}\``,
          fits.length ? `use a patch size that divides both sides: ${fits.join(", ")}` : `resize the dataset (\`size:\`) to a multiple of ${p}`,
        );
      } else {
        shape = patchesShape(img.size[0], img.size[1], p, levels);
        for (const ds of ctx.symbols.values()) {
          if (ds.kind !== "dataset" || ds.name === img.ds.name) continue;
          const other = ctx.dataset(ds.name);
          if (other && other.shape.height !== null && other.shape.width !== null && (other.shape.height !== img.size[0] || other.shape.width !== img.size[1])) {
            ctx.err(
              "HGC045",
              ds.decl.name.span,
              `dataset \`${ds.name}\` holds ${other.shape.height}x${other.shape.width} images, but \`${name}\` cuts patches from ${img.size[0]}x${img.size[1]} images`,
              `resize it with \`size: ${img.size[0]}x${img.size[1]}\``,
              [{ message: `the patch size comes from the training set \`${img.ds.name}\``, span: img.ds ? ctx.symbols.get(img.ds.name)!.decl.name.span : undefined }],
            );
          }
        }
      }
    }
  }
  if (shape && shape.length > MAX_SEQUENCE) {
    ctx.err("HGC043", call.span, `\`${name}\` makes sequences of ${formatCount(shape.length)} tokens, more than the ${MAX_SEQUENCE} an encoder attends over`, b.name === "quantize" ? "use a smaller `size:` (e.g. 14x14 gives 196 tokens) or `patches(…)`" : "use larger patches");
  }
  if (ctx.errors > before || !shape || typeof levels !== "number") return null;
  const tok: IRTokenizer = { name, kind: b.name as IRTokenizer["kind"], levels, ...shape };
  ctx.tokenizers.set(name, tok);
  ctx.setItem(
    sym,
    `tokens ${name}: ${tok.kind} ${tok.kind === "patches" ? `${tok.patch}x${tok.patch} patches of ${tok.imageSize[0]}x${tok.imageSize[1]}` : `${tok.imageSize[0]}x${tok.imageSize[1]}`}, ${tok.levels} levels → length ${tok.length}, vocab ${tok.vocab}`,
    ["batch", tok.length],
  );
  return tok;
}
