// The linear probe: multinomial logistic regression on frozen features, the standard measure of
// how linearly separable a representation is (Chen et al., 2020).
//
// It is solved, not trained: features are standardised with the probe-train set's statistics,
// and the L2-regularised mean cross-entropy — a smooth, strictly convex function of the weights —
// is minimised full-batch by L-BFGS in float64 until the gradient vanishes. Its answer therefore
// depends only on the features, the labels and the L2 strength, never on an epoch count or a
// learning rate (a minibatch-Adam probe with a fixed budget stops short of the optimum and
// under-reports: by ~7 points on Fashion-MNIST, issue 12). The L2 strength is chosen on held-out
// data (a `val:` set, or a seeded tenth of the probe-train set) over a small log grid, then the
// probe is refitted on the whole probe-train set with it.
import { evaluationKernels } from "../kernels/index.js";
import { Rng } from "../rng.js";
import { type FeatureMatrix, fitStandardizer, type Standardizer } from "./features.js";
import { accuracy, expectedCalibrationError } from "./metrics.js";

/** The L2 strengths tried (on the mean cross-entropy + λ/2·‖W‖²), strongest first: the path is warm-started. */
export const L2_GRID: readonly number[] = [1e-1, 1e-2, 1e-3, 1e-4, 1e-5];
/** L-BFGS stops when ‖∇‖₂ falls below this (f − f* ≤ ‖∇‖²/2λ, so the loss is then exact to ≪ 1e-4). */
export const GRAD_TOL = 1e-5;
/** Iteration cap of one solve; hitting it is reported as `converged: false`. */
export const MAX_ITER = 500;
/** L-BFGS memory (curvature pairs kept). */
const MEMORY = 10;
/** The fraction of the probe-train set held out to choose L2 (and a layer) when there is no `val:` set. */
export const HOLDOUT = 0.1;

/** How a solve ended: written to result.json under `probes`. */
export interface Convergence {
  iterations: number;
  /** ‖∇‖₂ of the objective at the answer. */
  gradNorm: number;
  /** The objective at the answer: mean cross-entropy + λ/2·‖W‖². */
  loss: number;
  converged: boolean;
}

export interface LinearProbe {
  classes: number;
  width: number;
  standardizer: Standardizer;
  /** [width, classes] row-major. */
  weights: Float64Array;
  bias: Float64Array;
  /** The L2 strength it was fitted with. */
  l2: number;
  convergence: Convergence;
}

/** A probe and how its L2 strength was chosen. */
export interface ProbeFit {
  probe: LinearProbe;
  /** Held-out accuracy of each L2 tried (same order as L2_GRID); empty when L2 was given. */
  selection: { l2: number; accuracy: number; loss: number }[];
  /** Held-out accuracy at the chosen L2 (null when L2 was given). */
  heldOutAccuracy: number | null;
}

/** Standardised features and labels, float64, ready to solve. */
interface Problem {
  x: Float64Array;
  y: Int32Array;
  n: number;
  d: number;
  C: number;
}

export interface ProbeOptions {
  /** Seed of the held-out tenth (used only without `val`). */
  seed: number;
  /** A fixed L2 strength: no selection. */
  l2?: number;
  /** Held-out set to choose L2 on; without it a seeded tenth of the training set is held out. */
  val?: { x: FeatureMatrix; labels: ArrayLike<number> };
  /** Iteration cap per solve (default MAX_ITER). */
  maxIter?: number;
}

/** Fit a probe: choose L2 on held-out data (unless given), refit on the whole training set. */
export function fitProbe(train: FeatureMatrix, labels: ArrayLike<number>, classes: number, opts: ProbeOptions): ProbeFit {
  checkLabels(train, labels, classes);
  const standardizer = fitStandardizer(train);
  const full = problem(train, labels, classes, standardizer);
  const maxIter = opts.maxIter ?? MAX_ITER;
  if (opts.l2 !== undefined) return { probe: solveProbe(full, standardizer, opts.l2, maxIter), selection: [], heldOutAccuracy: null };
  const choice = chooseL2(train, labels, classes, standardizer, opts);
  // Warm-started from the held-out fit at the chosen strength: the problem is strictly convex, so
  // the start changes the iterations, not the answer.
  const probe = solveProbe(full, standardizer, choice.l2, maxIter, choice.theta);
  return { probe, selection: choice.selection, heldOutAccuracy: choice.accuracy };
}

/** The first edition's entry point: a probe with L2 chosen on held-out data. */
export function trainProbe(train: FeatureMatrix, labels: ArrayLike<number>, classes: number, opts: ProbeOptions): LinearProbe {
  return fitProbe(train, labels, classes, opts).probe;
}

/**
 * The L2 strength with the best held-out accuracy (ties: the lower held-out cross-entropy), fitting the training part along L2_GRID with warm starts.
 */
export function chooseL2(
  train: FeatureMatrix,
  labels: ArrayLike<number>,
  classes: number,
  standardizer: Standardizer,
  opts: Pick<ProbeOptions, "seed" | "val" | "maxIter">,
): { l2: number; accuracy: number; theta: Float64Array; selection: { l2: number; accuracy: number; loss: number }[] } {
  let fitPart: Problem;
  let heldOut: Problem;
  if (opts.val) {
    checkLabels(opts.val.x, opts.val.labels, classes);
    fitPart = problem(train, labels, classes, standardizer);
    heldOut = problem(opts.val.x, opts.val.labels, classes, standardizer);
  } else {
    const split = holdoutSplit(train.n, opts.seed);
    fitPart = problem(train, labels, classes, standardizer, split.fit);
    heldOut = problem(train, labels, classes, standardizer, split.held);
  }
  const selection: { l2: number; accuracy: number; loss: number }[] = [];
  let best: { l2: number; accuracy: number; loss: number; theta: Float64Array } = { l2: L2_GRID[0]!, accuracy: -1, loss: Infinity, theta: new Float64Array(0) };
  let theta: Float64Array | undefined;
  for (const l2 of L2_GRID) {
    const r = lbfgs(fitPart, l2, opts.maxIter ?? MAX_ITER, theta);
    theta = r.theta;
    const ev = heldOutScore(heldOut, r.theta);
    selection.push({ l2, ...ev });
    if (ev.accuracy > best.accuracy || (ev.accuracy === best.accuracy && ev.loss < best.loss)) best = { l2, ...ev, theta: r.theta };
  }
  return { l2: best.l2, accuracy: best.accuracy, theta: best.theta, selection };
}

/** A seeded split of n rows into a training part and a held-out tenth (at least one row each when n ≥ 2). */
export function holdoutSplit(n: number, seed: number): { fit: Int32Array; held: Int32Array } {
  if (n < 2) throw new Error(`linear probe: ${n} training example(s) cannot be split to choose the L2 strength`);
  const order = new Rng(seed).fork("linear_probe.holdout").permutation(n);
  const h = Math.min(n - 1, Math.max(1, Math.round(n * HOLDOUT)));
  const held = Int32Array.from(order.slice(0, h)).sort();
  const fit = Int32Array.from(order.slice(h)).sort();
  return { fit, held };
}

function checkLabels(x: FeatureMatrix, labels: ArrayLike<number>, classes: number): void {
  if (labels.length !== x.n) throw new Error("linear probe: one label per feature row");
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (!(Number.isInteger(y) && y >= 0 && y < classes)) throw new Error(`linear probe: label ${y} outside [0, ${classes})`);
  }
}

/** The (standardised, float64) rows `rows` (default all) of a feature matrix. */
function problem(m: FeatureMatrix, labels: ArrayLike<number>, C: number, s: Standardizer, rows?: Int32Array): Problem {
  const d = m.width;
  const n = rows ? rows.length : m.n;
  const x = new Float64Array(n * d);
  const y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const i = rows ? rows[r]! : r;
    for (let j = 0; j < d; j++) x[r * d + j] = (m.data[i * d + j]! - s.mean[j]!) / s.std[j]!;
    y[r] = labels[i]!;
  }
  return { x, y, n, d, C };
}

function solveProbe(p: Problem, standardizer: Standardizer, l2: number, maxIter: number, start?: Float64Array): LinearProbe {
  const r = lbfgs(p, l2, maxIter, start);
  const { W, b } = unpack(r.theta, p.d, p.C);
  return { classes: p.C, width: p.d, standardizer, weights: W, bias: b, l2, convergence: r.convergence };
}

/**
 * θ is laid out class by class, [w_c (d values), b_c] for c = 0 … C−1 (so θ[c·(d+1) + d] is the
 * bias of class c): each class's weights are contiguous, which keeps the inner loops over features
 * stride-1. The probe stores W as [d, C] row-major and b apart.
 */
function unpack(theta: Float64Array, d: number, C: number): { W: Float64Array; b: Float64Array } {
  const D = d + 1;
  const W = new Float64Array(d * C);
  const b = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    for (let j = 0; j < d; j++) W[j * C + c] = theta[c * D + j]!;
    b[c] = theta[c * D + d]!;
  }
  return { W, b };
}

/** Rows handled together: each weight loaded serves four rows, each gradient store adds four products. */
const ROWS = 4;

/**
 * The objective f(θ) = mean_i CE(softmax(x_i·W + b), y_i) + λ/2·‖W‖² and its gradient into `g`
 * (the bias is not penalised): the addon's float64 kernel (native/hgc_probe.c) where it is built,
 * else objectiveJs. The two agree to float64 rounding (~1e-15 relative; they sum in other orders),
 * and each gives the same bits on every run, one thread or two.
 */
export function objective(p: Problem, theta: Float64Array, l2: number, g: Float64Array): number {
  const native = evaluationKernels();
  return native ? native.probeObjective(p.x, p.y, p.n, p.d, p.C, theta, l2, g) : objectiveJs(p, theta, l2, g);
}

/**
 * The objective in plain JS: one pass over the rows, four at a time: logits, softmax, then the
 * gradient Xᵀ(P − Y).
 */
export function objectiveJs(p: Problem, theta: Float64Array, l2: number, g: Float64Array): number {
  const { x, y, n, d, C } = p;
  const D = d + 1;
  g.fill(0);
  const z = new Float64Array(ROWS * C);
  let loss = 0;
  for (let i0 = 0; i0 < n; i0 += ROWS) {
    const m = Math.min(ROWS, n - i0);
    const o0 = i0 * d;
    // Logits; rows past the end of a short last block reuse row i0 and are ignored.
    const o1 = m > 1 ? o0 + d : o0;
    const o2 = m > 2 ? o0 + 2 * d : o0;
    const o3 = m > 3 ? o0 + 3 * d : o0;
    for (let c = 0; c < C; c++) {
      const wo = c * D;
      const bias = theta[wo + d]!;
      let s0 = bias;
      let s1 = bias;
      let s2 = bias;
      let s3 = bias;
      for (let j = 0; j < d; j++) {
        const w = theta[wo + j]!;
        s0 += x[o0 + j]! * w;
        s1 += x[o1 + j]! * w;
        s2 += x[o2 + j]! * w;
        s3 += x[o3 + j]! * w;
      }
      z[c] = s0;
      z[C + c] = s1;
      z[2 * C + c] = s2;
      z[3 * C + c] = s3;
    }
    // Softmax, loss, and the residual p − onehot(y) = ∂CE/∂logits (zero for the unused rows).
    for (let t = 0; t < ROWS; t++) {
      const zo = t * C;
      if (t >= m) {
        for (let c = 0; c < C; c++) z[zo + c] = 0;
        continue;
      }
      let max = -Infinity;
      for (let c = 0; c < C; c++) if (z[zo + c]! > max) max = z[zo + c]!;
      let sum = 0;
      for (let c = 0; c < C; c++) {
        const e = Math.exp(z[zo + c]! - max);
        z[zo + c] = e;
        sum += e;
      }
      const yi = y[i0 + t]!;
      // −log softmax_y = log Σ exp(z − max) − (z_y − max); z[yi] holds exp(z_y − max) now.
      loss += Math.log(sum) - Math.log(z[zo + yi]!);
      for (let c = 0; c < C; c++) z[zo + c]! /= sum;
      z[zo + yi]! -= 1;
    }
    for (let c = 0; c < C; c++) {
      const wo = c * D;
      const r0 = z[c]!;
      const r1 = z[C + c]!;
      const r2 = z[2 * C + c]!;
      const r3 = z[3 * C + c]!;
      for (let j = 0; j < d; j++) g[wo + j]! += r0 * x[o0 + j]! + r1 * x[o1 + j]! + r2 * x[o2 + j]! + r3 * x[o3 + j]!;
      g[wo + d]! += r0 + r1 + r2 + r3;
    }
  }
  let reg = 0;
  for (let c = 0; c < C; c++) {
    const wo = c * D;
    for (let j = 0; j < d; j++) {
      const w = theta[wo + j]!;
      reg += w * w;
      g[wo + j] = g[wo + j]! / n + l2 * w;
    }
    g[wo + d] = g[wo + d]! / n;
  }
  return loss / n + 0.5 * l2 * reg;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * L-BFGS (Nocedal & Wright, Alg. 7.4/7.5) with a backtracking Armijo line search. The objective
 * is strictly convex for λ > 0, so every accepted step has sᵀy > 0 and the curvature pairs stay
 * valid; a pair that is numerically not positive is skipped.
 */
export function lbfgs(p: Problem, l2: number, maxIter: number, start?: Float64Array): { theta: Float64Array; convergence: Convergence } {
  const N = (p.d + 1) * p.C;
  const theta = start ? Float64Array.from(start) : new Float64Array(N);
  const g = new Float64Array(N);
  let f = objective(p, theta, l2, g);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const dir = new Float64Array(N);
  const alpha = new Float64Array(MEMORY);
  const next = new Float64Array(N);
  const gNext = new Float64Array(N);
  let gnorm = Math.sqrt(dot(g, g));
  let it = 0;
  while (gnorm > GRAD_TOL && it < maxIter) {
    // Two-loop recursion: dir = −H·g.
    for (let i = 0; i < N; i++) dir[i] = -g[i]!;
    for (let k = S.length - 1; k >= 0; k--) {
      const a = rho[k]! * dot(S[k]!, dir);
      alpha[k] = a;
      const yk = Y[k]!;
      for (let i = 0; i < N; i++) dir[i]! -= a * yk[i]!;
    }
    if (S.length) {
      const last = S.length - 1;
      const gamma = dot(S[last]!, Y[last]!) / dot(Y[last]!, Y[last]!);
      for (let i = 0; i < N; i++) dir[i]! *= gamma;
    }
    for (let k = 0; k < S.length; k++) {
      const beta = rho[k]! * dot(Y[k]!, dir);
      const sk = S[k]!;
      const a = alpha[k]!;
      for (let i = 0; i < N; i++) dir[i]! += (a - beta) * sk[i]!;
    }
    let slope = dot(g, dir);
    if (!(slope < 0)) {
      // Not a descent direction (round-off): restart from steepest descent.
      S.length = Y.length = rho.length = 0;
      for (let i = 0; i < N; i++) dir[i] = -g[i]!;
      slope = -gnorm * gnorm;
    }
    // The first step of a fresh memory is scaled to length 1; later ones try the full quasi-Newton step.
    let step = S.length ? 1 : Math.min(1, 1 / gnorm);
    let fNext = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < N; i++) next[i] = theta[i]! + step * dir[i]!;
      fNext = objective(p, next, l2, gNext);
      if (fNext <= f + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(fNext < f)) break; // no decrease left at machine precision
    const s = new Float64Array(N);
    const yv = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      s[i] = next[i]! - theta[i]!;
      yv[i] = gNext[i]! - g[i]!;
    }
    const sy = dot(s, yv);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(yv, yv))) {
      if (S.length === MEMORY) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(yv);
      rho.push(1 / sy);
    }
    theta.set(next);
    g.set(gNext);
    f = fNext;
    gnorm = Math.sqrt(dot(g, g));
    it++;
  }
  return { theta, convergence: { iterations: it, gradNorm: gnorm, loss: f, converged: gnorm <= GRAD_TOL } };
}

/** Accuracy and mean cross-entropy of θ on a (standardised) held-out problem. */
function heldOutScore(p: Problem, theta: Float64Array): { accuracy: number; loss: number } {
  const { x, y, n, d, C } = p;
  const D = d + 1;
  const z = new Float64Array(C);
  let correct = 0;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < C; c++) {
      let s = theta[c * D + d]!;
      for (let j = 0; j < d; j++) s += x[i * d + j]! * theta[c * D + j]!;
      z[c] = s;
    }
    let best = 0;
    let max = -Infinity;
    for (let c = 0; c < C; c++) {
      if (z[c]! > max) max = z[c]!;
      if (z[c]! > z[best]!) best = c;
    }
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(z[c]! - max);
    loss += Math.log(sum) - (z[y[i]!]! - max);
    if (best === y[i]) correct++;
  }
  return { accuracy: correct / n, loss: loss / n };
}

/** Class probabilities, [n, classes] row-major. */
export function probeProbabilities(probe: LinearProbe, features: FeatureMatrix): Float64Array {
  if (features.width !== probe.width) throw new Error(`linear probe: features of width ${features.width}, but the probe reads ${probe.width}`);
  const { mean, std } = probe.standardizer;
  const C = probe.classes;
  const d = probe.width;
  const out = new Float64Array(features.n * C);
  const xs = new Float64Array(d);
  for (let i = 0; i < features.n; i++) {
    for (let j = 0; j < d; j++) xs[j] = (features.data[i * d + j]! - mean[j]!) / std[j]!;
    const o = i * C;
    for (let c = 0; c < C; c++) out[o + c] = probe.bias[c]!;
    for (let j = 0; j < d; j++) {
      const xv = xs[j]!;
      for (let c = 0; c < C; c++) out[o + c]! += xv * probe.weights[j * C + c]!;
    }
    let max = -Infinity;
    for (let c = 0; c < C; c++) if (out[o + c]! > max) max = out[o + c]!;
    let sum = 0;
    for (let c = 0; c < C; c++) {
      out[o + c] = Math.exp(out[o + c]! - max);
      sum += out[o + c]!;
    }
    for (let c = 0; c < C; c++) out[o + c]! /= sum;
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

/** For tests: a Problem from plain arrays (already standardised or not; no standardisation here). */
export function rawProblem(x: Float64Array, y: Int32Array, d: number, C: number): Problem {
  return { x, y, n: y.length, d, C };
}

/** How a probe was fitted, as result.json's `probes` lists it (one entry per probe, by metric prefix). */
export interface ProbeReport extends Convergence {
  /** The L2 strength chosen on held-out data. */
  l2: number;
  /** Where L2 (and a block of `.layers`) was chosen: the `val:` set, or a tenth of `train:` held out. */
  heldOut: "val" | "train_tenth";
  /** Accuracy on that held-out data at the chosen L2 (and block). */
  heldOutAccuracy: number | null;
  /** The block chosen (1-based), for a probe over `.layers`. */
  layer?: number;
}

/**
 * A probe over one of several candidate feature sets (the blocks of `.layers`; a single set is
 * the usual case): L2 and the candidate are chosen together on held-out data (best accuracy,
 * ties to the earlier candidate), then the probe is refitted on the whole training set.
 * `val`, when given, holds one matrix per candidate, rows matching `val.labels`.
 */
export function fitBestProbe(
  candidates: readonly FeatureMatrix[],
  labels: ArrayLike<number>,
  classes: number,
  opts: { seed: number; val?: { xs: readonly FeatureMatrix[]; labels: ArrayLike<number> }; maxIter?: number },
): { probe: LinearProbe; index: number; report: ProbeReport } {
  if (candidates.length === 0) throw new Error("linear probe: no features to probe");
  let best: { index: number; l2: number; accuracy: number; standardizer: Standardizer; theta: Float64Array } | null = null;
  for (let i = 0; i < candidates.length; i++) {
    const x = candidates[i]!;
    checkLabels(x, labels, classes);
    const standardizer = fitStandardizer(x);
    const val = opts.val ? { x: opts.val.xs[i]!, labels: opts.val.labels } : undefined;
    const c = chooseL2(x, labels, classes, standardizer, { seed: opts.seed, ...(val ? { val } : {}), ...(opts.maxIter ? { maxIter: opts.maxIter } : {}) });
    if (!best || c.accuracy > best.accuracy) best = { index: i, l2: c.l2, accuracy: c.accuracy, standardizer, theta: c.theta };
  }
  const x = candidates[best!.index]!;
  const probe = solveProbe(problem(x, labels, classes, best!.standardizer), best!.standardizer, best!.l2, opts.maxIter ?? MAX_ITER, best!.theta);
  const report: ProbeReport = {
    ...probe.convergence,
    l2: probe.l2,
    heldOut: opts.val ? "val" : "train_tenth",
    heldOutAccuracy: best!.accuracy,
  };
  return { probe, index: best!.index, report };
}
