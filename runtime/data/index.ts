// Loading a dataset of the IR: pick the source, take the split's first `limit` images in the
// split's fixed shuffled order, resize to `size`. See docs/data.md for every source and rule.

import type { IRDataset } from "../../compiler/ir.js";
import { UserError } from "../../common/errors.js";
import { resize } from "../image.js";
import { cacheInfo as listCache, defaultCacheDir, type CacheLog } from "./cache.js";
import { cifarPool } from "./cifar.js";
import { folderPool } from "./folder.js";
import { idxPool } from "./idx.js";
import { packagedPool } from "./packaged.js";
import { takeSplit, type Pool, type Split } from "./pool.js";
import { generateSynthetic } from "./synthetic.js";
import type { ImageSet } from "./types.js";

export type { ImageSet } from "./types.js";
export { generateSynthetic, SYNTHETIC_CLASS_NAMES } from "./synthetic.js";
export { defaultCacheDir } from "./cache.js";

export interface LoadOptions {
  /** Where the binary cache of packaged datasets lives; default HGC_CACHE_DIR or ~/.cache/hgc. */
  cacheDir?: string;
  /** Progress and warnings (cache built, cache corrupt and rebuilt, limit larger than the split). */
  log?: CacheLog;
}

/** The cache directory and its data files, for `hgc doctor`. */
export function cacheInfo(dir?: string): { dir: string; entries: { name: string; bytes: number }[] } {
  return listCache(dir ?? defaultCacheDir());
}

function str(ds: IRDataset, key: string): string {
  const v = ds.args[key];
  if (typeof v !== "string" || v === "") {
    throw new UserError(`dataset ${ds.name}: ${ds.source}(…) needs a ${key}: argument (a path)`, `write e.g. ${ds.source}(${key}: "data/…")`, 2);
  }
  return v;
}

function num(ds: IRDataset, key: string, fallback: number): number {
  const v = ds.args[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number") throw new UserError(`dataset ${ds.name}: ${key}: must be a number, got ${JSON.stringify(v)}`, `write e.g. ${key}: ${fallback}`, 2);
  return v;
}

function sizeArg(ds: IRDataset): [number, number] {
  const v = ds.args.size;
  if (v === undefined || v === null) return [28, 28];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number")) return [v[0], v[1]];
  if (typeof v === "number") return [v, v];
  throw new UserError(`dataset ${ds.name}: size: must be HxW, got ${JSON.stringify(v)}`, "write e.g. size: 28x28", 2);
}

async function openPool(ds: IRDataset, cacheDir: string, log?: CacheLog): Promise<Pool> {
  switch (ds.source) {
    case "mnist":
    case "fashion_mnist":
      return (await packagedPool(ds.source, cacheDir, log)).pool;
    case "idx":
      return idxPool(str(ds, "images"), str(ds, "labels"), ds.classes);
    case "cifar": {
      const classes = num(ds, "classes", 10);
      if (classes !== 10 && classes !== 100) throw new UserError(`dataset ${ds.name}: cifar classes: must be 10 or 100, got ${classes}`, "write classes: 10 or classes: 100", 2);
      return cifarPool(str(ds, "path"), classes);
    }
    case "folder":
      return folderPool(str(ds, "path"));
    default:
      throw new UserError(`dataset ${ds.name}: unknown source ${JSON.stringify(ds.source)}`, "use mnist, fashion_mnist, synthetic, idx, cifar or folder", 2);
  }
}

/**
 * Load one dataset of the IR: grayscale images in [0, 1] at `ds.size` (or the source's size),
 * the split's first `ds.limit` images in its fixed shuffled order. Throws a UserError naming the
 * file for any missing, truncated or corrupt input.
 */
export async function loadDataset(ds: IRDataset, opts: LoadOptions = {}): Promise<ImageSet> {
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const split = ds.split as Split;
  if (ds.limit != null && !(Number.isInteger(ds.limit) && ds.limit >= 1)) {
    throw new UserError(`dataset ${ds.name}: limit must be a positive integer, got ${ds.limit}`, "write e.g. limit: 2000", 2);
  }
  let set: ImageSet;
  if (ds.source === "synthetic") {
    const all = generateSynthetic({
      name: ds.name,
      count: num(ds, "count", 2000),
      classes: num(ds, "classes", 10),
      size: sizeArg(ds),
      noise: num(ds, "noise", 0.05),
      seed: num(ds, "seed", 0),
      split,
    });
    set = ds.limit != null && ds.limit < all.n ? truncate(all, ds.limit) : all;
  } else {
    const pool = await openPool(ds, cacheDir, opts.log);
    const available = pool.splits[split]?.length ?? 0;
    if (ds.limit != null && ds.limit > available && available > 0) {
      opts.log?.("warn", `dataset ${ds.name}: limit ${ds.limit} is more than the ${available} images of the ${split} split; using all ${available}`);
    }
    set = takeSplit(pool, ds.name, split, ds.limit, `dataset ${ds.name} (${ds.source})`);
  }
  if (ds.size && (ds.size[0] !== set.height || ds.size[1] !== set.width)) {
    const [h, w] = ds.size;
    if (!(Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0)) {
      throw new UserError(`dataset ${ds.name}: size must be positive integers, got ${h}x${w}`, "write e.g. size: 14x14", 2);
    }
    set = { ...set, images: resize(set.images, set.n, set.height, set.width, h, w), height: h, width: w };
  }
  return set;
}

function truncate(set: ImageSet, n: number): ImageSet {
  const size = set.height * set.width;
  return { ...set, n, images: set.images.slice(0, n * size), labels: set.labels.slice(0, n) };
}
