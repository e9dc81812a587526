import { readFileSync, statSync, writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { cacheInfo, loadDataset } from "../../../runtime/data/index.js";
import { PACKAGED, buildPackaged, packagedPool } from "../../../runtime/data/packaged.js";
import { UserError } from "../../../common/errors.js";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { cachePath } from "../../../runtime/data/cache.js";
import { dataset, tempDir } from "./helpers.js";

const tmp = tempDir("cache");
afterAll(tmp.cleanup);
const cacheDir = tmp.dir;
const mnist = (over: Parameters<typeof dataset>[2] = {}) => dataset("mnist", {}, over);
const bytesOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe("packaged datasets and their cache", () => {
  it("builds the cache on first use and reads it afterwards", async () => {
    const logs: string[] = [];
    const first = await packagedPool("mnist", cacheDir, (_l, m) => logs.push(m));
    expect(first.built).toBe(true);
    expect(logs.some((m) => m.includes("built data cache"))).toBe(true);
    const file = cachePath(cacheDir, "mnist.v1");
    const mtime = statSync(file).mtimeMs;
    const second = await packagedPool("mnist", cacheDir);
    expect(second.built).toBe(false);
    expect(statSync(file).mtimeMs).toBe(mtime);
    expect(second.pool.n).toBe(10000);
    expect(cacheInfo(cacheDir).entries).toEqual([{ name: "mnist.v1.hgcdata", bytes: statSync(file).size }]);
  });

  it("reports an empty cache for a folder that does not exist yet", () => {
    expect(cacheInfo(join(cacheDir, "not-yet"))).toEqual({ dir: join(cacheDir, "not-yet"), entries: [] });
  });

  it("splits MNIST into disjoint train, val and test parts of fixed sizes", async () => {
    const { pool } = await packagedPool("mnist", cacheDir);
    const { train, val, test, all } = pool.splits;
    expect([train.length, val.length, test.length, all.length]).toEqual([7000, 1000, 2000, 10000]);
    const seen = new Set<number>();
    for (const part of [train, val, test]) for (const i of part) seen.add(i);
    expect(seen.size).toBe(10000);
  });

  it("gives the same images in the same order on every load", async () => {
    const a = await loadDataset(mnist({ split: "test", limit: 300 }), { cacheDir });
    const b = await loadDataset(mnist({ split: "test", limit: 300 }), { cacheDir });
    expect(bytesOf(a.images).equals(bytesOf(b.images))).toBe(true);
    expect([...a.labels]).toEqual([...b.labels]);
    expect([a.n, a.height, a.width, a.classes]).toEqual([300, 28, 28, 10]);
    expect(a.classNames?.[3]).toBe("3");
    // the limit is a prefix of the split's order
    const full = await loadDataset(mnist({ split: "test" }), { cacheDir });
    expect(bytesOf(full.images.subarray(0, 300 * 784)).equals(bytesOf(a.images))).toBe(true);
  });

  it("keeps every class, near-balanced, under a limit", async () => {
    const s = await loadDataset(mnist({ split: "train", limit: 500 }), { cacheDir });
    const counts = Array.from({ length: 10 }, (_, c) => s.labels.filter((l) => l === c).length);
    for (const c of counts) {
      expect(c).toBeGreaterThan(25);
      expect(c).toBeLessThan(80);
    }
  });

  it("resizes to the requested size by area averaging", async () => {
    const big = await loadDataset(mnist({ split: "val", limit: 4 }), { cacheDir });
    const small = await loadDataset(mnist({ split: "val", limit: 4, size: [14, 14] }), { cacheDir });
    expect([small.height, small.width, small.images.length]).toEqual([14, 14, 4 * 196]);
    const b = big.images;
    expect(small.images[0]).toBeCloseTo((b[0] + b[1] + b[28] + b[29]) / 4, 6);
  });

  it("detects a corrupt cache by its checksum and rebuilds it", async () => {
    const file = cachePath(cacheDir, "mnist.v1");
    const good = readFileSync(file);
    const bad = Buffer.from(good);
    bad[good.length - 1000] ^= 0xff;
    writeFileSync(file, bad);
    const logs: string[] = [];
    const again = await packagedPool("mnist", cacheDir, (_l, m) => logs.push(m));
    expect(again.built).toBe(true);
    expect(logs.join("\n")).toMatch(/checksum mismatch/);
    expect(readFileSync(file).equals(good)).toBe(true);
  });

  it("rebuilds a truncated cache file", async () => {
    const file = cachePath(cacheDir, "mnist.v1");
    const good = readFileSync(file);
    writeFileSync(file, good.subarray(0, 1000));
    const logs: string[] = [];
    const s = await loadDataset(mnist({ split: "test", limit: 10 }), { cacheDir, log: (_l, m) => logs.push(m) });
    expect(s.n).toBe(10);
    expect(logs.join("\n")).toMatch(/unusable/);
    expect(readFileSync(file).equals(good)).toBe(true);
  });

  it("splits Fashion-MNIST into 55,000 train, 5,000 val and 10,000 test images", async () => {
    const { pool } = await packagedPool("fashion_mnist", cacheDir);
    expect([pool.splits.train.length, pool.splits.val.length, pool.splits.test.length]).toEqual([55000, 5000, 10000]);
    expect(pool.classNames?.[9]).toBe("Ankle boot");
    const counts = Array.from({ length: 10 }, (_, c) => pool.labels.filter((l) => l === c).length);
    expect(counts).toEqual(new Array(10).fill(7000));
    const s = await loadDataset(dataset("fashion_mnist", {}, { split: "train", limit: 100 }), { cacheDir });
    expect(s.images.some((v) => v > 0.9)).toBe(true);
    expect(s.images.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it("names a truncated or malformed package file instead of crashing", async () => {
    const root = join(cacheDir, "fake-mnist");
    mkdirSync(join(root, "src", "digits"), { recursive: true });
    const digit = JSON.stringify({ data: new Array(784).fill(0.5) });
    for (let c = 0; c < 10; c++) writeFileSync(join(root, "src", "digits", `${c}.json`), digit);
    const built = await buildPackaged(PACKAGED.mnist, root);
    expect([built.n, built.pixels[0], built.labels[9]]).toEqual([10, 128, 9]);
    writeFileSync(join(root, "src", "digits", "4.json"), digit.slice(0, 500));
    await expect(buildPackaged(PACKAGED.mnist, root)).rejects.toThrow(UserError);
    await expect(buildPackaged(PACKAGED.mnist, root)).rejects.toThrow(/4\.json: is not valid JSON/);
    writeFileSync(join(root, "src", "digits", "4.json"), JSON.stringify({ data: new Array(700).fill(0) }));
    await expect(buildPackaged(PACKAGED.mnist, root)).rejects.toThrow(/4\.json: holds 700 values/);
  });
});
