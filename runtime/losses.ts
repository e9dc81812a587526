// The two losses of the hybrid objective, as tf ops (call inside tf.tidy).
//
// NT-Xent (SimCLR): for 2N projections z (rows 0…N-1 the first view of each image, N…2N-1 the
// second), cosine similarities s_ij = ẑ_i·ẑ_j / τ; anchor i's positive is the other view of its
// image (i ± N); its own similarity is masked out of the softmax; the loss is the mean over the
// 2N anchors of  -log( exp(s_i,pos) / Σ_{j≠i} exp(s_ij) ).
//
// Autoregressive: the cross entropy of every predicted value (L·pixelsPerToken per image) under
// its `levels`-way distribution, in nats, divided by ln 2: bits per dimension. The objective
// uses this bits/dim figure, so the logged term and the optimised term are the same number.
//
// Masked (BEiT-style): the same cross entropy, over the values of the masked tokens only: bits
// per masked dimension. Reconstruct (MAE): the mean squared error between the decoder's output
// and each masked patch's pixels normalised by the patch's own mean and standard deviation
// (MAE's best target), over the masked patches' pixels only.

import type { IRTokenizer } from "../compiler/ir.js";
import { tf } from "./backend.js";
import { oneHot } from "./model.js";
import { tokenInputs } from "./tokens.js";

/** Masks a row's own similarity: exp(-1e9) is exactly 0 in float32. */
const SELF_MASK = -1e9;

/** NT-Xent over z: [2N, d] (first views, then second views). Returns a scalar. */
export function ntxent(z: tf.Tensor2D, temperature: number): tf.Scalar {
  const rows = z.shape[0];
  if (rows % 2 !== 0 || rows < 4) throw new Error(`ntxent needs 2N rows with N ≥ 2, got ${rows}`);
  const n = rows / 2;
  const norm = tf.sqrt(tf.add(tf.sum(tf.square(z), 1, true), 1e-12)); // [2N, 1]
  const zn = tf.div(z, norm); // [2N, d], unit rows
  const sim = tf.mul(tf.matMul(zn, zn, false, true), 1 / temperature); // [2N, 2N]
  const masks = pairMasks(n);
  const logits = tf.add(sim, masks.self); // self-similarity removed
  const logp = tf.logSoftmax(logits); // [2N, 2N]
  return tf.div(tf.neg(tf.sum(tf.mul(logp, masks.positive))), rows) as tf.Scalar;
}

function pairMasks(n: number): { self: tf.Tensor2D; positive: tf.Tensor2D } {
  const r = 2 * n;
  const self = new Float32Array(r * r);
  const positive = new Float32Array(r * r);
  for (let i = 0; i < r; i++) {
    self[i * r + i] = SELF_MASK;
    positive[i * r + ((i + n) % r)] = 1;
  }
  return { self: tf.tensor2d(self, [r, r]), positive: tf.tensor2d(positive, [r, r]) };
}

/** Per-row negative log-likelihood in nats of `targets` under `logits` [rows, levels]: [rows]. */
export function tokenNll(logits: tf.Tensor2D, targets: Int32Array): tf.Tensor1D {
  const [rows, levels] = logits.shape;
  if (targets.length !== rows) throw new Error(`tokenNll: ${rows} rows of logits but ${targets.length} targets`);
  const logp = tf.logSoftmax(logits); // [rows, levels]
  return tf.neg(tf.sum(tf.mul(logp, oneHot(targets, levels)), 1)) as tf.Tensor1D;
}

/** Mean bits per dimension of the targets under the logits: a scalar. */
export function bitsPerDim(logits: tf.Tensor2D, targets: Int32Array): tf.Scalar {
  return tf.div(tf.mean(tokenNll(logits, targets)), Math.LN2) as tf.Scalar;
}

/** Bits per dimension of each of n images (targets laid out image after image): [n]. */
export function bitsPerDimPerImage(logits: tf.Tensor2D, targets: Int32Array, n: number): tf.Tensor1D {
  const nll = tokenNll(logits, targets); // [n·dims]
  const dims = targets.length / n;
  return tf.div(tf.mean(tf.reshape(nll, [n, dims]), 1), Math.LN2) as tf.Tensor1D;
}

/**
 * Bits per masked dimension: the cross entropy of the targets under the logits [n·L·G, levels]
 * (G values per token) over the masked tokens only; `maskRows` [n·L] is 1 at a masked token.
 */
export function maskedBitsPerDim(logits: tf.Tensor2D, targets: Int32Array, maskRows: Float32Array): tf.Scalar {
  const G = targets.length / maskRows.length;
  const weights = new Float32Array(targets.length);
  let count = 0;
  for (let r = 0; r < maskRows.length; r++) {
    if (maskRows[r] === 0) continue;
    weights.fill(1, r * G, (r + 1) * G);
    count += G;
  }
  if (count === 0) throw new Error("maskedBitsPerDim: no token is masked");
  const nll = tokenNll(logits, targets); // [n·L·G]
  return tf.div(tf.sum(tf.mul(nll, tf.tensor1d(weights))), count * Math.LN2) as tf.Scalar;
}

/** MAE's per-patch normalisation eps: (v − mean) / √(var + eps). */
export const PATCH_NORM_EPS = 1e-6;

/** Each token's pixel values (as the encoder reads them) normalised by its patch's mean and variance: [n·L·P²]. */
export function patchTargets(tok: IRTokenizer, tokens: Int32Array, n: number): Float32Array {
  const v = tokenInputs(tok, tokens, n);
  const P2 = tok.pixelsPerToken;
  for (let r = 0; r < v.length; r += P2) {
    let mean = 0;
    for (let j = 0; j < P2; j++) mean += v[r + j]!;
    mean /= P2;
    let variance = 0;
    for (let j = 0; j < P2; j++) variance += (v[r + j]! - mean) ** 2;
    const scale = 1 / Math.sqrt(variance / P2 + PATCH_NORM_EPS);
    for (let j = 0; j < P2; j++) v[r + j] = (v[r + j]! - mean) * scale;
  }
  return v;
}

/** Mean squared error of pred [n·L, P²] against targets [n·L·P²] over the masked rows (`maskRows` [n·L]). */
export function reconstructionLoss(pred: tf.Tensor2D, targets: Float32Array, maskRows: Float32Array): tf.Scalar {
  const [rows, P2] = pred.shape;
  let count = 0;
  for (const m of maskRows) count += m;
  if (count === 0) throw new Error("reconstructionLoss: no patch is masked");
  const err = tf.sum(tf.square(tf.sub(pred, tf.tensor2d(targets, [rows, P2]))), 1); // [n·L]
  return tf.div(tf.sum(tf.mul(err, tf.tensor1d(maskRows))), count * P2) as tf.Scalar;
}
