// The evaluation protocols' native paths against their plain-JS fallbacks: the probe's float64
// objective (native/hgc_probe.c) and the kNN's GEMM screen (features.ts). Where the addon is not
// built these tests are skipped and the reason printed.
import { afterEach, describe, expect, it } from "vitest";
import { type FeatureMatrix, matrix, nearestByCosine } from "../../../runtime/evaluate/features.js";
import { fitProbe, objective, objectiveJs, rawProblem, scoreProbe } from "../../../runtime/evaluate/probe.js";
import { configureGemm, evaluationKernels, gemmInfo } from "../../../runtime/kernels/index.js";
import { Rng } from "../../../runtime/rng.js";

const kernels = evaluationKernels();
if (!kernels) process.stderr.write("native evaluation tests skipped: the addon is not built (or HGC_NATIVE=0)\n");
const native = it.skipIf(!kernels);
const threads = gemmInfo()?.threads ?? 1;

afterEach(() => {
  delete process.env.HGC_NATIVE;
  if (kernels) configureGemm({ threads });
});

/** Run `f` with the addon switched off (the plain-JS fallbacks). */
function plain<T>(f: () => T): T {
  process.env.HGC_NATIVE = "0";
  try {
    return f();
  } finally {
    delete process.env.HGC_NATIVE;
  }
}

function randomProblem(n: number, d: number, C: number, rng: Rng) {
  const x = Float64Array.from({ length: n * d }, () => rng.normal(0, 1.5));
  const y = Int32Array.from({ length: n }, () => rng.int(C));
  const theta = Float64Array.from({ length: (d + 1) * C }, () => rng.normal(0, 0.3));
  return { p: rawProblem(x, y, d, C), theta };
}

function maxRelative(a: Float64Array, b: Float64Array): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return err / scale;
}

describe("native probe objective", () => {
  native("agrees with the JS objective to 1e-12 on odd sizes", () => {
    const rng = new Rng(11);
    for (const d of [1, 3, 64, 65, 784])
      for (const C of [2, 10])
        for (const n of [1, 7, 333]) {
          const { p, theta } = randomProblem(n, d, C, rng);
          const gn = new Float64Array(theta.length);
          const gj = new Float64Array(theta.length);
          const fn = objective(p, theta, 0.01, gn);
          const fj = objectiveJs(p, theta, 0.01, gj);
          expect(Math.abs(fn - fj) / Math.abs(fj), `loss d=${d} C=${C} n=${n}`).toBeLessThan(1e-12);
          expect(maxRelative(gn, gj), `gradient d=${d} C=${C} n=${n}`).toBeLessThan(1e-12);
        }
  });

  native("gives the same bits on one thread and on two", () => {
    const { p, theta } = randomProblem(5003, 65, 10, new Rng(5));
    const g1 = new Float64Array(theta.length);
    const g2 = new Float64Array(theta.length);
    configureGemm({ threads: 1 });
    const f1 = objective(p, theta, 1e-3, g1);
    configureGemm({ threads: 2 });
    const f2 = objective(p, theta, 1e-3, g2);
    expect(f2).toBe(f1);
    expect(Array.from(g2)).toEqual(Array.from(g1));
  });

  native("fits the same probe as the JS objective", () => {
    const rng = new Rng(3);
    const n = 600;
    const d = 20;
    const data = new Float32Array(n * d);
    const labels = new Int32Array(n);
    const centres = Array.from({ length: 5 }, () => Array.from({ length: d }, () => rng.normal()));
    for (let i = 0; i < n; i++) {
      labels[i] = i % 5;
      for (let j = 0; j < d; j++) data[i * d + j] = centres[i % 5]![j]! + 1.5 * rng.normal();
    }
    const x = matrix(data, n);
    const fast = fitProbe(x, labels, 5, { seed: 1 });
    const slow = plain(() => fitProbe(x, labels, 5, { seed: 1 }));
    expect(fast.probe.l2).toBe(slow.probe.l2);
    expect(fast.selection.map((s) => s.accuracy)).toEqual(slow.selection.map((s) => s.accuracy));
    expect(fast.probe.convergence.converged).toBe(true);
    expect(fast.probe.convergence.loss).toBeCloseTo(slow.probe.convergence.loss, 9);
    expect(scoreProbe(fast.probe, x, labels).accuracy).toBe(scoreProbe(slow.probe, x, labels).accuracy);
  });
});

describe("native kNN screen", () => {
  /** Random rows with exact duplicates and a zero row, so ties and equal similarities occur. */
  function rows(n: number, w: number, rng: Rng): FeatureMatrix {
    const data = new Float32Array(n * w);
    for (let i = 0; i < n; i++) {
      if (i % 7 === 3) data.copyWithin(i * w, (i - 3) * w, (i - 2) * w);
      else if (i !== 5) for (let j = 0; j < w; j++) data[i * w + j] = Math.round(rng.normal() * 4) / 4;
    }
    return matrix(data, n);
  }

  native("finds the same neighbours, similarities and tie order as the plain loops", () => {
    const rng = new Rng(9);
    for (const [nq, nb, w, k] of [
      [37, 501, 3, 20],
      [70, 300, 64, 5],
      [9, 40, 65, 60],
    ] as const) {
      const query = rows(nq, w, rng);
      const base = rows(nb, w, rng);
      const fast = nearestByCosine(query, base, k);
      const slow = plain(() => nearestByCosine(query, base, k));
      expect(fast.k).toBe(slow.k);
      expect(Array.from(fast.index)).toEqual(Array.from(slow.index));
      expect(Array.from(fast.similarity)).toEqual(Array.from(slow.similarity));
    }
  });
});
