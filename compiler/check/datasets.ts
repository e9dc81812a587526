// `dataset NAME = source(…)`: the source, split, limit and image size, and what is known of it
// before any file is read.
import { dirname, resolve as resolvePath } from "node:path";
import type { DatasetSource, IRDataset } from "../ir.js";
import { formatCount, sourceFacts } from "../shapes.js";
import { defaultValue } from "../../language/builtins.js";
import type { CheckContext } from "./context.js";
import { numArg, sizeArg, stringArg, wordArg } from "./values.js";
import { fmtNum } from "./words.js";

export function checkDataset(ctx: CheckContext, name: string): IRDataset | null {
  const sym = ctx.symbols.get(name)!;
  const sig = ctx.declCall(sym);
  if (!sig) return null;
  const { call, args } = sig;
  const source = call.callee.name as DatasetSource;
  const before = ctx.errors;
  const splitWord = wordArg(ctx, call, args, "split", ["train", "test", "val", "all"]);
  const limit = numArg(ctx, call, args, "limit");
  const size = sizeArg(ctx, args, "size");
  const base = dirname(sym.decl.span.file.startsWith("<") ? resolvePath("x") : sym.decl.span.file);
  const path = (key: string): string | null => {
    const v = stringArg(ctx, args, key);
    return v ? resolvePath(base, v) : null;
  };
  const extra: Record<string, unknown> = {};
  if (source === "idx") {
    extra.images = path("images");
    extra.labels = path("labels");
  } else if (source === "folder") {
    extra.path = path("path");
  } else if (source === "cifar") {
    extra.path = path("path");
    const a = args.get("classes");
    const classes = numArg(ctx, call, args, "classes");
    if (typeof classes === "number" && classes !== 10 && classes !== 100) {
      ctx.err("HGC050", a!.value.span, `\`classes:\` of cifar must be 10 or 100, found ${fmtNum(classes)}`, "CIFAR-10 has 10 classes and CIFAR-100 has 100");
    }
    extra.classes = classes ?? 10;
  } else if (source === "synthetic") {
    extra.count = numArg(ctx, call, args, "count");
    extra.classes = numArg(ctx, call, args, "classes");
    extra.size = size ?? defaultValue("synthetic", "size");
    extra.noise = numArg(ctx, call, args, "noise");
    extra.seed = numArg(ctx, call, args, "seed");
  }
  if (ctx.errors > before) return null;
  const facts = sourceFacts(source, extra);
  const shown = source === "synthetic" ? (extra.size as [number, number]) : (size ?? facts.size);
  const split = (splitWord ?? "train") as IRDataset["split"];
  const available = facts.exactSplits?.includes(split) ? facts.splitSizes?.[split] : undefined;
  if (typeof limit === "number" && available !== undefined && limit > available) {
    ctx.report("HGC055", "warning", args.get("limit")!.value.span, `\`${name}\` asks for ${formatCount(limit)} images, but the ${split} split of ${source} holds ${formatCount(available)}`, `all ${formatCount(available)} are used; write \`limit: ${available}\` to say so, or choose another split`);
  }
  // Issue 12 (language-v2.md): a dataset must say which split it reads.
  if (!args.has("split")) {
    ctx.report("HGC122", "warning", call.callee.span, `\`${name}\` does not say which split it reads: say which split you mean; the default is "train"`, `add \`split: "train"\` (or "test", "val", "all")`);
  }
  const ds: IRDataset = {
    name,
    source,
    split: (splitWord ?? "train") as IRDataset["split"],
    limit: typeof limit === "number" ? limit : null,
    size: source === "synthetic" ? null : (size ?? null),
    args: extra,
    shape: { height: shown ? shown[0] : null, width: shown ? shown[1] : null, channels: 1 },
    classes: facts.classes,
  };
  ctx.datasets.set(name, ds);
  const dims = shown ? `${shown[0]}×${shown[1]}` : "size known once read";
  const count = ds.limit ?? facts.splitSizes?.[ds.split];
  ctx.setItem(
    sym,
    `dataset ${name}: ${source}, ${ds.split} split${count !== undefined ? `, ${ds.limit !== null ? "" : "≈"}${formatCount(count)} images` : ""}, ${dims} grey${source === "cifar" ? " (converted from colour)" : ""}${ds.classes !== null ? `, ${ds.classes} classes` : ""}`,
    shown ? ["n", shown[0], shown[1], 1] : undefined,
  );
  return ds;
}
