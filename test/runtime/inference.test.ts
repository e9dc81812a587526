import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { IRProtocol } from "../../compiler/ir.js";
import { selectBackend, tf } from "../../runtime/backend.js";
import { loadDataset } from "../../runtime/data/index.js";
import { evaluateCheckpoint } from "../../runtime/evaluate-run.js";
import { bitsPerDim, blockFeatures, evalContext, datasetLoader, features, sample } from "../../runtime/inference.js";
import { Model } from "../../runtime/model.js";
import { runExperiment } from "../../runtime/run.js";
import { tinyIr } from "./fixtures.js";

beforeAll(async () => {
  await selectBackend("wasm");
});

describe("the model at inference", () => {
  it("gives pooled features batch by batch exactly as one batch would", async () => {
    const ir = tinyIr();
    const data = await loadDataset(ir.datasets.test!);
    const model = new Model(ir);
    const all = await features(model, "enc", data.images, data.n); // one batch (32 < the batch limit)
    const one = await features(model, "enc", data.images.subarray(5 * 64, 6 * 64), 1);
    expect(all.length).toBe(data.n * 16);
    Array.from(one).forEach((v, i) => expect(v).toBeCloseTo(all[5 * 16 + i]!, 5));
    model.dispose();
  });

  it("gives each block's pooled output without changing the encoder's own outputs, and leaks no tensors", async () => {
    const ir = tinyIr();
    const data = await loadDataset(ir.datasets.test!);
    const model = new Model(ir);
    const pooled = await features(model, "enc", data.images, data.n); // (builds the model's kept constants)
    const before = tf.memory().numTensors;
    const blocks = await blockFeatures(model, "enc", data.images, data.n);
    expect(tf.memory().numTensors).toBe(before);
    const L = ir.encoders.enc!.layers;
    expect(blocks).toHaveLength(L);
    for (const b of blocks) expect(b.length).toBe(pooled.length);
    // Asking for the blocks leaves `.pooled` as it was; the last block is `.pooled` before ln_f (so it differs).
    expect(Array.from(await features(model, "enc", data.images, data.n))).toEqual(Array.from(pooled));
    expect(Array.from(blocks[L - 1]!)).not.toEqual(Array.from(pooled));
    // The mean pool of the last block, layer-normed per image, is close to `.pooled` only up to
    // ln_f's per-token normalisation; what we can check exactly is that blocks differ from one another.
    if (L > 1) expect(Array.from(blocks[0]!)).not.toEqual(Array.from(blocks[1]!));
    model.dispose();
  });

  it("scores each image's bits/dim and samples reproducible images in [0, 1] without leaking tensors", async () => {
    const ir = tinyIr({ kind: "patches" });
    const data = await loadDataset(ir.datasets.test!);
    const model = new Model(ir);
    const before = tf.memory().numTensors;
    const bpd = await bitsPerDim(model, "lm", data.images, data.n);
    expect(bpd.length).toBe(data.n);
    for (const v of bpd) expect(v).toBeGreaterThan(1.5), expect(v).toBeLessThan(2.5); // untrained: near log2(4) = 2
    const a = await sample(model, "lm", 3, 1, 7);
    const b = await sample(model, "lm", 3, 1, 7);
    const c = await sample(model, "lm", 3, 1, 8);
    expect(a.length).toBe(3 * 64);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(a.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it("serves the evaluation protocols through the EvalContext and `hgc eval` re-evaluates a checkpoint", async () => {
    const ir = tinyIr({ steps: 3 });
    const features = { encoder: "enc", member: "pooled" } as const;
    ir.evaluate = [
      { kind: "knn", features, k: 5, train: "train", test: "test", temperature: 0.1, applicable: true },
      { kind: "bits_per_dim", data: "test", head: "lm", tokenizer: "pixels", applicable: true },
    ] as IRProtocol[];
    const out = mkdtempSync(join(tmpdir(), "hgc-eval-"));
    const run = await runExperiment({ ir, out, backend: "wasm" });
    expect(run.status).toBe("completed");
    expect(run.result.metrics["knn.accuracy"]).toBeGreaterThan(0);
    const bpd = run.result.metrics.bits_per_dim!;
    expect(bpd).toBeGreaterThan(0.5);
    expect(bpd).toBeLessThan(2.5);
    const again = await evaluateCheckpoint(out, { backend: "wasm" });
    expect(again.step).toBe(3);
    expect(again.metrics.bits_per_dim).toBeCloseTo(bpd, 5);
    expect(JSON.parse(readFileSync(again.path, "utf8")).metrics.bits_per_dim).toBeCloseTo(bpd, 5);
    // the context's own figures agree with the protocol's
    const model = new Model(ir);
    const ctx = evalContext(model, out, 0, 1, datasetLoader(ir));
    const test = await ctx.loadData("test");
    expect((await ctx.features("enc", test.images, test.n)).length).toBe(test.n * 16);
    model.dispose();
  });
});
