import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { PNG } from "pngjs";
import { afterAll, describe, expect, it } from "vitest";
import { UserError } from "../../../common/errors.js";
import { loadDataset } from "../../../runtime/data/index.js";
import { dataset, idxBytes, tempDir } from "./helpers.js";

const tmp = tempDir("files");
afterAll(tmp.cleanup);
const at = (...p: string[]) => join(tmp.dir, ...p);

/** Expect one UserError whose message names `file` and matches `what`. */
async function rejects(p: Promise<unknown>, file: string, what: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  const u = err as UserError;
  expect(u.message).toContain(file);
  expect(u.message).toMatch(what);
  expect(u.hint).toBeTruthy();
}

// 40 images of 3x4: pixel 0 holds the image's index, the others a pattern; label = index % 4.
const N = 40;
const pixels = new Uint8Array(N * 12);
for (let i = 0; i < N; i++) for (let j = 0; j < 12; j++) pixels[i * 12 + j] = j === 0 ? i : (i * 7 + j * 13) % 256;
const labels = Uint8Array.from({ length: N }, (_, i) => i % 4);

describe("idx source", () => {
  writeFileSync(at("img.idx"), idxBytes([N, 3, 4], pixels));
  writeFileSync(at("lab.idx"), idxBytes([N], labels));
  writeFileSync(at("img.idx.gz"), gzipSync(idxBytes([N, 3, 4], pixels)));
  writeFileSync(at("lab.idx.gz"), gzipSync(idxBytes([N], labels)));
  const idx = (images: string, lab: string, over = {}) => dataset("idx", { images: at(images), labels: at(lab) }, over);

  it("reads every image and label, plain or gzipped", async () => {
    for (const [i, l] of [["img.idx", "lab.idx"], ["img.idx.gz", "lab.idx.gz"]]) {
      const s = await loadDataset(idx(i, l));
      expect([s.n, s.height, s.width, s.classes]).toEqual([N, 3, 4, 4]);
      const seen = new Set<number>();
      for (let k = 0; k < s.n; k++) {
        const index = Math.round(s.images[k * 12] * 255);
        seen.add(index);
        expect(s.labels[k]).toBe(index % 4);
        expect(Math.round(s.images[k * 12 + 5] * 255)).toBe((index * 7 + 5 * 13) % 256);
      }
      expect(seen.size).toBe(N);
    }
  });

  it("splits a file into disjoint train, val and test parts (70/10/20)", async () => {
    const ids = async (split: "train" | "val" | "test") => {
      const s = await loadDataset(idx("img.idx", "lab.idx", { split }));
      return Array.from({ length: s.n }, (_, k) => Math.round(s.images[k * 12] * 255));
    };
    const [tr, va, te] = [await ids("train"), await ids("val"), await ids("test")];
    expect([tr.length, va.length, te.length]).toEqual([28, 4, 8]);
    expect(new Set([...tr, ...va, ...te]).size).toBe(N);
    expect(await ids("test")).toEqual(te);
  });

  it("names a missing file", async () => {
    await rejects(loadDataset(idx("nope.idx", "lab.idx")), at("nope.idx"), /no such file/);
  });

  it("names a truncated images file", async () => {
    writeFileSync(at("short.idx"), idxBytes([N, 3, 4], pixels).subarray(0, 100));
    await rejects(loadDataset(idx("short.idx", "lab.idx")), at("short.idx"), /truncated/);
  });

  it("names a file with a bad magic number", async () => {
    const b = idxBytes([N], labels);
    b[0] = 0x12;
    writeFileSync(at("magic.idx"), b);
    await rejects(loadDataset(idx("img.idx", "magic.idx")), at("magic.idx"), /bad magic/);
  });

  it("names a corrupt gzip file", async () => {
    writeFileSync(at("cut.idx.gz"), gzipSync(idxBytes([N, 3, 4], pixels)).subarray(0, 40));
    await rejects(loadDataset(idx("cut.idx.gz", "lab.idx")), at("cut.idx.gz"), /gzip/);
  });

  it("names a labels file whose count differs from the images", async () => {
    writeFileSync(at("lab5.idx"), idxBytes([5], labels.subarray(0, 5)));
    await rejects(loadDataset(idx("img.idx", "lab5.idx")), at("lab5.idx"), /5 labels/);
  });

  it("names a label out of range for the declared classes", async () => {
    await rejects(loadDataset(idx("img.idx", "lab.idx", { classes: 3 })), at("lab.idx"), /label 3 .*out of range/);
  });
});

describe("cifar source", () => {
  // record id: label id % classes, red plane id % 256, green plane id / 256, blue plane 200
  const records = (count: number, classes: 10 | 100, offset = 0): Buffer => {
    const lb = classes === 10 ? 1 : 2;
    const rec = lb + 3072;
    const b = Buffer.alloc(count * rec);
    for (let k = 0; k < count; k++) {
      const id = k + offset;
      if (classes === 100) b[k * rec] = id % 20;
      b[k * rec + lb - 1] = id % classes;
      b.fill(id % 256, k * rec + lb, k * rec + lb + 1024);
      b.fill(id >> 8, k * rec + lb + 1024, k * rec + lb + 2048);
      b.fill(200, k * rec + lb + 2048, k * rec + rec);
    }
    return b;
  };
  const gray = (id: number) => (0.299 * (id % 256) + 0.587 * (id >> 8) + 0.114 * 200) / 255;
  // 299a = 587b has no solution with |a| < 256, |b| < 20: the gray value identifies the record.
  const idOf = new Map(Array.from({ length: 5100 }, (_, id) => [gray(id).toFixed(5), id]));
  const ids = (s: { n: number; images: Float32Array }) => Array.from({ length: s.n }, (_, k) => idOf.get(s.images[k * 1024].toFixed(5)) ?? -1);

  it("reads a CIFAR-10 .bin file and converts RGB to BT.601 grayscale", async () => {
    writeFileSync(at("c10.bin"), records(20, 10));
    const s = await loadDataset(dataset("cifar", { path: at("c10.bin"), classes: 10 }));
    expect([s.n, s.height, s.width, s.classes]).toEqual([20, 32, 32, 10]);
    expect(s.classNames?.[0]).toBe("airplane");
    const got = ids(s);
    expect(new Set(got).size).toBe(20);
    got.forEach((id, k) => {
      expect(s.labels[k]).toBe(id % 10);
      expect(s.images[k * 1024 + 500]).toBeCloseTo(gray(id), 6);
    });
  });

  it("uses the official train and test files of a CIFAR-10 folder", async () => {
    mkdirSync(at("c10dir"));
    for (let i = 1; i <= 5; i++) writeFileSync(at("c10dir", `data_batch_${i}.bin`), records(1000, 10, (i - 1) * 1000));
    writeFileSync(at("c10dir", "test_batch.bin"), records(10, 10, 5000));
    const load = (split: "train" | "val" | "test") => loadDataset(dataset("cifar", { path: at("c10dir"), classes: 10 }, { split }));
    const [train, val, test] = [ids(await load("train")), ids(await load("val")), ids(await load("test"))];
    expect([train.length, val.length, test.length]).toEqual([4500, 500, 10]);
    expect(new Set(test)).toEqual(new Set(Array.from({ length: 10 }, (_, k) => 5000 + k)));
    expect(new Set([...train, ...val]).size).toBe(5000);
    expect([...train, ...val].every((id) => id >= 0 && id < 5000)).toBe(true);
  }, 30000);

  it("reads CIFAR-100 records with a coarse and a fine label, using the fine one", async () => {
    writeFileSync(at("c100.bin"), records(30, 100));
    const s = await loadDataset(dataset("cifar", { path: at("c100.bin"), classes: 100 }, { split: "all" }));
    expect(s.classes).toBe(100);
    expect(new Set(s.labels).size).toBe(30);
  });

  it("names a truncated CIFAR file", async () => {
    writeFileSync(at("cut.bin"), records(3, 10).subarray(0, 5000));
    await rejects(loadDataset(dataset("cifar", { path: at("cut.bin"), classes: 10 })), at("cut.bin"), /not a whole number of 3073-byte/);
  });

  it("names a CIFAR file whose labels are out of range", async () => {
    const b = records(3, 10);
    b[3073] = 42;
    writeFileSync(at("badlabel.bin"), b);
    await rejects(loadDataset(dataset("cifar", { path: at("badlabel.bin"), classes: 10 })), at("badlabel.bin"), /label 42, out of range/);
  });

  it("names a missing CIFAR path and a folder without .bin files", async () => {
    await rejects(loadDataset(dataset("cifar", { path: at("absent"), classes: 10 })), at("absent"), /no such file/);
    mkdirSync(at("emptycifar"));
    await rejects(loadDataset(dataset("cifar", { path: at("emptycifar"), classes: 10 })), at("emptycifar"), /no \.bin files/);
  });
});

describe("folder source", () => {
  const png = (w: number, h: number, f: (x: number, y: number) => [number, number, number, number]): Buffer => {
    const p = new PNG({ width: w, height: h });
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) p.data.set(f(x, y), 4 * (y * w + x));
    return PNG.sync.write(p);
  };
  mkdirSync(at("pngs", "b_cats"), { recursive: true });
  mkdirSync(at("pngs", "a_dogs"), { recursive: true });
  for (let i = 0; i < 6; i++) {
    writeFileSync(at("pngs", "a_dogs", `${i}.png`), png(5, 4, () => [10 * i, 10 * i, 10 * i, 255]));
    writeFileSync(at("pngs", "b_cats", `${i}.png`), png(5, 4, () => [255, 0, 0, 255]));
  }

  it("labels images by sorted sub-folder and converts them to grayscale", async () => {
    const s = await loadDataset(dataset("folder", { path: at("pngs") }));
    expect([s.n, s.height, s.width, s.classes]).toEqual([12, 4, 5, 2]);
    expect(s.classNames).toEqual(["a_dogs", "b_cats"]);
    for (let k = 0; k < s.n; k++) {
      const v = s.images[k * 20];
      if (s.labels[k] === 1) expect(v).toBeCloseTo(0.299, 5);
      else expect(Math.round(v * 255) % 10).toBe(0);
    }
  });

  it("composites transparent pixels over black and resizes odd-sized images to the first one's size", async () => {
    mkdirSync(at("mixed", "c"), { recursive: true });
    writeFileSync(at("mixed", "c", "0.png"), png(4, 4, () => [255, 255, 255, 128]));
    writeFileSync(at("mixed", "c", "1.png"), png(8, 8, () => [255, 255, 255, 255]));
    const s = await loadDataset(dataset("folder", { path: at("mixed") }));
    expect([s.height, s.width]).toEqual([4, 4]);
    const values = new Set(Array.from(s.images).map((v) => v.toFixed(3)));
    expect(values).toEqual(new Set([(128 / 255).toFixed(3), "1.000"]));
  });

  it("names an undecodable PNG", async () => {
    mkdirSync(at("broken", "x"), { recursive: true });
    writeFileSync(at("broken", "x", "bad.png"), Buffer.from("not a png at all"));
    await rejects(loadDataset(dataset("folder", { path: at("broken") })), at("broken", "x", "bad.png"), /not a decodable PNG/);
  });

  it("says a truncated PNG is truncated, in hgc's words rather than pngjs's", async () => {
    mkdirSync(at("cut", "x"), { recursive: true });
    const whole = png(4, 4, () => [10, 20, 30, 255]);
    writeFileSync(at("cut", "x", "cut.png"), whole.subarray(0, whole.length - 20));
    const err = await loadDataset(dataset("folder", { path: at("cut") })).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/cut\.png: is not a decodable PNG: it is truncated/);
    expect(err?.message).not.toMatch(/waitng|beggining|read requests/);
  });

  it("names an empty class folder and a missing folder", async () => {
    mkdirSync(at("holes", "full"), { recursive: true });
    mkdirSync(at("holes", "empty"), { recursive: true });
    writeFileSync(at("holes", "full", "0.png"), png(2, 2, () => [0, 0, 0, 255]));
    await rejects(loadDataset(dataset("folder", { path: at("holes") })), at("holes", "empty"), /no \.png files/);
    await rejects(loadDataset(dataset("folder", { path: at("nothing-here") })), at("nothing-here"), /no such folder/);
  });

  it("reports an empty split as a user error", async () => {
    await rejects(loadDataset(dataset("folder", { path: at("mixed") }, { split: "test" })), "dataset d (folder)", /test split is empty/);
  });
});
