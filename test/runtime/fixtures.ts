// A valid tiny experiment as IR, for the runtime's tests: synthetic 8×8 shapes, a 1-layer
// width-16 causal Transformer over 64 quantized pixels, a contrastive projection and a next-token
// head, `gen + 0.5·con`. A step takes milliseconds.
import type { IRExperiment } from "../../compiler/ir.js";
import { hashIR } from "../../compiler/hash.js";
import { resnetParameters } from "../../compiler/shapes.js";
import { loadDataset } from "../../runtime/data/index.js";
import { Model } from "../../runtime/model.js";
import { Trainer, type StepResult, type TrainerOptions } from "../../runtime/train.js";

export interface TinyOptions {
  steps?: number;
  batch?: number;
  levels?: number;
  kind?: "quantize" | "patches";
  objective?: "hybrid" | "gen" | "con";
  lr?: number;
  optimizer?: "adam" | "adamw" | "sgd";
  seed?: number;
  checkpointEvery?: number | null;
  evalEvery?: number | null;
  causal?: boolean;
  dropout?: number;
}

export function tinyIr(o: TinyOptions = {}): IRExperiment {
  const side = 8;
  const levels = o.levels ?? 4;
  const kind = o.kind ?? "quantize";
  const patch = kind === "patches" ? 2 : 1;
  const length = (side / patch) * (side / patch);
  const width = 16;
  const terms: IRExperiment["objective"]["terms"] = [];
  const objective = o.objective ?? "hybrid";
  if (objective !== "con") terms.push({ loss: "gen", weight: { op: "num", value: 1 } });
  if (objective !== "gen") terms.push({ loss: "con", weight: { op: "param", name: "lambda", value: 0.5 } });
  const ir: IRExperiment = {
    irVersion: 1,
    name: "tiny",
    source: { file: "tiny.hgc", line: 1 },
    seed: o.seed ?? 1,
    datasets: {
      train: {
        name: "train",
        source: "synthetic",
        split: "train",
        limit: null,
        size: null,
        args: { count: 64, classes: 4, size: [side, side], noise: 0.05, seed: 3 },
        shape: { height: side, width: side, channels: 1 },
        classes: 4,
      },
      test: {
        name: "test",
        source: "synthetic",
        split: "test",
        limit: null,
        size: null,
        args: { count: 32, classes: 4, size: [side, side], noise: 0.05, seed: 3 },
        shape: { height: side, width: side, channels: 1 },
        classes: 4,
      },
    },
    tokenizers: {
      pixels: { name: "pixels", kind, imageSize: [side, side], patch, levels, length, vocab: levels, pixelsPerToken: patch * patch },
    },
    views: { aug: { name: "aug", kind: "augment", crop: [0.6, 1], flip: 0, noise: 0.05, jitter: 0.2, erase: 0, rotate: 0 } },
    encoders: {
      enc: { name: "enc", kind: "transformer", tokens: "pixels", layers: 1, width, heads: 2, mlp: 2, causal: o.causal ?? true, pool: "mean", dropout: o.dropout ?? 0, length, parameters: 0 },
    },
    heads: {
      proj: { name: "proj", kind: "mlp", input: { encoder: "enc", member: "pooled" }, inWidth: width, hidden: [16], out: 8, perToken: false, shape: ["batch", 8], parameters: 0 },
      lm: { name: "lm", kind: "linear", input: { encoder: "enc", member: "tokens" }, inWidth: width, hidden: [], out: levels, perToken: true, shape: ["batch", length, levels], parameters: 0 },
    },
    losses: {
      con: { name: "con", kind: "ntxent", head: "proj", views: "aug", temperature: 0.5 },
      gen: { name: "gen", kind: "autoregressive", head: "lm", target: "pixels", input: "clean" },
    },
    params: { lambda: 0.5 },
    objective: { terms, text: objective === "hybrid" ? "gen + lambda * con" : objective },
    optimizer: {
      kind: o.optimizer ?? "adamw",
      lr: o.lr ?? 3e-3,
      weightDecay: 0.01,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      momentum: 0.9,
      warmup: 2,
      schedule: "cosine",
      minLrRatio: 0.1,
      clip: 1,
    },
    train: {
      data: "train",
      steps: o.steps ?? 6,
      epochs: null,
      batch: o.batch ?? 8,
      evalEvery: o.evalEvery ?? null,
      checkpointEvery: o.checkpointEvery ?? null,
      logEvery: 1,
    },
    evaluate: [],
    estimates: { parameters: 0, flopsPerStep: 0, imagesPerStep: 0 },
    hash: "",
  };
  // Parameter counts and estimates as the compiler computes them (the IR schema wants them positive).
  const T = length + 1;
  const inWidth = kind === "quantize" ? levels : patch * patch;
  const block = 2 * 2 * width + (width * 3 * width + 3 * width) + (width * width + width) + (width * 2 * width + 2 * width) + (2 * width * width + width);
  ir.encoders.enc!.parameters = inWidth * width + (kind === "patches" ? width : 0) + width + T * width + block + 2 * width;
  ir.heads.proj!.parameters = width * 16 + 16 + 16 * 8 + 8;
  ir.heads.lm!.parameters = width * levels * patch * patch + levels * patch * patch;
  const parameters = ir.encoders.enc!.parameters + ir.heads.proj!.parameters + ir.heads.lm!.parameters;
  ir.estimates = { parameters, flopsPerStep: 6 * parameters * T * 3 * ir.train.batch, imagesPerStep: 3 * ir.train.batch };
  // The compiler's own hash, so the IR verifies like a compiled one (a mismatch means hand-edited).
  ir.hash = hashIR(ir);
  return ir;
}

/**
 * The tiny IR over 2×2 patches of 8×8 images (16 tokens), non-causal, with a masked loss and an
 * MAE decoder; the objective is the sum of the named losses (`con` the NT-Xent of a hybrid).
 */
export function maskedIr(...objective: ("mim" | "rec" | "con")[]): IRExperiment {
  const ir = tinyIr({ kind: "patches", causal: false, objective: "con", levels: 4 });
  ir.heads.dec = {
    name: "dec",
    kind: "decoder",
    input: { encoder: "enc", member: "tokens" },
    inWidth: 16,
    hidden: [],
    out: 4,
    perToken: true,
    shape: ["batch", 16, 4],
    parameters: 1,
    decoder: { layers: 1, width: 8, heads: 2, mlp: 2 },
  };
  ir.losses.mim = { name: "mim", kind: "masked", head: "lm", target: "pixels", ratio: 0.4, input: "clean" };
  ir.losses.rec = { name: "rec", kind: "reconstruct", head: "dec", target: "pixels", ratio: 0.75, input: "clean" };
  ir.objective = { terms: objective.map((loss) => ({ loss, weight: { op: "num", value: 1 } })), text: objective.join(" + ") };
  ir.hash = hashIR(ir);
  return ir;
}

/** The tiny IR with a resnet of the given depth (width 4) instead of the Transformer, trained by NT-Xent alone. */
export function resnetIr(depth: 8 | 10 | 18, stemStride: 1 | 2 = 1): IRExperiment {
  const ir = tinyIr({ objective: "con", steps: 3 });
  const blocks = depth === 8 ? [1, 1, 1] : depth === 10 ? [1, 1, 1, 1] : [2, 2, 2, 2];
  const channels = blocks.map((_, s) => 4 * 2 ** s);
  const width = channels[channels.length - 1]!;
  ir.tokenizers = {};
  ir.encoders = { net: { name: "net", kind: "resnet", depth, blocks, channels, width, layers: blocks.length, pool: "mean", ...(stemStride === 2 ? { stemStride } : {}), imageSize: [8, 8], parameters: resnetParameters(blocks, 4) } };
  ir.heads = { proj: { name: "proj", kind: "mlp", input: { encoder: "net", member: "pooled" }, inWidth: width, hidden: [16], out: 8, perToken: false, shape: ["batch", 8], parameters: 1 } };
  ir.losses = { con: ir.losses.con! };
  ir.hash = hashIR(ir);
  return ir;
}

/** `steps` steps of an experiment (model seed 1) with the given trainer options: the results, whether it micro-batched, and the weights after. */
export async function trainRun(ir: IRExperiment, steps: number, options: TrainerOptions = {}) {
  const model = new Model(ir, 1);
  const trainer = new Trainer(ir, model, await loadDataset(ir.datasets.train!), 1, steps, options);
  try {
    const results: StepResult[] = [];
    for (let i = 0; i < steps; i++) results.push(await trainer.trainStep());
    return { micro: trainer.microBatch, results, weights: await model.readWeights() };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}
