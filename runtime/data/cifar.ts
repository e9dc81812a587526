// `cifar(path:, classes: 10|100)`: the CIFAR binary format.
//   CIFAR-10:  records of 1 label byte + 3,072 pixel bytes (1,024 red, 1,024 green, 1,024 blue,
//              each 32×32 row-major); files data_batch_1..5.bin (train) and test_batch.bin.
//   CIFAR-100: records of 1 coarse + 1 fine label byte + 3,072 pixel bytes (the fine label is
//              used); files train.bin and test.bin.
// Grayscale = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601 luma), scaled to [0, 1].

import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { dataError, genericSplits, officialSplits, readDataFile, type Pool, type Split } from "./pool.js";

export const CIFAR10_CLASS_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];
const SIDE = 32;
const PLANE = SIDE * SIDE;

const HINT10 = "download the CIFAR-10 binary version (cifar-10-binary.tar.gz) and point path: at its folder or a .bin file";
const HINT100 = "download the CIFAR-100 binary version (cifar-100-binary.tar.gz) and point path: at its folder or a .bin file";

/** The .bin files to read, and which of them form the official train/test parts. */
function locate(path: string, classes: 10 | 100): { train: string[]; test: string[]; other: string[] } {
  const hint = classes === 10 ? HINT10 : HINT100;
  let st;
  try {
    st = statSync(path);
  } catch {
    throw dataError(path, "no such file or folder", hint);
  }
  if (st.isFile()) return { train: [], test: [], other: [path] };
  let dir = path;
  const sub = classes === 10 ? "cifar-10-batches-bin" : "cifar-100-binary";
  const list = (d: string): string[] => readdirSync(d).sort();
  let names = list(dir);
  if (!names.some((f) => f.endsWith(".bin")) && names.includes(sub)) {
    dir = join(dir, sub);
    names = list(dir);
  }
  const bins = names.filter((f) => f.endsWith(".bin"));
  if (bins.length === 0) throw dataError(path, "holds no .bin files", hint);
  const officialTrain = classes === 10 ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`).filter((f) => bins.includes(f)) : bins.filter((f) => f === "train.bin");
  const officialTest = classes === 10 ? bins.filter((f) => f === "test_batch.bin") : bins.filter((f) => f === "test.bin");
  if (officialTrain.length > 0 && officialTest.length > 0) {
    return { train: officialTrain.map((f) => join(dir, f)), test: officialTest.map((f) => join(dir, f)), other: [] };
  }
  return { train: [], test: [], other: bins.map((f) => join(dir, f)) };
}

export async function cifarPool(path: string, classes: 10 | 100): Promise<Pool> {
  if (classes !== 10 && classes !== 100) throw dataError(path, `classes must be 10 or 100, got ${classes}`, "write cifar(path: …, classes: 10) or classes: 100");
  const hint = classes === 10 ? HINT10 : HINT100;
  const labelBytes = classes === 10 ? 1 : 2;
  const record = labelBytes + 3 * PLANE;
  const files = locate(path, classes);
  const order = [...files.train, ...files.test, ...files.other];
  const bufs: Buffer[] = [];
  const counts: number[] = [];
  for (const f of order) {
    const b = readDataFile(f, hint);
    if (b.length === 0) throw dataError(f, "is empty", hint);
    if (b.length % record !== 0) {
      throw dataError(f, `is ${b.length} bytes, not a whole number of ${record}-byte CIFAR-${classes} records (truncated, or the wrong classes:)`, hint);
    }
    const k = b.length / record;
    for (let i = 0; i < k; i++) {
      const label = b[i * record + labelBytes - 1];
      if (label >= classes) {
        throw dataError(f, `record ${i} has label ${label}, out of range for ${classes} classes (is this CIFAR-${classes === 10 ? 100 : 10}?)`, hint);
      }
    }
    bufs.push(b);
    counts.push(k);
  }
  const n = counts.reduce((a, b) => a + b, 0);
  // Pool index → (buffer, record) through cumulative starts.
  const fileOf = new Int32Array(n);
  const recOf = new Int32Array(n);
  const labels = new Int32Array(n);
  let k = 0;
  bufs.forEach((b, fi) => {
    for (let r = 0; r < counts[fi]; r++, k++) {
      fileOf[k] = fi;
      recOf[k] = r;
      labels[k] = b[r * record + labelBytes - 1];
    }
  });
  const nTrain = files.train.reduce((s, _f, i) => s + counts[i], 0);
  const nTest = files.test.reduce((s, _f, i) => s + counts[files.train.length + i], 0);
  const key = `cifar${classes}`;
  let splits: Record<Split, Int32Array>;
  if (files.other.length === 0) {
    const range = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, i) => a + i);
    splits = officialSplits(range(0, nTrain), range(nTrain, nTrain + nTest), Math.floor(nTrain / 10), key);
  } else {
    splits = genericSplits(n, key);
  }
  return {
    n,
    height: SIDE,
    width: SIDE,
    classes,
    classNames: classes === 10 ? CIFAR10_CLASS_NAMES : undefined,
    labels,
    read(i, out, offset) {
      const b = bufs[fileOf[i]];
      const base = recOf[i] * record + labelBytes;
      for (let j = 0; j < PLANE; j++) {
        out[offset + j] = (0.299 * b[base + j] + 0.587 * b[base + PLANE + j] + 0.114 * b[base + 2 * PLANE + j]) / 255;
      }
    },
    splits,
  };
}
