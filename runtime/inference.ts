// The model at inference time: pooled features, per-image bits/dim and autoregressive samples,
// batched and without gradients. This is what the evaluation protocols see of the model, through
// the EvalContext built here.

import type { IRExperiment } from "../compiler/ir.js";
import { tf } from "./backend.js";
import { loadDataset, type ImageSet } from "./data/index.js";
import type { EvalContext } from "./evaluate/context.js";
import { bitsPerDimPerImage } from "./losses.js";
import { Model } from "./model.js";
import { BaselineCache } from "./evaluate/baselines.js";
import { Rng } from "./rng.js";
import { detokenize, tokenInputs } from "./tokens.js";
import { drawMask } from "./train.js";

/** Attention scores per inference batch, at most (n·heads·T² floats): keeps the wasm heap small. */
const MAX_SCORES = 8_000_000;

/** Images per inference batch for an encoder. */
export function inferenceBatch(ir: IRExperiment, encoder: string): number {
  const e = ir.encoders[encoder]!;
  if (e.kind === "resnet") return 256;
  const T = e.length + 1;
  return Math.max(1, Math.min(512, Math.floor(MAX_SCORES / (e.heads * T * T))));
}

/**
 * The h×w of images given as `size` values each: the encoder's tokenizer size, else a dataset's
 * shape of that size, else a square.
 */
export function imageShape(ir: IRExperiment, encoder: string, size: number): [number, number] {
  const e = ir.encoders[encoder]!;
  const tok = e.kind === "transformer" ? ir.tokenizers[e.tokens]! : null;
  for (const ds of Object.values(ir.datasets)) {
    const { height, width } = ds.shape;
    if (height && width && height * width === size) return [height, width];
  }
  if (tok && tok.imageSize[0] * tok.imageSize[1] === size) return tok.imageSize;
  const side = Math.round(Math.sqrt(size));
  if (side * side === size) return [side, side];
  throw new Error(`cannot tell the height and width of images of ${size} pixels`);
}

/** Pooled features of n images: n·width values. */
export async function features(model: Model, encoder: string, images: Float32Array, n: number): Promise<Float32Array> {
  const width = model.ir.encoders[encoder]!.width;
  const [h, w] = imageShape(model.ir, encoder, images.length / n);
  const size = h * w;
  const out = new Float32Array(n * width);
  const bs = inferenceBatch(model.ir, encoder);
  for (let i = 0; i < n; i += bs) {
    const m = Math.min(bs, n - i);
    const data = model.prepare(encoder, images.subarray(i * size, (i + m) * size), m, h, w);
    const pooled = tf.tidy(() => model.encode(encoder, model.input(encoder, data, m)).pooled);
    out.set((await pooled.data()) as Float32Array, i * width);
    pooled.dispose();
  }
  return out;
}

/** Each block's pooled output for n images: `layers` arrays of n·width values (`.layer(k)` is the k-th). */
export async function blockFeatures(model: Model, encoder: string, images: Float32Array, n: number): Promise<Float32Array[]> {
  const e = model.ir.encoders[encoder]!;
  const layers = e.layers;
  // A resnet's stages differ in width (`.layer(k)` has channels[k-1] features).
  const widths = e.kind === "resnet" ? e.channels : new Array<number>(layers).fill(e.width);
  const [h, w] = imageShape(model.ir, encoder, images.length / n);
  const size = h * w;
  const out = widths.map((width) => new Float32Array(n * width));
  const bs = inferenceBatch(model.ir, encoder);
  for (let i = 0; i < n; i += bs) {
    const m = Math.min(bs, n - i);
    const data = model.prepare(encoder, images.subarray(i * size, (i + m) * size), m, h, w);
    const blocks = tf.tidy(() => model.encode(encoder, model.input(encoder, data, m), undefined, { blocks: true }).blocks!);
    for (let k = 0; k < layers; k++) {
      out[k]!.set((await blocks[k]!.data()) as Float32Array, i * widths[k]!);
      blocks[k]!.dispose();
    }
  }
  return out;
}

/**
 * The baselines of a run (issue 12): the model at initialisation is this experiment's model
 * rebuilt with the run's seed and no training, built only when an init baseline is first computed.
 */
export function runBaselines(ir: IRExperiment, seed: number): BaselineCache {
  return new BaselineCache(() => {
    const init = new Model(ir, seed);
    return {
      features: (encoder, images, n) => features(init, encoder, images, n),
      blockFeatures: (encoder, images, n) => blockFeatures(init, encoder, images, n),
      dispose: () => init.dispose(),
    };
  });
}

/** Bits/dim of each of n images under a per-token head: n values. */
export async function bitsPerDim(model: Model, head: string, images: Float32Array, n: number): Promise<Float32Array> {
  const encoder = model.headEncoder(head);
  const [h, w] = imageShape(model.ir, encoder, images.length / n);
  const size = h * w;
  const out = new Float32Array(n);
  const bs = inferenceBatch(model.ir, encoder);
  for (let i = 0; i < n; i += bs) {
    const m = Math.min(bs, n - i);
    const tokens = model.tokenize(encoder, images.subarray(i * size, (i + m) * size), m, h, w);
    const bpd = tf.tidy(() => bitsPerDimPerImage(model.applyHead(head, model.encode(encoder, model.input(encoder, tokens, m))), tokens, m));
    out.set((await bpd.data()) as Float32Array, i);
    bpd.dispose();
  }
  return out;
}

/**
 * `count` images drawn token by token from a per-token head at `temperature` (0: the most likely
 * value), seeded. A patch's P·P values are drawn independently given the prefix, as the head
 * models them. Returns count·h·w values in [0, 1] at the tokenizer's size.
 */
export async function sample(model: Model, head: string, count: number, temperature: number, seed: number): Promise<Float32Array> {
  const encoder = model.headEncoder(head);
  const tok = model.tokenizerOf(encoder);
  const L = tok.length;
  const G = tok.pixelsPerToken;
  const V = tok.vocab;
  const rng = new Rng(`${seed}:sample`);
  const tokens = new Int32Array(count * L * G);
  for (let i = 0; i < L; i++) {
    // Later positions are still zeros; the causal mask keeps them from influencing position i.
    const logits = tf.tidy(() => {
      const all = model.applyHead(head, model.encode(encoder, model.input(encoder, tokens, count))); // [count·L·G, V]
      return tf.slice(tf.reshape(all, [count, L, G, V]), [0, i, 0, 0], [count, 1, G, V]); // [count, 1, G, V]
    });
    const values = (await logits.data()) as Float32Array;
    logits.dispose();
    for (let k = 0; k < count; k++) {
      for (let g = 0; g < G; g++) {
        tokens[(k * L + i) * G + g] = draw(values, (k * G + g) * V, V, temperature, rng);
      }
    }
  }
  return detokenize(tok, tokens, count);
}

/** The images a reconstruct model's samples show: the first evaluation test set, else the training set. */
function reconstructionData(ir: IRExperiment): string {
  for (const p of ir.evaluate) if ("test" in p && typeof p.test === "string") return p.test;
  return ir.train.data;
}

/**
 * MAE's picture of a reconstruct model on `count` images: for each, the image (at the tokenizer's
 * levels), the same with its masked patches grey, and the reconstruction — visible patches as
 * they were, masked ones the decoder's prediction mapped back from per-patch normalised pixels
 * with the true patch's mean and spread (as MAE shows them). 3·count images, triple after triple.
 */
export async function reconstructions(model: Model, head: string, set: ImageSet, count: number, seed: number): Promise<Float32Array> {
  const encoder = model.headEncoder(head);
  const tok = model.tokenizerOf(encoder);
  const loss = Object.values(model.ir.losses).find((l) => l.kind === "reconstruct" && l.head === head);
  const ratio = loss?.kind === "reconstruct" ? loss.ratio : 0.75;
  const [h, w] = [set.height, set.width];
  const L = tok.length;
  const G = tok.pixelsPerToken;
  const top = tok.levels - 1;
  const tokens = model.tokenize(encoder, set.images.subarray(0, count * h * w), count, h, w);
  const mask = drawMask(count, L, ratio, true, new Rng(`${seed}:samples:mask`));
  const out = tf.tidy(() => model.applyHead(head, model.encode(encoder, model.input(encoder, tokens, count, mask))));
  const pred = (await out.data()) as Float32Array; // [count·L, G]
  out.dispose();
  const values = tokenInputs(tok, tokens, count);
  const greyed = tokens.slice();
  const rebuilt = tokens.slice();
  for (let r = 0; r < count * L; r++) {
    if (!mask.rows[r]) continue;
    let mean = 0;
    for (let j = 0; j < G; j++) mean += values[r * G + j]!;
    mean /= G;
    let variance = 0;
    for (let j = 0; j < G; j++) variance += (values[r * G + j]! - mean) ** 2;
    const std = Math.sqrt(variance / G + 1e-6);
    for (let j = 0; j < G; j++) {
      greyed[r * G + j] = Math.round(top / 2);
      rebuilt[r * G + j] = Math.max(0, Math.min(top, Math.round((pred[r * G + j]! * std + mean) * top)));
    }
  }
  const [a, b, c] = [tokens, greyed, rebuilt].map((t) => detokenize(tok, t, count));
  const [th, tw] = tok.imageSize;
  const size = th * tw;
  const sheet = new Float32Array(3 * count * size);
  for (let k = 0; k < count; k++) [a, b, c].forEach((src, j) => sheet.set(src!.subarray(k * size, (k + 1) * size), (3 * k + j) * size));
  return sheet;
}

function draw(logits: Float32Array, offset: number, V: number, temperature: number, rng: Rng): number {
  let best = 0;
  for (let j = 1; j < V; j++) if (logits[offset + j]! > logits[offset + best]!) best = j;
  if (!(temperature > 0)) return best;
  const max = logits[offset + best]!;
  const p = new Float64Array(V);
  let total = 0;
  for (let j = 0; j < V; j++) total += p[j] = Math.exp((logits[offset + j]! - max) / temperature);
  let u = rng.next() * total;
  for (let j = 0; j < V; j++) {
    u -= p[j]!;
    if (u < 0) return j;
  }
  return V - 1;
}

/** A cache of the experiment's datasets, loaded on first use. */
export function datasetLoader(ir: IRExperiment, preloaded: ImageSet[] = [], cacheDir?: string): (name: string) => Promise<ImageSet> {
  const cache = new Map<string, Promise<ImageSet>>(preloaded.map((s) => [s.name, Promise.resolve(s)]));
  return (name: string) => {
    let p = cache.get(name);
    if (!p) {
      const ds = ir.datasets[name];
      if (!ds) return Promise.reject(new Error(`unknown dataset ${name}`));
      p = loadDataset(ds, cacheDir ? { cacheDir } : {});
      cache.set(name, p);
    }
    return p;
  };
}

/** The EvalContext over a model at a given step. */
export function evalContext(
  model: Model,
  runDir: string,
  step: number,
  seed: number,
  loadData: (name: string) => Promise<ImageSet>,
  baselines?: BaselineCache,
): EvalContext {
  return {
    ...(baselines ? { baselines } : {}),
    blockFeatures: (encoder, images, n) => blockFeatures(model, encoder, images, n),
    ir: model.ir,
    runDir,
    step,
    seed,
    loadData,
    features: (encoder, images, n) => features(model, encoder, images, n),
    bitsPerDim: (head, images, n) => bitsPerDim(model, head, images, n),
    sample: async (head, count, temperature, s) => {
      if (model.ir.heads[head]?.kind !== "decoder") return sample(model, head, count, temperature, s);
      const set = await loadData(reconstructionData(model.ir));
      return reconstructions(model, head, set, Math.min(count, set.n), s);
    },
  };
}
