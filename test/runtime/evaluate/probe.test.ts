import { describe, expect, it } from "vitest";
import { matrix } from "../../../runtime/evaluate/features.js";
import { fitStandardizer } from "../../../runtime/evaluate/features.js";
import { fitBestProbe, fitProbe, GRAD_TOL, L2_GRID, lbfgs, objective, probeProbabilities, rawProblem, scoreProbe, trainProbe } from "../../../runtime/evaluate/probe.js";
import { Rng } from "../../../runtime/rng.js";

/** n points of `classes` gaussian blobs in `width` dimensions, centres `spread` apart, shifted and scaled per feature. */
function blobs(n: number, classes: number, width: number, spread: number, seed: number) {
  const rng = new Rng(seed);
  const centres = Array.from({ length: classes }, () => Array.from({ length: width }, () => spread * rng.normal()));
  const data = new Float32Array(n * width);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    labels[i] = c;
    // Features on wildly different scales and offsets: standardisation has to undo them.
    for (let j = 0; j < width; j++) data[i * width + j] = (centres[c]![j]! + rng.normal()) * (j + 1) * 10 + 500 * j;
  }
  return { x: matrix(data, n), labels };
}

describe("linear probe", () => {
  it("reaches high accuracy on linearly separable features", () => {
    const train = blobs(400, 4, 8, 3, 1);
    const probe = trainProbe(train.x, train.labels, 4, { seed: 7 });
    const onTrain = scoreProbe(probe, train.x, train.labels);
    expect(onTrain.accuracy).toBeGreaterThan(0.95);
    expect(onTrain.ece).toBeGreaterThanOrEqual(0);
    expect(onTrain.ece).toBeLessThan(0.1);
  });

  it("generalises to held-out points of the same classes", () => {
    const all = blobs(600, 3, 6, 2.5, 5);
    const idx = (from: number, to: number) => {
      const d = all.x.data.slice(from * 6, to * 6);
      return { x: matrix(d, to - from), labels: all.labels.slice(from, to) };
    };
    const train = idx(0, 400);
    const test = idx(400, 600);
    const probe = trainProbe(train.x, train.labels, 3, { seed: 1 });
    expect(scoreProbe(probe, test.x, test.labels).accuracy).toBeGreaterThan(0.9);
  });

  it("scores chance on features that carry no label information", () => {
    const rng = new Rng(11);
    const n = 600;
    const x = matrix(Float32Array.from({ length: n * 4 }, () => rng.normal()), n);
    const labels = Int32Array.from({ length: n }, () => rng.int(2));
    const probe = trainProbe(matrix(x.data.slice(0, 400 * 4), 400), labels.slice(0, 400), 2, { seed: 1 });
    const acc = scoreProbe(probe, matrix(x.data.slice(400 * 4), 200), labels.slice(400)).accuracy;
    expect(acc).toBeGreaterThan(0.35);
    expect(acc).toBeLessThan(0.65);
  });

  it("is deterministic: the same features and seed give the same probe", () => {
    const { x, labels } = blobs(300, 3, 5, 1, 4);
    const a = fitProbe(x, labels, 3, { seed: 1 });
    const b = fitProbe(x, labels, 3, { seed: 1 });
    expect(Array.from(a.probe.weights)).toEqual(Array.from(b.probe.weights));
    expect(a.selection.map((s) => s.l2)).toEqual([...L2_GRID]);
    expect(L2_GRID).toContain(a.probe.l2);
    expect(a.probe.convergence.converged).toBe(true);
    expect(a.probe.convergence.gradNorm).toBeLessThanOrEqual(GRAD_TOL);
  });

  it("outputs a probability distribution for every row", () => {
    const { x, labels } = blobs(90, 3, 4, 2, 9);
    const p = probeProbabilities(trainProbe(x, labels, 3, { seed: 1 }), x);
    for (let i = 0; i < 90; i++) expect(p[i * 3]! + p[i * 3 + 1]! + p[i * 3 + 2]!).toBeCloseTo(1, 9);
  });

  it("chooses the L2 strength on held-out data: a given val set is used as given", () => {
    const all = blobs(500, 3, 6, 1.2, 21);
    const part = (from: number, to: number) => ({ x: matrix(all.x.data.slice(from * 6, to * 6), to - from), labels: all.labels.slice(from, to) });
    const train = part(0, 300);
    const val = part(300, 500);
    const fit = fitProbe(train.x, train.labels, 3, { seed: 1, val });
    // The chosen strength is the one with the best accuracy on val, ties to the lower val loss.
    const best = Math.max(...fit.selection.map((s) => s.accuracy));
    const ties = fit.selection.filter((s) => s.accuracy === best);
    expect(fit.heldOutAccuracy).toBe(best);
    expect(fit.probe.l2).toBe(ties.reduce((a, b) => (b.loss < a.loss ? b : a)).l2);
  });

  it("picks the candidate feature set (block) that carries the labels", () => {
    const signal = blobs(300, 3, 4, 3, 2);
    const rng = new Rng(3);
    const noise = matrix(Float32Array.from({ length: 300 * 4 }, () => rng.normal()), 300);
    const fit = fitBestProbe([noise, signal.x, noise], signal.labels, 3, { seed: 1 });
    expect(fit.index).toBe(1);
    expect(fit.report.heldOut).toBe("train_tenth");
    expect(fit.report.converged).toBe(true);
  });
});

/**
 * An independent reference: Newton's method on the same objective (mean cross-entropy + λ/2‖W‖²,
 * bias unpenalised), with the full Hessian solved by Gaussian elimination in float64.
 */
function newton(x: Float64Array, y: Int32Array, n: number, d: number, C: number, l2: number): { theta: Float64Array; loss: number } {
  const D = d + 1; // features + a constant 1 for the bias
  const N = D * C; // θ indexed c·D + j with j = d the bias — the probe's layout
  const theta = new Float64Array(N);
  const feat = (i: number, j: number) => (j === d ? 1 : x[i * d + j]!);
  const lossAt = (t: Float64Array): number => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      const z = Array.from({ length: C }, (_, c) => {
        let s = 0;
        for (let j = 0; j < D; j++) s += feat(i, j) * t[c * D + j]!;
        return s;
      });
      const m = Math.max(...z);
      f += Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0)) + m - z[y[i]!]!;
    }
    let r = 0;
    for (let c = 0; c < C; c++) for (let j = 0; j < d; j++) r += t[c * D + j]! ** 2;
    return f / n + 0.5 * l2 * r;
  };
  for (let it = 0; it < 50; it++) {
    const g = new Float64Array(N);
    const H = Array.from({ length: N }, () => new Float64Array(N));
    for (let i = 0; i < n; i++) {
      const z = Array.from({ length: C }, (_, c) => {
        let s = 0;
        for (let j = 0; j < D; j++) s += feat(i, j) * theta[c * D + j]!;
        return s;
      });
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const sum = e.reduce((a, v) => a + v, 0);
      const p = e.map((v) => v / sum);
      for (let j = 0; j < D; j++)
        for (let c = 0; c < C; c++) {
          g[c * D + j]! += (feat(i, j) * (p[c]! - (c === y[i] ? 1 : 0))) / n;
          for (let k = 0; k < D; k++)
            for (let c2 = 0; c2 < C; c2++) H[c * D + j]![c2 * D + k]! += (feat(i, j) * feat(i, k) * ((c === c2 ? p[c]! : 0) - p[c]! * p[c2]!)) / n;
        }
    }
    for (let c = 0; c < C; c++)
      for (let j = 0; j < d; j++) {
        g[c * D + j]! += l2 * theta[c * D + j]!;
        H[c * D + j]![c * D + j]! += l2;
      }
    // The bias is only defined up to a constant shift (a null direction of H, orthogonal to g).
    for (let k = 0; k < N; k++) H[k]![k]! += 1e-12;
    const step = solve(H, g);
    for (let k = 0; k < N; k++) theta[k]! -= step[k]!;
    if (Math.sqrt(g.reduce((a, v) => a + v * v, 0)) < 1e-13) break;
  }
  return { theta, loss: lossAt(theta) };
}

function solve(A: Float64Array[], b: Float64Array): Float64Array {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[piv]![c]!)) piv = r;
    [M[c], M[piv]] = [M[piv]!, M[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r]![c]! / M[c]![c]!;
      for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  return Float64Array.from({ length: n }, (_, i) => M[i]![n]! / M[i]![i]!);
}

describe("the probe's solver (L-BFGS) against an independent reference (Newton)", () => {
  for (const l2 of [1e-1, 1e-3]) {
    it(`reaches the same minimum to 1e-4 in the loss at λ = ${l2}`, () => {
      // A fixed, overlapping problem: 3 classes of 4-d gaussians, standardised as the probe does.
      const { x: m, labels } = blobs(150, 3, 4, 1.5, 31);
      const s = fitStandardizer(m);
      const x = Float64Array.from(m.data, (v, k) => (v - s.mean[k % 4]!) / s.std[k % 4]!);
      const y = Int32Array.from(labels);
      const ref = newton(x, y, 150, 4, 3, l2);
      const r = lbfgs(rawProblem(x, y, 4, 3), l2, 500);
      expect(r.convergence.converged).toBe(true);
      expect(Math.abs(r.convergence.loss - ref.loss)).toBeLessThan(1e-4);
      // And the reference's loss is the probe's objective at the reference's weights (same function).
      expect(objective(rawProblem(x, y, 4, 3), ref.theta, l2, new Float64Array(ref.theta.length))).toBeCloseTo(ref.loss, 10);
      // The weights agree too (the bias, at k = c·5 + 4, only up to its free constant shift).
      for (let k = 0; k < 5 * 3; k++) if (k % 5 !== 4) expect(r.theta[k]!).toBeCloseTo(ref.theta[k]!, 3);
    });
  }
});
