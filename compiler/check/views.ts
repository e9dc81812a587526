// `views NAME = augment(…)`: how the two contrastive views of an image are drawn.
import type { IRViews } from "../ir.js";
import type { CheckContext } from "./context.js";
import { numArg } from "./values.js";
import { describe, fmtNum } from "./words.js";

export function checkViews(ctx: CheckContext, name: string): IRViews | null {
  const sym = ctx.symbols.get(name)!;
  const sig = ctx.declCall(sym);
  if (!sig) return null;
  const { call, args } = sig;
  const before = ctx.errors;
  let crop: [number, number] | null = null;
  const c = args.get("crop");
  if (c) {
    const e = c.value;
    if (e.kind === "Range") {
      const lo = e.from.value;
      const hi = e.to.value;
      if (!(lo > 0 && lo <= 1)) ctx.err("HGC050", e.from.span, `the crop range must lie inside (0, 1], found ${fmtNum(lo)}`, "a crop keeps a fraction of the image area, e.g. `crop: 0.6..1.0`");
      else if (!(hi > 0 && hi <= 1)) ctx.err("HGC050", e.to.span, `the crop range must lie inside (0, 1], found ${fmtNum(hi)}`, "a crop keeps a fraction of the image area, e.g. `crop: 0.6..1.0`");
      else if (lo > hi) ctx.err("HGC052", e.span, `the crop range \`${e.from.raw}..${e.to.raw}\` runs backwards`, `write the smaller bound first: \`${e.to.raw}..${e.from.raw}\``);
      else crop = [lo, hi];
    } else {
      ctx.err("HGC021", e.span, `\`crop:\` must be a range like \`0.6..1.0\`, found ${describe(e)}`, "the range is the fraction of the area kept, inside (0, 1]");
    }
  }
  const v = {
    flip: numArg(ctx, call, args, "flip"),
    noise: numArg(ctx, call, args, "noise"),
    jitter: numArg(ctx, call, args, "jitter"),
    erase: numArg(ctx, call, args, "erase"),
    rotate: numArg(ctx, call, args, "rotate"),
  };
  if (ctx.errors > before) return null;
  const out: IRViews = { name, kind: "augment", crop, flip: v.flip ?? 0, noise: v.noise ?? 0, jitter: v.jitter ?? 0, erase: v.erase ?? 0, rotate: v.rotate ?? 0 };
  ctx.viewsMap.set(name, out);
  const parts = [crop ? `crop ${crop[0]}..${crop[1]}` : null, out.flip ? `flip ${out.flip}` : null, out.noise ? `noise ${out.noise}` : null, out.jitter ? `jitter ${out.jitter}` : null, out.erase ? `erase ${out.erase}` : null, out.rotate ? `rotate ${out.rotate}°` : null].filter(Boolean);
  ctx.setItem(sym, `views ${name}: two augmented views per image (${parts.join(", ") || "no augmentation"})`);
  return out;
}
