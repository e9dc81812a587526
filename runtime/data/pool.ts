// A pool is every image a source holds, before any split: labels up front, pixels read on
// demand (so a `limit` of 2,000 out of 70,000 converts only 2,000 images to floats).
// The split rule lives here, once, for every file-backed source; docs/data.md states it.

import { UserError } from "../../common/errors.js";
import { NotReadableError, readRegularFile } from "../faults.js";
import { Rng } from "../rng.js";
import type { ImageSet } from "./types.js";

export type Split = "train" | "val" | "test" | "all";

export interface Pool {
  n: number;
  height: number;
  width: number;
  classes: number;
  classNames?: string[];
  labels: Int32Array;
  /** Write image i as height·width floats in [0, 1] at out[offset..]. */
  read(i: number, out: Float32Array, offset: number): void;
  /** Pool indices of each split, in that split's (shuffled, fixed) order. */
  splits: Record<Split, Int32Array>;
}

/**
 * The split rule: shuffle 0..n-1 with the fixed stream `hgc-split:<key>`; the last `test`
 * indices of that order are the test split, the `val` before them the validation split, the
 * rest the train split. `all` is the whole shuffled order. The three splits are disjoint.
 */
export function splitByCounts(n: number, test: number, val: number, key: string): Record<Split, Int32Array> {
  const order = new Rng(`hgc-split:${key}`).permutation(n);
  const trainEnd = Math.max(0, n - test - val);
  const valEnd = Math.max(trainEnd, n - test);
  return {
    train: order.slice(0, trainEnd),
    val: order.slice(trainEnd, valEnd),
    test: order.slice(valEnd),
    all: order,
  };
}

/** The generic rule for sources without a published split: 20% test, 10% val, 70% train. */
export function genericSplits(n: number, key: string): Record<Split, Int32Array> {
  return splitByCounts(n, Math.floor(n / 5), Math.floor(n / 10), key);
}

/**
 * For sources with a published train/test split (CIFAR): train and val come from the official
 * training part (val = the last `val` of its shuffled order), test is the official test part
 * shuffled, `all` is everything shuffled. `trainIdx`/`testIdx` are pool indices.
 */
export function officialSplits(trainIdx: Int32Array, testIdx: Int32Array, val: number, key: string): Record<Split, Int32Array> {
  const pick = (idx: Int32Array, order: Int32Array): Int32Array => order.map((j) => idx[j]);
  const tr = pick(trainIdx, new Rng(`hgc-split:${key}:train`).permutation(trainIdx.length));
  const te = pick(testIdx, new Rng(`hgc-split:${key}:test`).permutation(testIdx.length));
  const all = new Int32Array(trainIdx.length + testIdx.length);
  all.set(trainIdx);
  all.set(testIdx, trainIdx.length);
  const allOrder = pick(all, new Rng(`hgc-split:${key}:all`).permutation(all.length));
  const cut = Math.max(0, tr.length - val);
  return { train: tr.slice(0, cut), val: tr.slice(cut), test: te, all: allOrder };
}

/** Materialize one split (its first `limit` images) of a pool as an ImageSet. */
export function takeSplit(pool: Pool, name: string, split: Split, limit: number | null, what: string): ImageSet {
  const idx = pool.splits[split];
  if (!idx) throw new UserError(`${what}: unknown split "${split}"`, 'use one of "train", "val", "test", "all"');
  const n = limit == null ? idx.length : Math.min(limit, idx.length);
  if (n === 0) {
    throw new UserError(
      `${what}: the ${split} split is empty (the source holds ${pool.n} images)`,
      pool.n === 0 ? "check that the path points at the data" : 'use split: "all", or add more images',
      2,
    );
  }
  const size = pool.height * pool.width;
  const images = new Float32Array(n * size);
  const labels = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    pool.read(idx[k], images, k * size);
    labels[k] = pool.labels[idx[k]];
  }
  return { name, images, labels, n, height: pool.height, width: pool.width, classes: pool.classes, classNames: pool.classNames };
}

/** A pool over n images stored as bytes (0..255), image after image. */
export function bytePool(
  pixels: Uint8Array,
  labels: Int32Array,
  height: number,
  width: number,
  classes: number,
  splits: (n: number) => Record<Split, Int32Array>,
  classNames?: string[],
): Pool {
  const size = height * width;
  const n = labels.length;
  return {
    n,
    height,
    width,
    classes,
    classNames,
    labels,
    read(i, out, offset) {
      const base = i * size;
      for (let j = 0; j < size; j++) out[offset + j] = pixels[base + j] / 255;
    },
    splits: splits(n),
  };
}

/** One UserError shape for every bad data file: `<file>: <what was wrong>`, exit code 2 (I/O). */
export function dataError(file: string, problem: string, hint: string): UserError {
  return new UserError(`${file}: ${problem}`, hint, 2);
}

/** The largest data file hgc reads (a Buffer's practical limit; MNIST's biggest file is 47 MB). */
const MAX_DATA_BYTES = 2 ** 31 - 1;

/** A data file's bytes: only a regular file (a FIFO or a device is refused, not read forever). */
export function readDataFile(file: string, hint: string): Buffer {
  try {
    return readRegularFile(file, MAX_DATA_BYTES);
  } catch (err) {
    if (err instanceof NotReadableError) throw dataError(file, err.message, hint);
    const code = (err as NodeJS.ErrnoException).code;
    throw dataError(file, code === "ENOENT" ? "no such file" : `cannot be read (${code ?? (err as Error).message})`, hint);
  }
}
