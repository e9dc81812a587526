// A tiny but complete experiment for tests on the real model: synthetic shapes at 12×12, cut
// into 3×3 patches (16 tokens a image, so a training step takes tens of milliseconds on wasm),
// a one-layer causal transformer, a contrastive projection and a per-token generative head.
import type { IRDataset, IRExperiment, IRProtocol } from "../../../compiler/ir.js";
import { generateSynthetic } from "../../../runtime/data/synthetic.js";
import type { ImageSet } from "../../../runtime/data/types.js";

export const SIDE = 12;
export const P = 3;

export const features = { encoder: "enc", member: "pooled" } as const;

export function synthetic(name: string, split: "train" | "test", count: number, opts: { noise?: number; seed?: number } = {}): IRDataset {
  return {
    name,
    source: "synthetic",
    split,
    limit: null,
    size: null,
    args: { count, classes: 4, size: [SIDE, SIDE], noise: opts.noise ?? 0.03, seed: opts.seed ?? 5 },
    shape: { height: SIDE, width: SIDE, channels: 1 },
    classes: 4,
  };
}

export function tinyIr(evaluate: IRProtocol[], o: { steps: number; lr?: number; genWeight?: number; datasets?: Record<string, IRDataset> }): IRExperiment {
  const width = 32;
  const length = (SIDE / P) * (SIDE / P);
  return {
    irVersion: 1,
    name: "tiny",
    source: { file: "tiny.hgc", line: 1 },
    seed: 1,
    datasets: o.datasets ?? { train: synthetic("train", "train", 600), test: synthetic("test", "test", 300) },
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
    objective: {
      terms: [
        { loss: "gen", weight: { op: "num", value: o.genWeight ?? 1 } },
        { loss: "con", weight: { op: "num", value: 1 } },
      ],
      text: `${o.genWeight ?? 1} * gen + con`,
    },
    optimizer: { kind: "adamw", lr: o.lr ?? 1e-3, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, momentum: 0, warmup: 10, schedule: "cosine", minLrRatio: 0.1, clip: 1 },
    train: { data: "train", steps: o.steps, epochs: null, batch: 32, evalEvery: null, checkpointEvery: null, logEvery: 1 },
    evaluate,
    estimates: { parameters: 0, flopsPerStep: 0, imagesPerStep: 0 },
    hash: "1".repeat(64),
  };
}

/** Every dataset of the experiment, generated (they are all synthetic). */
export function imageSets(ir: IRExperiment): Record<string, ImageSet> {
  const sets: Record<string, ImageSet> = {};
  for (const [name, ds] of Object.entries(ir.datasets)) {
    const a = ds.args as { count: number; classes: number; noise: number; seed: number };
    sets[name] = { ...generateSynthetic({ count: a.count, classes: a.classes, size: [SIDE, SIDE], noise: a.noise, seed: a.seed, split: ds.split }), name };
  }
  return sets;
}
