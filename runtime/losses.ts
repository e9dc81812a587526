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

// ---- the contrastive and self-distillation family (issue 15) --------------------------------
//
// Each reads the rows of two views stacked as the trainer lays them out: [2N, d], rows 0…N-1 the
// first view of each image, rows N…2N-1 the second. Formulas, with the paper and equation each
// follows, are in docs/language.md ("The contrastive and self-distillation family"). Wherever a
// loss stops a gradient (a target, a key) it does so itself, so the trainer never has to know.

/** Identity whose gradient is zero: the stop-gradient of BYOL, SimSiam and MoCo's keys. */
export const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor | tf.Tensor[]) => [tf.zerosLike(dy as tf.Tensor)],
})) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;

/** Rows scaled to unit length: [rows, d]. */
function unitRows(z: tf.Tensor2D): tf.Tensor2D {
  return tf.div(z, tf.sqrt(tf.add(tf.sum(tf.square(z), 1, true), 1e-12))) as tf.Tensor2D;
}

/** The first view's rows and the second view's rows of [2N, d]. */
function halves(z: tf.Tensor2D, what: string): [tf.Tensor2D, tf.Tensor2D] {
  const [rows, d] = z.shape;
  if (rows % 2 !== 0 || rows < 2) throw new Error(`${what} needs the 2N rows of two views, got ${rows}`);
  const n = rows / 2;
  return [tf.slice(z, [0, 0], [n, d]) as tf.Tensor2D, tf.slice(z, [n, 0], [n, d]) as tf.Tensor2D];
}

/**
 * Supervised contrastive loss (Khosla et al. 2020, Eq. 2, L^sup_out) over z: [2N, d] with the
 * class of every row (`labels`, 2N): for anchor i, the positives P(i) are the other rows of its
 * class (its other view always among them); the loss is the mean over the 2N anchors of
 *   −1/|P(i)| Σ_{p∈P(i)} log( exp(s_ip) / Σ_{a≠i} exp(s_ia) ),   s_ij = ẑ_i·ẑ_j / τ.
 */
export function supcon(z: tf.Tensor2D, labels: Int32Array, temperature: number): tf.Scalar {
  const rows = z.shape[0];
  if (rows % 2 !== 0 || rows < 4) throw new Error(`supcon needs 2N rows with N ≥ 2, got ${rows}`);
  if (labels.length !== rows) throw new Error(`supcon: ${rows} rows but ${labels.length} labels`);
  const zn = unitRows(z);
  const sim = tf.mul(tf.matMul(zn, zn, false, true), 1 / temperature); // [2N, 2N]
  const self = new Float32Array(rows * rows);
  const positive = new Float32Array(rows * rows); // row i: 1/|P(i)| on its positives
  for (let i = 0; i < rows; i++) {
    self[i * rows + i] = SELF_MASK;
    let count = 0;
    for (let j = 0; j < rows; j++) if (j !== i && labels[j] === labels[i]) count++;
    for (let j = 0; j < rows; j++) if (j !== i && labels[j] === labels[i]) positive[i * rows + j] = 1 / count;
  }
  const logp = tf.logSoftmax(tf.add(sim, tf.tensor2d(self, [rows, rows]))); // [2N, 2N]
  return tf.div(tf.neg(tf.sum(tf.mul(logp, tf.tensor2d(positive, [rows, rows])))), rows) as tf.Scalar;
}

/**
 * MoCo's InfoNCE (He et al. 2020, Eq. 1): queries q = H(view 1) [N, d], keys k = K(view 2) [N, d]
 * (gradient stopped), and the queue of past keys [Q, d]; all compared as unit vectors. Mean over
 * the N queries of  −log( exp(q·k₊/τ) / (exp(q·k₊/τ) + Σ_{j<Q} exp(q·queue_j/τ)) ).
 */
export function moco(q: tf.Tensor2D, k: tf.Tensor2D, queue: tf.Tensor2D, temperature: number): tf.Scalar {
  const n = q.shape[0];
  if (k.shape[0] !== n) throw new Error(`moco: ${n} queries but ${k.shape[0]} keys`);
  const qn = unitRows(q);
  const kn = unitRows(stopGradient(k) as tf.Tensor2D);
  const pos = tf.sum(tf.mul(qn, kn), 1, true); // [N, 1]
  const neg = tf.matMul(qn, unitRows(queue), false, true); // [N, Q]
  const logits = tf.mul(tf.concat([pos, neg], 1), 1 / temperature); // [N, 1+Q], the positive first
  const logp = tf.logSoftmax(logits);
  return tf.neg(tf.mean(tf.slice(logp, [0, 0], [n, 1]))) as tf.Scalar;
}

/** Cosine similarity of matching rows: [N]. */
function rowCosine(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(tf.mul(unitRows(a), unitRows(b)), 1) as tf.Tensor1D;
}

/**
 * BYOL (Grill et al. 2020, Eq. 2 and its symmetrisation): predictions p [2N, d] and targets
 * t [2N, d] (gradient stopped); each view's prediction against the other view's target,
 *   mean_i [ (2 − 2·cos(p1_i, t2_i)) + (2 − 2·cos(p2_i, t1_i)) ],
 * the normalised MSE ‖p̄ − t̄‖² of each direction summed. 0 when aligned, at most 8.
 */
export function byol(p: tf.Tensor2D, t: tf.Tensor2D): tf.Scalar {
  const [p1, p2] = halves(p, "byol");
  const [t1, t2] = halves(stopGradient(t) as tf.Tensor2D, "byol");
  const both = tf.add(rowCosine(p1, t2), rowCosine(p2, t1)); // [N]
  return tf.sub(4, tf.mul(2, tf.mean(both))) as tf.Scalar;
}

/**
 * SimSiam (Chen & He 2021, Eqs. 1–2): D(p, z) = −cos(p, stopgrad(z)),
 *   L = ½·D(p1, z2) + ½·D(p2, z1), averaged over the batch; between −1 and 1.
 */
export function simsiam(p: tf.Tensor2D, z: tf.Tensor2D): tf.Scalar {
  const [p1, p2] = halves(p, "simsiam");
  const [z1, z2] = halves(stopGradient(z) as tf.Tensor2D, "simsiam");
  return tf.mul(-0.5, tf.mean(tf.add(rowCosine(p1, z2), rowCosine(p2, z1)))) as tf.Scalar;
}

/** Columns centred over the batch: [N, d]. */
function centred(z: tf.Tensor2D): tf.Tensor2D {
  return tf.sub(z, tf.mean(z, 0, true)) as tf.Tensor2D;
}

/** ε under the square roots of the batch statistics (a constant feature must not divide by 0). */
const STAT_EPS = 1e-5;

/**
 * Barlow Twins (Zbontar et al. 2021, Eqs. 1–2): C = the cross-correlation of the two views'
 * features over the batch (each feature centred and scaled to unit variance over the N rows,
 * C_ij = Σ_b a_bi·b_bj / N, d×d);  L = Σ_i (1 − C_ii)² + λ·Σ_i Σ_{j≠i} C_ij².
 */
export function barlowTwins(z: tf.Tensor2D, lambda: number): tf.Scalar {
  const [a, b] = halves(z, "barlow_twins");
  const [n, d] = a.shape;
  const standard = (x: tf.Tensor2D) => {
    const c = centred(x);
    return tf.div(c, tf.sqrt(tf.add(tf.mean(tf.square(c), 0, true), STAT_EPS))) as tf.Tensor2D;
  };
  const c = tf.div(tf.matMul(standard(a), standard(b), true, false), n); // [d, d]
  const eye = tf.eye(d);
  const diff = tf.square(tf.sub(c, eye)); // (1 − C_ii)² on the diagonal, C_ij² off it
  const weight = tf.add(eye, tf.mul(tf.sub(1, eye), lambda)); // 1 on the diagonal, λ off it
  return tf.sum(tf.mul(diff, weight)) as tf.Scalar;
}

/**
 * VICReg (Bardes, Ponce & LeCun 2022, Eqs. 1–6 as written in its Algorithm 1), with Z, Z' the
 * two views' features [N, d]:
 *   invariance  s = mean over the N·d entries of (Z − Z')²
 *   variance    v(Z) = mean_j max(0, 1 − √(Var_j(Z) + 1e-4))   (unbiased variance over the batch)
 *   covariance  c(Z) = Σ_{i≠j} Cov(Z)_ij² / d                   (Cov with 1/(N−1))
 *   L = sim·s + var·(v(Z) + v(Z')) + cov·(c(Z) + c(Z'))
 */
export function vicreg(z: tf.Tensor2D, weights: { sim: number; var: number; cov: number }): tf.Scalar {
  const [a, b] = halves(z, "vicreg");
  const [n, d] = a.shape;
  if (n < 2) throw new Error(`vicreg needs N ≥ 2 images a batch for its variance, got ${n}`);
  const invariance = tf.mean(tf.square(tf.sub(a, b)));
  const variance = (x: tf.Tensor2D) => {
    const c = centred(x);
    const std = tf.sqrt(tf.add(tf.div(tf.sum(tf.square(c), 0), n - 1), 1e-4)); // [d]
    return tf.mean(tf.relu(tf.sub(1, std)));
  };
  const offDiagonal = tf.sub(1, tf.eye(d));
  const covariance = (x: tf.Tensor2D) => {
    const c = centred(x);
    const cov = tf.div(tf.matMul(c, c, true, false), n - 1); // [d, d]
    return tf.div(tf.sum(tf.mul(tf.square(cov), offDiagonal)), d);
  };
  return tf.addN([
    tf.mul(invariance, weights.sim),
    tf.mul(tf.add(variance(a), variance(b)), weights.var),
    tf.mul(tf.add(covariance(a), covariance(b)), weights.cov),
  ]) as tf.Scalar;
}
