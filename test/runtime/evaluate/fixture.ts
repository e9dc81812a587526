// A small, real EvalContext for the protocol tests: synthetic shapes as data, a fixed random
// projection of the pixels as the "encoder", and an independent per-pixel categorical model of
// quantized pixels (fitted on the training set) as the "generative head". Every number the
// protocols see is computed from the images; nothing is hard-coded.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IRBaseline, IRExperiment, IRProtocol } from "../../../compiler/ir.js";
import type { ImageSet } from "../../../runtime/data/types.js";
import { generateSynthetic } from "../../../runtime/data/synthetic.js";
import type { EvalContext } from "../../../runtime/evaluate/context.js";
import { BaselineCache } from "../../../runtime/evaluate/baselines.js";
import { Rng } from "../../../runtime/rng.js";

export const SIDE = 12;
export const LEVELS = 4;
export const WIDTH = 64;

export const features = { encoder: "enc", member: "pooled" } as const;

/** Out-of-distribution images: uniform noise, nothing like the shapes. */
function noiseSet(n: number, seed: number): ImageSet {
  const rng = new Rng(seed);
  return {
    name: "ood",
    images: Float32Array.from({ length: n * SIDE * SIDE }, () => rng.next()),
    labels: new Int32Array(n),
    n,
    height: SIDE,
    width: SIDE,
    classes: 1,
  };
}

export function datasets(): Record<string, ImageSet> {
  const common = { classes: 4, size: [SIDE, SIDE] as [number, number], noise: 0.03, seed: 5 };
  return {
    train: { ...generateSynthetic({ ...common, count: 240, split: "train" }), name: "train" },
    test: { ...generateSynthetic({ ...common, count: 100, split: "test" }), name: "test" },
    ood: noiseSet(100, 9),
  };
}

export function testIr(evaluate: IRProtocol[], opts: { generative?: boolean } = {}): IRExperiment {
  const generative = opts.generative ?? true;
  return {
    irVersion: 1,
    name: "fixture",
    source: { file: "fixture.hgc", line: 1 },
    seed: 3,
    datasets: {},
    tokenizers: {
      pixels: { name: "pixels", kind: "quantize", imageSize: [SIDE, SIDE], patch: 1, levels: LEVELS, length: SIDE * SIDE, vocab: LEVELS, pixelsPerToken: 1 },
    },
    views: {},
    encoders: {},
    heads: {},
    losses: {
      con: { name: "con", kind: "ntxent", head: "proj", views: "aug", temperature: 0.2 },
      gen: { name: "gen", kind: "autoregressive", head: "lm", target: "pixels", input: "clean" },
    },
    params: {},
    objective: {
      terms: generative ? [{ loss: "gen", weight: { op: "num", value: 1 } }, { loss: "con", weight: { op: "num", value: 1 } }] : [{ loss: "con", weight: { op: "num", value: 1 } }],
      text: generative ? "gen + con" : "con",
    },
    optimizer: { kind: "adamw", lr: 1e-3, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, momentum: 0, warmup: 0, schedule: "constant", minLrRatio: 0, clip: null },
    train: { data: "train", steps: 10, epochs: null, batch: 8, evalEvery: null, checkpointEvery: null, logEvery: 1 },
    evaluate,
    estimates: { parameters: 0, flopsPerStep: 0, imagesPerStep: 0 },
    hash: "0".repeat(64),
  };
}

const quantize = (v: number) => Math.min(LEVELS - 1, Math.max(0, Math.floor(v * LEVELS)));

export interface FixtureContext extends EvalContext {
  calls: { features: number; bitsPerDim: number; sample: number; loadData: number; initFeatures: number; initBuilt: number; initDisposed: number };
}

/** A fixed gaussian projection of the pixels, [px, WIDTH]: the fixture's "encoder" (seeded). */
function projection(seed: number): (images: Float32Array, n: number) => Float32Array {
  const px = SIDE * SIDE;
  const prng = new Rng(seed);
  const proj = Float32Array.from({ length: px * WIDTH }, () => prng.normal());
  return (images, n) => {
    const out = new Float32Array(n * WIDTH);
    for (let k = 0; k < n; k++)
      for (let j = 0; j < px; j++) {
        const v = images[k * px + j]!;
        if (v !== 0) for (let c = 0; c < WIDTH; c++) out[k * WIDTH + c]! += v * proj[j * WIDTH + c]!;
      }
    return out;
  };
}

export function fixtureContext(ir: IRExperiment, runDir = mkdtempSync(join(tmpdir(), "hgc-eval-")), step = 100): FixtureContext {
  const sets = datasets();
  const px = SIDE * SIDE;
  // The "encoder": a fixed gaussian projection of the pixels, [px, WIDTH].
  const prng = new Rng(17);
  const proj = Float32Array.from({ length: px * WIDTH }, () => prng.normal());
  // The "generative head": per-pixel level frequencies on the training set, Laplace-smoothed.
  const counts = new Float64Array(px * LEVELS).fill(1);
  const train = sets.train!;
  for (let k = 0; k < train.n; k++) for (let j = 0; j < px; j++) counts[j * LEVELS + quantize(train.images[k * px + j]!)]! += 1;
  const prob = counts.map((c) => c / (train.n + LEVELS));
  const calls = { features: 0, bitsPerDim: 0, sample: 0, loadData: 0, initFeatures: 0, initBuilt: 0, initDisposed: 0 };
  // The "encoder at initialisation": another projection, built on demand like the real one.
  const initProject = projection(23);
  const baselines = new BaselineCache(() => {
    calls.initBuilt++;
    return {
      async features(encoder, images, n) {
        calls.initFeatures++;
        if (encoder !== "enc") throw new Error(`no encoder ${encoder}`);
        return initProject(images, n);
      },
      async blockFeatures() {
        throw new Error("the fixture's encoder has no blocks");
      },
      dispose: () => void calls.initDisposed++,
    };
  });
  return {
    ir,
    baselines,
    runDir,
    step,
    seed: ir.seed,
    calls,
    async loadData(name) {
      calls.loadData++;
      const s = sets[name];
      if (!s) throw new Error(`no dataset ${name}`);
      return s;
    },
    async features(encoder, images, n) {
      calls.features++;
      if (encoder !== "enc") throw new Error(`no encoder ${encoder}`);
      const out = new Float32Array(n * WIDTH);
      for (let k = 0; k < n; k++)
        for (let j = 0; j < px; j++) {
          const v = images[k * px + j]!;
          if (v !== 0) for (let c = 0; c < WIDTH; c++) out[k * WIDTH + c]! += v * proj[j * WIDTH + c]!;
        }
      return out;
    },
    async bitsPerDim(head, images, n) {
      calls.bitsPerDim++;
      if (head !== "lm") throw new Error(`no head ${head}`);
      const out = new Float32Array(n);
      for (let k = 0; k < n; k++) {
        let bits = 0;
        for (let j = 0; j < px; j++) bits -= Math.log2(prob[j * LEVELS + quantize(images[k * px + j]!)]!);
        out[k] = bits / px;
      }
      return out;
    },
    async sample(head, count, _temperature, seed) {
      calls.sample++;
      if (head !== "lm") throw new Error(`no head ${head}`);
      const rng = new Rng(seed);
      const out = new Float32Array(count * px);
      for (let k = 0; k < count; k++)
        for (let j = 0; j < px; j++) {
          let u = rng.next();
          let level = 0;
          while (level < LEVELS - 1 && u >= prob[j * LEVELS + level]!) u -= prob[j * LEVELS + level++]!;
          out[k * px + j] = level / (LEVELS - 1);
        }
      return out;
    },
  };
}

export const protocols = {
  linearProbe: (baselines: IRBaseline[] = ["init", "pixels"]): IRProtocol => ({
    applicable: true,
    kind: "linear_probe",
    features,
    train: "train",
    val: null,
    test: "test",
    epochs: 20,
    lr: 1e-2,
    baselines,
  }),
  knn: (k = 10, baselines: IRBaseline[] = ["init", "pixels"]): IRProtocol => ({ applicable: true, kind: "knn", features, k, train: "train", test: "test", temperature: 0.07, baselines }),
  bitsPerDim: (): IRProtocol => ({ applicable: true, kind: "bits_per_dim", data: "test", head: "lm", tokenizer: "pixels" }),
  ood: (scores: ("likelihood" | "knn" | "mahalanobis")[]): IRProtocol => ({
    applicable: true,
    kind: "ood",
    in: "test",
    out: "ood",
    scores,
    features,
    train: "train",
    k: 10,
  }),
  robustness: (corruptions: string[], severities: number[]): IRProtocol => ({
    applicable: true,
    kind: "robustness",
    data: "test",
    corruptions,
    severities,
    features,
    train: "train",
  }),
  samples: (count = 6): IRProtocol => ({ applicable: true, kind: "samples", count, temperature: 1, head: "lm", tokenizer: "pixels" }),
};
