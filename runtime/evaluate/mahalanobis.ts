// The Mahalanobis OOD score (Lee et al., 2018): class-conditional Gaussians with one shared
// covariance, fitted on the training features; a query scores the negative of its smallest
// squared Mahalanobis distance to a class mean, so higher means more in-distribution.
import type { FeatureMatrix } from "./features.js";

/** Ridge added to the covariance's diagonal, relative to its mean variance (keeps it invertible). */
export const MAHALANOBIS_RIDGE = 1e-3;

export interface GaussianModel {
  width: number;
  classes: number;
  /** [classes, width] class means. */
  means: Float64Array;
  /** Lower Cholesky factor of the shared covariance (+ ridge), [width, width]. */
  chol: Float64Array;
}

export function fitGaussians(train: FeatureMatrix, labels: ArrayLike<number>, classes: number, ridge = MAHALANOBIS_RIDGE): GaussianModel {
  const { data, n, width: d } = train;
  if (labels.length !== n) throw new Error("mahalanobis: one label per training feature");
  const means = new Float64Array(classes * d);
  const counts = new Float64Array(classes);
  for (let i = 0; i < n; i++) {
    const c = labels[i]!;
    counts[c]! += 1;
    for (let j = 0; j < d; j++) means[c * d + j]! += data[i * d + j]!;
  }
  for (let c = 0; c < classes; c++) if (counts[c]! > 0) for (let j = 0; j < d; j++) means[c * d + j]! /= counts[c]!;
  const cov = new Float64Array(d * d);
  const diff = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const c = labels[i]!;
    for (let j = 0; j < d; j++) diff[j] = data[i * d + j]! - means[c * d + j]!;
    for (let a = 0; a < d; a++) {
      const da = diff[a]!;
      if (da === 0) continue;
      for (let b2 = 0; b2 <= a; b2++) cov[a * d + b2]! += da * diff[b2]!;
    }
  }
  let trace = 0;
  for (let a = 0; a < d; a++) {
    for (let b2 = 0; b2 <= a; b2++) {
      cov[a * d + b2]! /= n;
      cov[b2 * d + a] = cov[a * d + b2]!;
    }
    trace += cov[a * d + a]!;
  }
  const lambda = ridge * (trace / d) + 1e-9;
  for (let a = 0; a < d; a++) cov[a * d + a]! += lambda;
  // Present classes only: a class with no training feature has no mean to measure from.
  const present: number[] = [];
  for (let c = 0; c < classes; c++) if (counts[c]! > 0) present.push(c);
  const kept = new Float64Array(present.length * d);
  present.forEach((c, r) => kept.set(means.subarray(c * d, (c + 1) * d), r * d));
  return { width: d, classes: present.length, means: kept, chol: cholesky(cov, d) };
}

/** −min_c (x − μ_c)ᵀ Σ⁻¹ (x − μ_c) for every row. */
export function mahalanobisScore(model: GaussianModel, query: FeatureMatrix): Float64Array {
  const d = model.width;
  if (query.width !== d) throw new Error(`mahalanobis: query width ${query.width} but the model has ${d}`);
  const out = new Float64Array(query.n);
  const z = new Float64Array(d);
  for (let i = 0; i < query.n; i++) {
    let best = Infinity;
    for (let c = 0; c < model.classes; c++) {
      // Forward substitution L z = x − μ; the squared distance is |z|².
      let dist = 0;
      for (let a = 0; a < d; a++) {
        let s = query.data[i * d + a]! - model.means[c * d + a]!;
        for (let k = 0; k < a; k++) s -= model.chol[a * d + k]! * z[k]!;
        z[a] = s / model.chol[a * d + a]!;
        dist += z[a]! * z[a]!;
      }
      if (dist < best) best = dist;
    }
    out[i] = -best;
  }
  return out;
}

/** Cholesky factor L (lower) of a symmetric positive-definite d×d matrix. */
export function cholesky(a: Float64Array, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j]!;
      for (let k = 0; k < j; k++) s -= l[i * d + k]! * l[j * d + k]!;
      if (i === j) {
        if (!(s > 0)) throw new Error("mahalanobis: the covariance is not positive definite");
        l[i * d + i] = Math.sqrt(s);
      } else {
        l[i * d + j] = s / l[j * d + j]!;
      }
    }
  }
  return l;
}
