// `encoder NAME = resnet(depth:, width:, pool:)` (issue 16): the convolutional encoder over the
// experiment's images (runtime/resnet.ts), its stages and parameter count.
import type { Arg, Call } from "../ast.js";
import type { IRResNetEncoder } from "../ir.js";
import type { SymbolEntry } from "../resolve.js";
import { formatCount, resnetBlocks, resnetParameters } from "../shapes.js";
import type { CheckContext } from "./context.js";
import { trainImage } from "./train.js";
import { numArg, wordArg } from "./values.js";

/** The depths a resnet may have: 8 (three stages of one block), 10 (four of one), 18 (four of two). */
export const RESNET_DEPTHS = [8, 10, 18] as const;

export function checkResnet(ctx: CheckContext, sym: SymbolEntry, call: Call, args: Map<string, Arg>): IRResNetEncoder | null {
  const name = sym.name;
  const before = ctx.errors;
  const depth = numArg(ctx, call, args, "depth");
  const width = numArg(ctx, call, args, "width");
  const pool = wordArg(ctx, call, args, "pool", ["mean", "max"]);
  const stemStride = numArg(ctx, call, args, "stem_stride");
  if (typeof depth === "number" && !(RESNET_DEPTHS as readonly number[]).includes(depth)) {
    const at = args.get("depth")?.value.span ?? call.callee.span;
    ctx.err("HGC165", at, `a resnet has depth 8, 10 or 18, not ${depth}`, "`depth: 8` is three stages of one block, `10` four stages of one, `18` four stages of two");
  }
  if (ctx.errors > before || typeof depth !== "number" || typeof width !== "number" || !pool) return null;
  const d = depth as IRResNetEncoder["depth"];
  const blocks = resnetBlocks(d);
  const channels = blocks.map((_, s) => width * 2 ** s);
  const C = channels[channels.length - 1]!;
  const img = trainImage(ctx);
  const parameters = resnetParameters(blocks, width);
  const enc: IRResNetEncoder = {
    name,
    kind: "resnet",
    depth: d,
    blocks,
    channels,
    width: C,
    layers: blocks.length,
    pool: pool as IRResNetEncoder["pool"],
    ...(stemStride === 2 ? { stemStride: 2 as const } : {}),
    imageSize: img?.size ?? null,
    parameters,
  };
  ctx.encoders.set(name, enc);
  ctx.setItem(
    sym,
    `encoder ${name}: resnet-${depth} over the images${stemStride === 2 ? " (stem stride 2)" : ""}, ${blocks.length} stages of ${channels.join("/")} channels (GroupNorm); .pooled [batch, ${C}] (${pool}), .layer(1…${blocks.length}); ${formatCount(parameters)} parameters`,
    ["batch", C],
    parameters,
  );
  return enc;
}
