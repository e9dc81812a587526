// The native BLAS kernels against the wasm backend's own: same products within float32 rounding,
// same training step. Where the addon is not built or no BLAS library is found, the equality
// tests are skipped and the reason printed; the fallback itself is tested in fallback.test.ts.
import { afterAll, describe, expect, it } from "vitest";
import { selectBackend, tf } from "../../../runtime/backend.js";
import { loadDataset } from "../../../runtime/data/index.js";
import { batchOffsets, nativeKernels, registerNativeKernels, unregisterNativeKernels } from "../../../runtime/kernels/index.js";
import { Model } from "../../../runtime/model.js";
import { Rng } from "../../../runtime/rng.js";
import { Trainer } from "../../../runtime/train.js";
import { tinyIr } from "../fixtures.js";

await selectBackend("wasm");
const probe = registerNativeKernels();
unregisterNativeKernels();
if (!probe.enabled) process.stderr.write(`native kernel equality tests skipped: ${probe.reason}\n`);
const native = it.skipIf(!probe.enabled);

afterAll(() => unregisterNativeKernels());

function random(shape: number[], rng: Rng): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(size);
  for (let i = 0; i < size; i++) v[i] = rng.normal(0, 1);
  return tf.tensor(v, shape, "float32");
}

/** a·b in float64 from the values, with numpy broadcasting of the leading dims. */
function reference(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean): { values: Float64Array; scale: Float64Array; shape: number[] } {
  const av = a.dataSync();
  const bv = b.dataSync();
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = ta ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = ta ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const n = tb ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const aOff = batchOffsets(outer, a.shape.slice(0, -2), 0, m * k);
  const bOff = batchOffsets(outer, b.shape.slice(0, -2), 0, k * n);
  const values = new Float64Array(aOff.length * m * n);
  const scale = new Float64Array(values.length);
  for (let t = 0; t < aOff.length; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        let abs = 0;
        for (let p = 0; p < k; p++) {
          const x = av[aOff[t]! + (ta ? p * m + i : i * k + p)]!;
          const y = bv[bOff[t]! + (tb ? j * k + p : p * n + j)]!;
          s += x * y;
          abs += Math.abs(x * y);
        }
        values[(t * m + i) * n + j] = s;
        scale[(t * m + i) * n + j] = abs;
      }
    }
  }
  return { values, scale, shape: [...outer, m, n] };
}

/** Every entry within float32 rounding of a k-term sum: |x − ref| ≤ 1e-6·k·Σ|terms| + 1e-6. */
function expectClose(got: tf.Tensor, ref: { values: Float64Array; scale: Float64Array; shape: number[] }, k: number, what: string): void {
  expect(got.shape, what).toEqual(ref.shape);
  const g = got.dataSync();
  let worst = 0;
  for (let i = 0; i < g.length; i++) {
    const err = Math.abs(g[i]! - ref.values[i]!) - (1e-6 * Math.max(k, 8) * ref.scale[i]! + 1e-6);
    worst = Math.max(worst, err);
  }
  expect(worst, what).toBeLessThanOrEqual(0);
}

// [a shape, b shape, transposeA, transposeB]: the products of a Transformer's training step, and
// every transpose and broadcast form.
const CASES: [number[], number[], boolean, boolean][] = [
  [[7, 5], [5, 3], false, false],
  [[5, 7], [5, 3], true, false],
  [[7, 5], [3, 5], false, true],
  [[5, 7], [3, 5], true, true],
  [[130, 64], [64, 192], false, false],
  [[130, 64], [130, 192], true, false],
  [[130, 192], [64, 192], false, true],
  [[2, 4, 17, 16], [2, 4, 16, 17], false, false],
  [[2, 4, 17, 16], [2, 4, 17, 16], false, true],
  [[2, 4, 17, 17], [2, 4, 17, 16], true, false],
  [[2, 4, 16, 17], [2, 4, 17, 16], true, true],
  [[3, 9, 6], [6, 4], false, false],
  [[9, 6], [3, 6, 4], false, false],
  [[1, 9, 6], [3, 4, 6], false, true],
  [[2, 1, 5, 6], [1, 3, 6, 4], false, false],
  [[2, 1, 6, 5], [3, 4, 6], true, true],
  [[1, 1], [1, 1], false, false],
  [[0, 4], [4, 3], false, false],
  [[3, 0], [0, 2], false, false],
];

describe("native BatchMatMul", () => {
  native("matches a float64 product and the wasm kernel on every transpose and broadcast form", () => {
    const rng = new Rng("native-matmul");
    for (const [as, bs, ta, tb] of CASES) {
      const a = random(as, rng);
      const b = random(bs, rng);
      const k = ta ? as[as.length - 2]! : as[as.length - 1]!;
      const ref = reference(a, b, ta, tb);
      unregisterNativeKernels();
      const plain = tf.matMul(a, b, ta, tb);
      expect(registerNativeKernels().enabled).toBe(true);
      const fast = tf.matMul(a, b, ta, tb);
      const what = `[${as}]${ta ? "ᵀ" : ""}·[${bs}]${tb ? "ᵀ" : ""}`;
      expectClose(fast, ref, k, `native ${what}`);
      // The wasm kernel broadcasts only a batch of one against the other operand's batch, and
      // leaves its output unwritten when k = 0.
      const batchA = as.slice(0, -2).reduce((s, d) => s * d, 1);
      const batchB = bs.slice(0, -2).reduce((s, d) => s * d, 1);
      if ((batchA === batchB || batchA === 1 || batchB === 1) && k > 0) {
        expect(fast.shape).toEqual(plain.shape);
        expectClose(plain, ref, k, `wasm ${what}`);
      }
      tf.dispose([a, b, plain, fast]);
    }
  });

  native("gives the wasm kernel's gradients through tf.grads", () => {
    const rng = new Rng("native-grad");
    const a = random([3, 20, 12], rng);
    const b = random([3, 12, 9], rng);
    const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y)));
    unregisterNativeKernels();
    const plain = tf.grads(f)([a, b]);
    registerNativeKernels();
    const fast = tf.grads(f)([a, b]);
    for (let i = 0; i < 2; i++) {
      const p = plain[i]!.dataSync();
      const q = fast[i]!.dataSync();
      const scale = Math.max(...Array.from(p, Math.abs));
      for (let j = 0; j < p.length; j++) expect(Math.abs(p[j]! - q[j]!)).toBeLessThanOrEqual(1e-5 * scale);
    }
    tf.dispose([a, b, ...plain, ...fast]);
  });

  native("is idempotent and leaves no tensors behind", () => {
    const first = registerNativeKernels();
    const again = registerNativeKernels();
    expect(again).toEqual(first);
    expect(first.kernels).toEqual([expect.stringMatching(/^BatchMatMul \(/)]);
    expect(nativeKernels()?.enabled).toBe(true);
    const rng = new Rng("native-leak");
    const a = random([4, 8, 8], rng);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.matMul(a, a, false, true);
    });
    expect(tf.memory().numTensors).toBe(before);
    a.dispose();
  });

  native("trains a small model to the same losses as the wasm kernels", async () => {
    const steps = 4;
    const run = async (): Promise<number[][]> => {
      const ir = tinyIr({ steps });
      const data = await loadDataset(ir.datasets.train!);
      const model = new Model(ir, 1);
      const trainer = new Trainer(ir, model, data, 1, steps);
      const out: number[][] = [];
      try {
        for (let i = 0; i < steps; i++) {
          const r = await trainer.trainStep();
          out.push([r.objective, r.losses.gen!, r.losses.con!, r.gradNorm]);
        }
      } finally {
        trainer.dispose();
        model.dispose();
      }
      return out;
    };
    unregisterNativeKernels();
    const plain = await run();
    registerNativeKernels();
    const fast = await run();
    for (let s = 0; s < steps; s++) {
      for (let j = 0; j < 4; j++) expect(Math.abs(fast[s]![j]! - plain[s]![j]!)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(plain[s]![j]!)));
    }
  });
});

describe("registerNativeKernels", () => {
  it("does nothing on a backend other than wasm and says so", async () => {
    unregisterNativeKernels();
    await selectBackend("cpu");
    try {
      const r = registerNativeKernels();
      expect(r).toEqual({ enabled: false, kernels: [], reason: expect.stringContaining("the backend is cpu") });
    } finally {
      await selectBackend("wasm");
    }
  });

  it("does nothing when HGC_NATIVE=0", () => {
    unregisterNativeKernels();
    const original = tf.getKernel("BatchMatMul", "wasm")!.kernelFunc;
    process.env.HGC_NATIVE = "0";
    try {
      expect(registerNativeKernels()).toEqual({ enabled: false, kernels: [], reason: "disabled by HGC_NATIVE=0" });
      expect(tf.getKernel("BatchMatMul", "wasm")!.kernelFunc).toBe(original);
    } finally {
      delete process.env.HGC_NATIVE;
    }
  });
});
