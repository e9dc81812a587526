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

import { tf } from "./backend.js";
import { oneHot } from "./model.js";

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
