// End to end on the real model: a few hundred steps of hybrid training on synthetic shapes, then
// the evaluate block over the trained model and over the same model untrained (same init seed).
// Patch tokens (16 per image) keep a step at tens of milliseconds on the wasm backend.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IRExperiment, IRProtocol } from "../../../compiler/ir.js";
import { selectBackend, tf } from "../../../runtime/backend.js";
import { generateSynthetic } from "../../../runtime/data/synthetic.js";
import type { ImageSet } from "../../../runtime/data/types.js";
import { evaluate } from "../../../runtime/evaluate/index.js";
import { evalContext } from "../../../runtime/inference.js";
import { Model } from "../../../runtime/model.js";
import { Trainer } from "../../../runtime/train.js";

const SIDE = 12;
const STEPS = 400;
const P = 3;

function tinyIr(evaluate: IRProtocol[]): IRExperiment {
  const width = 32;
  const length = (SIDE / P) * (SIDE / P);
  const synthetic = (split: "train" | "test", count: number) => ({
    name: split,
    source: "synthetic" as const,
    split,
    limit: null,
    size: null,
    args: { count, classes: 4, size: [SIDE, SIDE], noise: 0.03, seed: 5 },
    shape: { height: SIDE, width: SIDE, channels: 1 },
    classes: 4,
  });
  return {
    irVersion: 1,
    name: "tiny",
    source: { file: "tiny.hgc", line: 1 },
    seed: 1,
    datasets: { train: synthetic("train", 600), test: synthetic("test", 300) },
    tokenizers: { pixels: { name: "pixels", kind: "patches", imageSize: [SIDE, SIDE], patch: P, levels: 4, length, vocab: 4, pixelsPerToken: P * P } },
    views: { aug: { name: "aug", kind: "augment", crop: [0.8, 1], flip: 0, noise: 0.05, jitter: 0, erase: 0, rotate: 30 } },
    encoders: {
      enc: { name: "enc", kind: "transformer", tokens: "pixels", layers: 1, width, heads: 2, mlp: 2, causal: true, pool: "mean", dropout: 0, length, parameters: 0 },
    },
    heads: {
      proj: { name: "proj", kind: "mlp", input: { encoder: "enc", member: "pooled" }, inWidth: width, hidden: [width], out: 16, perToken: false, shape: ["batch", 16], parameters: 0 },
      lm: { name: "lm", kind: "linear", input: { encoder: "enc", member: "tokens" }, inWidth: width, hidden: [], out: 4, perToken: true, shape: ["batch", length, 4], parameters: 0 },
    },
    losses: {
      con: { name: "con", kind: "ntxent", head: "proj", views: "aug", temperature: 0.2 },
      gen: { name: "gen", kind: "autoregressive", head: "lm", target: "pixels", input: "clean" },
    },
    params: {},
    objective: { terms: [{ loss: "gen", weight: { op: "num", value: 0.25 } }, { loss: "con", weight: { op: "num", value: 1 } }], text: "0.25 * gen + con" },
    optimizer: { kind: "adamw", lr: 1e-3, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, momentum: 0, warmup: 10, schedule: "cosine", minLrRatio: 0.1, clip: 1 },
    train: { data: "train", steps: STEPS, epochs: null, batch: 32, evalEvery: null, checkpointEvery: null, logEvery: 10 },
    evaluate,
    estimates: { parameters: 0, flopsPerStep: 0, imagesPerStep: 0 },
    hash: "1".repeat(64),
  };
}

const features = { encoder: "enc", member: "pooled" } as const;
const block: IRProtocol[] = [
  { applicable: true, kind: "linear_probe", features, train: "train", test: "test", epochs: 30, lr: 1e-2 },
  { applicable: true, kind: "knn", features, k: 20, train: "train", test: "test", temperature: 0.07 },
  { applicable: true, kind: "bits_per_dim", data: "test", head: "lm", tokenizer: "pixels" },
];

describe("evaluation of a trained model", () => {
  const ir = tinyIr(block);
  const sets: Record<string, ImageSet> = {};
  let runDir: string;
  beforeAll(async () => {
    await selectBackend("auto");
    for (const [name, ds] of Object.entries(ir.datasets)) {
      const a = ds.args as { count: number; classes: number; noise: number; seed: number };
      sets[name] = { ...generateSynthetic({ count: a.count, classes: a.classes, size: [SIDE, SIDE], noise: a.noise, seed: a.seed, split: ds.split }), name };
    }
    runDir = mkdtempSync(join(tmpdir(), "hgc-trained-"));
  });
  afterAll(() => rmSync(runDir, { recursive: true, force: true }));

  it("probes and classifies the trained encoder's features better than the same encoder untrained, and its likelihood is higher", async () => {
    const load = async (name: string) => sets[name]!;
    const untrained = new Model(ir);
    const before = await evaluate(block, evalContext(untrained, runDir, 0, ir.seed, load));

    const model = new Model(ir);
    const trainer = new Trainer(ir, model, sets.train!, ir.seed, STEPS);
    for (let i = 0; i < STEPS; i++) await trainer.trainStep();
    const after = await evaluate(block, evalContext(model, runDir, STEPS, ir.seed, load));
    trainer.dispose();
    tf.disposeVariables();

    // Chance is 0.25; a random transformer's features already probe well above it.
    expect(after.metrics["linear_probe.accuracy"]!).toBeGreaterThan(before.metrics["linear_probe.accuracy"]! + 0.03);
    expect(after.metrics["knn.accuracy"]!).toBeGreaterThan(before.metrics["knn.accuracy"]! + 0.05);
    expect(after.metrics["bits_per_dim"]!).toBeLessThan(before.metrics["bits_per_dim"]!);
  });
});
