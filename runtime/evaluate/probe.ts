// The linear probe: multinomial logistic regression on frozen features, the standard measure of
// how linearly separable a representation is (Chen et al., 2020). Features are standardised with
// the training set's statistics; the weights start at zero and are fitted by minibatch Adam with
// a small L2 penalty, in plain JS, so the result depends only on the features and the seed.
import { Rng } from "../rng.js";
import { type FeatureMatrix, fitStandardizer, standardize, type Standardizer } from "./features.js";
import { accuracy, expectedCalibrationError } from "./metrics.js";

export interface ProbeOptions {
  /** Passes over the training features. */
  epochs: number;
  /** Adam step size. */
  lr: number;
  /** L2 penalty on the weights (not the biases). */
  l2?: number;
  /** Minibatch size; by default ⌈n/32⌉ clamped to [16, 256], so a small set still gets enough steps. */
  batch?: number;
  /** Seed of the minibatch order. */
  seed: number;
}

/** The language's defaults for `linear_probe` (grammar/tokens.ts), used by a robustness protocol with no linear_probe beside it. */
export const PROBE_DEFAULTS = { epochs: 10, lr: 1e-2, l2: 1e-4 } as const;

export function defaultProbeBatch(n: number): number {
  return Math.min(256, Math.max(16, Math.ceil(n / 32)));
}

export interface LinearProbe {
  classes: number;
  width: number;
  standardizer: Standardizer;
  /** [width, classes] row-major. */
  weights: Float64Array;
  bias: Float64Array;
}

export function trainProbe(train: FeatureMatrix, labels: ArrayLike<number>, classes: number, opts: ProbeOptions): LinearProbe {
  if (labels.length !== train.n) throw new Error("linear probe: one label per training feature");
  if (!(opts.epochs >= 1)) throw new Error(`linear probe: epochs must be ≥ 1, got ${opts.epochs}`);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (!(Number.isInteger(y) && y >= 0 && y < classes)) throw new Error(`linear probe: label ${y} outside [0, ${classes})`);
  }
  const standardizer = fitStandardizer(train);
  const x = standardize(train, standardizer);
  const { n, width: d } = x;
  const C = classes;
  const l2 = opts.l2 ?? PROBE_DEFAULTS.l2;
  const batch = Math.min(n, opts.batch ?? defaultProbeBatch(n));
  const W = new Float64Array(d * C);
  const b = new Float64Array(C);
  // Adam state.
  const mW = new Float64Array(d * C);
  const vW = new Float64Array(d * C);
  const mb = new Float64Array(C);
  const vb = new Float64Array(C);
  const gW = new Float64Array(d * C);
  const gb = new Float64Array(C);
  const beta1 = 0.9;
  const beta2 = 0.999;
  const eps = 1e-8;
  const logits = new Float64Array(C);
  const rng = new Rng(opts.seed).fork("linear_probe");
  let t = 0;
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    const order = rng.permutation(n);
    for (let start = 0; start < n; start += batch) {
      const end = Math.min(n, start + batch);
      const m = end - start;
      gW.fill(0);
      gb.fill(0);
      for (let r = start; r < end; r++) {
        const i = order[r]!;
        const xo = i * d;
        softmaxRow(x.data, xo, d, W, b, C, logits);
        logits[labels[i]!]! -= 1; // ∂(cross entropy)/∂logits = p − onehot
        for (let j = 0; j < d; j++) {
          const xv = x.data[xo + j]!;
          if (xv === 0) continue;
          const go = j * C;
          for (let c = 0; c < C; c++) gW[go + c]! += xv * logits[c]!;
        }
        for (let c = 0; c < C; c++) gb[c]! += logits[c]!;
      }
      t++;
      const c1 = 1 - beta1 ** t;
      const c2 = 1 - beta2 ** t;
      for (let p = 0; p < W.length; p++) {
        const g = gW[p]! / m + l2 * W[p]!;
        mW[p] = beta1 * mW[p]! + (1 - beta1) * g;
        vW[p] = beta2 * vW[p]! + (1 - beta2) * g * g;
        W[p]! -= (opts.lr * (mW[p]! / c1)) / (Math.sqrt(vW[p]! / c2) + eps);
      }
      for (let c = 0; c < C; c++) {
        const g = gb[c]! / m;
        mb[c] = beta1 * mb[c]! + (1 - beta1) * g;
        vb[c] = beta2 * vb[c]! + (1 - beta2) * g * g;
        b[c]! -= (opts.lr * (mb[c]! / c1)) / (Math.sqrt(vb[c]! / c2) + eps);
      }
    }
  }
  return { classes: C, width: d, standardizer, weights: W, bias: b };
}

/** Class probabilities, [n, classes] row-major. */
export function probeProbabilities(probe: LinearProbe, features: FeatureMatrix): Float64Array {
  const x = standardize(features, probe.standardizer);
  const C = probe.classes;
  const out = new Float64Array(x.n * C);
  const row = new Float64Array(C);
  for (let i = 0; i < x.n; i++) {
    softmaxRow(x.data, i * x.width, x.width, probe.weights, probe.bias, C, row);
    out.set(row, i * C);
  }
  return out;
}

export interface ProbeScore {
  accuracy: number;
  ece: number;
  predicted: Int32Array;
  confidence: Float64Array;
}

export function scoreProbe(probe: LinearProbe, features: FeatureMatrix, labels: ArrayLike<number>): ProbeScore {
  const p = probeProbabilities(probe, features);
  const C = probe.classes;
  const predicted = new Int32Array(features.n);
  const confidence = new Float64Array(features.n);
  const correct = new Uint8Array(features.n);
  for (let i = 0; i < features.n; i++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (p[i * C + c]! > p[i * C + best]!) best = c;
    predicted[i] = best;
    confidence[i] = p[i * C + best]!;
    correct[i] = best === labels[i] ? 1 : 0;
  }
  return { accuracy: accuracy(predicted, labels), ece: expectedCalibrationError(confidence, correct), predicted, confidence };
}

/** Softmax of x[xo..xo+d]·W + b into `out` (length C). */
function softmaxRow(x: Float32Array, xo: number, d: number, W: Float64Array, b: Float64Array, C: number, out: Float64Array): void {
  for (let c = 0; c < C; c++) out[c] = b[c]!;
  for (let j = 0; j < d; j++) {
    const xv = x[xo + j]!;
    if (xv === 0) continue;
    const wo = j * C;
    for (let c = 0; c < C; c++) out[c]! += xv * W[wo + c]!;
  }
  let max = -Infinity;
  for (let c = 0; c < C; c++) if (out[c]! > max) max = out[c]!;
  let sum = 0;
  for (let c = 0; c < C; c++) {
    out[c] = Math.exp(out[c]! - max);
    sum += out[c]!;
  }
  for (let c = 0; c < C; c++) out[c]! /= sum;
}
