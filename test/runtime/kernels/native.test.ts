// The native BLAS kernels against the wasm backend's own: same products within float32 rounding,
// same training step. Where the addon is not built or no BLAS library is found, the equality
// tests are skipped and the reason printed; the fallback itself is tested in fallback.test.ts.
import { afterAll, describe, expect, it } from "vitest";
import { selectBackend, tf } from "../../../runtime/backend.js";
import { loadDataset } from "../../../runtime/data/index.js";
import { attention, attentionComposite, gelu, geluComposite, layerNorm, layerNormComposite, matMulT } from "../../../runtime/kernels/fused.js";
import { batchOffsets, configureGemm, nativeKernels, registerNativeKernels, unregisterNativeKernels } from "../../../runtime/kernels/index.js";
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
    expect(first.kernels[0]).toMatch(/^BatchMatMul \(/);
    expect(first.kernels.map((k) => k.split(" (")[0]).sort()).toEqual(
      ["Add", "BatchMatMul", "Cast", "Concat", "Conv2D", "Conv2D filter gradient", "Conv2D input gradient", "GELU", "GroupNorm", "GroupNorm gradient", "GELU gradient", "Identity", "LayerNorm", "LayerNorm gradient", "Multiply", "RealDiv", "Slice", "SplitV", "Sub", "Sum", "Tanh", "Transpose", "attention", "attention gradient"].sort(),
    );
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

describe("built-in GEMM", () => {
  // Odd sizes around the register tiles (4×16, 6×16, 8×32) and cache blocks (k 256, m 128/144,
  // n 2048), each in all four transpose forms; the products above 2^19 multiply-adds are split
  // over two threads (by rows when single, by matrices when batched).
  const SHAPES: [number[], number[]][] = [
    [[1, 1], [1, 1]],
    [[3, 17], [17, 1]],
    [[17, 3], [3, 65]],
    [[65, 129], [129, 17]],
    [[129, 65], [65, 129]],
    [[17, 300], [300, 33]],
    [[300, 65], [65, 40]],
    [[5, 3], [3, 2050]],
    [[2, 3, 65, 17], [2, 3, 17, 9]],
    [[3, 65, 129], [129, 65]],
    [[1, 17, 3], [4, 3, 65]],
  ];
  const swap = (s: number[]) => [...s.slice(0, -2), s[s.length - 1]!, s[s.length - 2]!];

  native("matches a float64 product on every layout and odd sizes, with each micro-kernel family this CPU has, on one thread and two", () => {
    const rng = new Rng("builtin-gemm");
    registerNativeKernels();
    const defaultThreads = nativeKernels()!.threads!;
    const families = ["portable", "AVX2", "AVX-512"].filter((isa) => configureGemm({ isa, blas: false }));
    expect(families).toContain("portable");
    expect(nativeKernels()?.gemm).toMatch(/^built-in GEMM \(/);
    try {
      for (const [as, bs] of SHAPES) {
        for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]] as const) {
          const a = random(ta ? swap(as) : as, rng);
          const b = random(tb ? swap(bs) : bs, rng);
          const ref = reference(a, b, ta, tb);
          const k = as[as.length - 1]!;
          for (const isa of families) {
            for (const threads of [1, 2]) {
              configureGemm({ isa, blas: false, threads });
              const got = tf.matMul(a, b, ta, tb);
              expectClose(got, ref, k, `${isa}, ${threads} thread(s): [${as}]${ta ? "ᵀ" : ""}·[${bs}]${tb ? "ᵀ" : ""}`);
              got.dispose();
            }
          }
          tf.dispose([a, b]);
        }
      }
    } finally {
      configureGemm({ isa: "best", blas: true, threads: defaultThreads });
    }
  });
});

/** f's values with the wasm backend's kernels and with the native ones. */
function both(f: () => tf.Tensor | tf.Tensor[]): { plain: Float32Array[]; fast: Float32Array[]; shapes: number[][][] } {
  const run = () =>
    tf.tidy(() => {
      const r = f();
      return (Array.isArray(r) ? r : [r]).map((t) => ({ values: Float32Array.from(t.dataSync()), shape: t.shape }));
    });
  unregisterNativeKernels();
  const plain = run();
  registerNativeKernels();
  const fast = run();
  return { plain: plain.map((r) => r.values), fast: fast.map((r) => r.values), shapes: [plain.map((r) => r.shape), fast.map((r) => r.shape)] };
}

/** Equal values (NaN where NaN), each within tol·max(1, |plain|). */
function expectSame(r: ReturnType<typeof both>, tol: number, what: string): void {
  expect(r.shapes[1], what).toEqual(r.shapes[0]);
  r.plain.forEach((p, i) => {
    const q = r.fast[i]!;
    expect(q.length, what).toBe(p.length);
    for (let j = 0; j < p.length; j++) {
      if (Number.isNaN(p[j]!)) expect(q[j], `${what} [${j}]`).toBeNaN();
      else expect(Math.abs(q[j]! - p[j]!), `${what} [${j}]: ${q[j]} against ${p[j]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(p[j]!)));
    }
  });
}

describe("native elementwise, reduction and copy kernels", () => {
  const rng = new Rng("native-others");
  const x345 = random([3, 4, 5], rng);
  const x68 = random([6, 8], rng);
  const big = random([130, 64], rng);

  native("compute tanh within a few float32 ulps, ±1 in the tails, NaN for NaN and x for tiny x", () => {
    const values = [0, -0, 1e-8, -3e-4, 5e-4, 0.1, -0.5, 1, 2.5, -4, 7.9, 8, 20, -1e4, Infinity, -Infinity, NaN];
    const t = tf.tensor1d(values);
    const r = both(() => tf.tanh(t));
    expectSame(r, 1e-6, "tanh");
    expectSame(both(() => tf.tanh(tf.mul(big, 3))), 1e-6, "tanh of [130, 64]");
    r.fast[0]!.forEach((y, i) => {
      if (Number.isNaN(values[i]!)) expect(y).toBeNaN();
      else expect(Math.abs(y - Math.tanh(values[i]!))).toBeLessThanOrEqual(4e-7 * Math.max(Math.abs(Math.tanh(values[i]!)), 1e-30) + 1e-30);
    });
    t.dispose();
  });

  native("sum over every contiguous block of axes, with and without kept dims, and over split axes by the fallback", () => {
    const cases: [number | number[], boolean][] = [[0, false], [1, false], [2, true], [[0, 1], false], [[1, 2], true], [[0, 1, 2], false], [[0, 2], false], [-1, false]];
    for (const [axis, keep] of cases) expectSame(both(() => tf.sum(x345, axis, keep)), 1e-6, `sum axis ${axis} keepDims ${keep}`);
    expectSame(both(() => tf.sum(big, 0)), 1e-5, "column sums of [130, 64]");
    expectSame(both(() => tf.sum(tf.tensor1d([1, 2, 3], "int32"))), 0, "int32 sum");
  });

  native("slice, split and concatenate along any axis like the wasm kernels", () => {
    expectSame(both(() => tf.slice(x68, [1, 0], [3, 8])), 0, "row slice");
    expectSame(both(() => tf.slice(x68, [0, 2], [6, 5])), 0, "column slice");
    expectSame(both(() => tf.slice(x345, [0, 1, 0], [3, 2, 5])), 0, "middle-axis slice");
    expectSame(both(() => tf.slice(x345, [1, 1, 1], [2, 2, 3])), 0, "slice on three axes (wasm fallback)");
    expectSame(both(() => tf.slice(x68, [0, 0], [6, 8])), 0, "whole slice");
    expectSame(both(() => tf.split(x68, 4, 1)), 0, "split in four along columns");
    expectSame(both(() => tf.split(x345, [1, 3, 1], 2)), 0, "uneven split");
    expectSame(both(() => tf.concat([x68, tf.zeros([6, 0]), x68], 1)), 0, "concat along columns with an empty part");
    expectSame(both(() => tf.concat([x345, x345], 0)), 0, "concat along rows");
    expectSame(both(() => tf.concat([x345, tf.slice(x345, [0, 0, 0], [3, 4, 2])], 2)), 0, "concat along the last axis");
    expectSame(both(() => tf.concat([tf.tensor1d([1, 2], "int32"), tf.tensor1d([3], "int32")])), 0, "int32 concat");
  });

  native("transpose by every permutation of a rank-4 tensor", () => {
    const x = random([2, 3, 1, 5], rng);
    const perms = [[0, 1, 2, 3], [3, 2, 1, 0], [0, 2, 1, 3], [0, 2, 3, 1], [1, 0, 3, 2], [2, 3, 0, 1], [3, 0, 1, 2]];
    for (const perm of perms) expectSame(both(() => tf.transpose(x, perm)), 0, `transpose ${perm}`);
    expectSame(both(() => tf.transpose(big)), 0, "transpose [130, 64]");
    expectSame(both(() => tf.transpose(random([4, 65, 16], new Rng("t")), [0, 2, 1])), 0, "batched transpose");
    x.dispose();
  });

  native("add, subtract, multiply and divide under every broadcast form", () => {
    const r = new Rng("binary");
    const pairs: [number[], number[]][] = [
      [[6, 8], [6, 8]],
      [[6, 8], []],
      [[], [6, 8]],
      [[6, 8], [8]],
      [[6, 8], [6, 1]],
      [[6, 1], [1, 8]],
      [[2, 3, 4, 4], [4, 4]],
      [[2, 3, 4, 1], [2, 3, 4, 4]],
      [[2, 1, 3], [1, 4, 1]],
      [[0, 3], [3]],
    ];
    const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [["add", tf.add], ["sub", tf.sub], ["mul", tf.mul], ["div", tf.div]];
    for (const [as, bs] of pairs) {
      const a = random(as, r);
      const b = tf.add(random(bs, r), 3); // away from 0 for the division
      for (const [name, op] of ops) expectSame(both(() => op(a, b)), 1e-6, `${name} [${as}] [${bs}]`);
      tf.dispose([a, b]);
    }
    const i = tf.tensor1d([1, 2, 3], "int32");
    expectSame(both(() => tf.mul(i, i)), 0, "int32 multiply (wasm fallback)");
    i.dispose();
  });

  native("identity and same-dtype cast share the data; a cast to another dtype converts", () => {
    expectSame(both(() => tf.clone(x68)), 0, "clone");
    expectSame(both(() => tf.cast(x68, "float32")), 0, "cast to float32");
    expectSame(both(() => tf.cast(tf.mul(x68, 10), "int32")), 0, "cast to int32");
    const before = tf.memory().numTensors;
    registerNativeKernels();
    const c = tf.clone(x68);
    c.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(x68.dataSync().length).toBe(48); // the source survives its clone's disposal
  });

  afterAll(() => tf.dispose([x345, x68, big]));
});

/** Values of f and of its gradients with respect to xs. */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[]): Float32Array[] {
  return tf.tidy(() => {
    const y = f(...xs);
    // A weighted sum, so every output position gets its own gradient.
    const w = tf.tensor(Float32Array.from({ length: y.size }, (_, i) => Math.sin(i)), y.shape);
    const grads = tf.grads((...ys: tf.Tensor[]) => tf.sum(tf.mul(f(...ys), w)))(xs);
    return [y, ...grads].map((t) => Float32Array.from(t.dataSync()));
  });
}

async function kernelNames(f: () => tf.Tensor): Promise<string[]> {
  const info = await tf.profile(() => {
    f();
  });
  return info.kernels.map((k) => k.name);
}

describe("fused GELU and LayerNorm", () => {
  const rng = new Rng("fused");
  const x = tf.mul(random([37, 50], rng), 3);
  const g = tf.add(random([50], rng), 1);
  const b = random([50], rng);

  native("give the composite ops' GELU and its gradient", async () => {
    registerNativeKernels();
    const names = await kernelNames(() => gelu(x as tf.Tensor2D));
    expect(names).toContain("HgcGelu");
    expect(names).not.toContain("Tanh");
    const fused = valueAndGrads((t) => gelu(t as tf.Tensor2D), [x]);
    const composite = valueAndGrads((t) => geluComposite(t as tf.Tensor2D), [x]);
    expectSame({ plain: composite, fast: fused, shapes: [[], []] }, 2e-6, "gelu and its gradient");
  });

  native("give the composite ops' LayerNorm and its gradients for x, gain and bias", async () => {
    registerNativeKernels();
    const names = await kernelNames(() => layerNorm(x as tf.Tensor2D, g, b, 1e-5));
    expect(names).toContain("HgcLayerNorm");
    expect(names).not.toContain("Mean");
    const f = (t: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => layerNorm(t as tf.Tensor2D, gg, bb, 1e-5);
    const c = (t: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => layerNormComposite(t as tf.Tensor2D, gg, bb, 1e-5);
    const fused = valueAndGrads(f as (...xs: tf.Tensor[]) => tf.Tensor, [x, g, b]);
    const composite = valueAndGrads(c as (...xs: tf.Tensor[]) => tf.Tensor, [x, g, b]);
    expectSame({ plain: composite, fast: fused, shapes: [[], []] }, 2e-5, "layerNorm and its gradients");
    // a constant row: zero variance, finite output (the bias)
    const flat = tf.ones([2, 50]) as tf.Tensor2D;
    expectSame({ plain: [layerNormComposite(flat, g, b, 1e-5).dataSync() as Float32Array], fast: [layerNorm(flat, g, b, 1e-5).dataSync() as Float32Array], shapes: [[], []] }, 1e-6, "constant rows");
    flat.dispose();
  });

  native("each runs fused only when both its kernels are registered", async () => {
    registerNativeKernels({ only: ["HgcGelu", "HgcGeluGrad"] });
    expect(await kernelNames(() => gelu(layerNorm(x as tf.Tensor2D, g, b, 1e-5)))).toEqual(expect.arrayContaining(["HgcGelu", "Mean"]));
    registerNativeKernels({ only: ["HgcLayerNorm", "HgcLayerNormGrad", "HgcGelu"] });
    const names = await kernelNames(() => gelu(layerNorm(x as tf.Tensor2D, g, b, 1e-5)));
    expect(names).toEqual(expect.arrayContaining(["HgcLayerNorm", "Tanh"]));
    expect(names).not.toContain("HgcGelu");
    unregisterNativeKernels();
  });

  it("run as the composite ops where the native kernels are not registered", async () => {
    unregisterNativeKernels();
    const names = await kernelNames(() => gelu(x as tf.Tensor2D));
    expect(names).toContain("Tanh");
    expect(names).not.toContain("HgcGelu");
    const ln = await kernelNames(() => layerNorm(x as tf.Tensor2D, g, b, 1e-5));
    expect(ln).toContain("Mean");
    expect(ln).not.toContain("HgcLayerNorm");
  });

  native("multiply transposed operands by BLAS flags with the native matmul, by explicit transposes without it", async () => {
    const a = random([20, 30], rng) as tf.Tensor2D;
    const c = random([20, 12], rng) as tf.Tensor2D;
    for (const on of [false, true]) {
      if (on) registerNativeKernels();
      else unregisterNativeKernels();
      const names = await kernelNames(() => matMulT(a, c, true, false));
      expect(names.includes("Transpose"), `native ${on}`).toBe(!on);
      const got = matMulT(a, c, true, false);
      expectClose(got, reference(a, c, true, false), 20, `aᵀ·c, native ${on}`);
      const got2 = matMulT(c, c, false, true);
      expectClose(got2, reference(c, c, false, true), 12, `c·cᵀ, native ${on}`);
      tf.dispose([got, got2]);
    }
    tf.dispose([a, c]);
  });

  native("leave no tensors behind, forward or backward", () => {
    registerNativeKernels();
    const before = tf.memory().numTensors;
    valueAndGrads((t, gg, bb) => gelu(layerNorm(t as tf.Tensor2D, gg!, bb!, 1e-5)), [x, g, b]);
    expect(tf.memory().numTensors).toBe(before);
  });

  afterAll(() => tf.dispose([x, g, b]));
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

describe("fused attention", () => {
  const rng = new Rng("attention");

  /** The causal mask the model adds: 0 on and below the diagonal, −1e9 above. */
  function causalMask(T: number): tf.Tensor2D {
    const m = new Float32Array(T * T);
    for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) m[i * T + j] = -1e9;
    return tf.tensor2d(m, [T, T]);
  }

  native("gives the composite ops' attention and its gradient, causal or not, at odd sizes", async () => {
    registerNativeKernels();
    // [n, T, heads, dh]: the reference model's heads (dh 16), odd T and dh, one position, one head.
    for (const [n, T, H, dh] of [[3, 17, 4, 16], [1, 65, 2, 5], [1, 1, 3, 4], [2, 9, 1, 32]] as const) {
      const qkv = tf.mul(random([n * T, 3 * H * dh], rng), 2);
      for (const causal of [true, false]) {
        const mask = causal ? causalMask(T) : null;
        const what = `n ${n}, T ${T}, heads ${H}, dh ${dh}, causal ${causal}`;
        const names = await kernelNames(() => attention(qkv as tf.Tensor2D, n, T, H, causal)!);
        expect(names, what).toContain("HgcAttention");
        expect(names, what).not.toContain("Softmax");
        const fused = valueAndGrads((t) => attention(t as tf.Tensor2D, n, T, H, causal)!, [qkv]);
        const composite = valueAndGrads((t) => attentionComposite(t as tf.Tensor2D, n, T, H, mask), [qkv]);
        expectSame({ plain: composite, fast: fused, shapes: [[], []] }, 2e-5, what);
        mask?.dispose();
      }
      qkv.dispose();
    }
  });

  native("runs on one thread and on two alike, and leaves no tensors behind", () => {
    registerNativeKernels();
    const qkv = random([8 * 33, 3 * 4 * 8], rng);
    const before = tf.memory().numTensors;
    const defaultThreads = nativeKernels()!.threads!;
    configureGemm({ threads: 1 });
    const one = valueAndGrads((t) => attention(t as tf.Tensor2D, 8, 33, 4, true)!, [qkv]);
    configureGemm({ threads: 2 });
    const two = valueAndGrads((t) => attention(t as tf.Tensor2D, 8, 33, 4, true)!, [qkv]);
    configureGemm({ threads: defaultThreads });
    // The same operations in the same order on each (sequence, head) pair: the same bits.
    expectSame({ plain: one, fast: two, shapes: [[], []] }, 0, "1 and 2 threads");
    expect(tf.memory().numTensors).toBe(before);
    qkv.dispose();
  });

  it("is not used where the native kernels are not registered", () => {
    unregisterNativeKernels();
    const qkv = random([6, 12], rng) as tf.Tensor2D;
    expect(attention(qkv, 2, 3, 2, true)).toBeNull();
    qkv.dispose();
  });
});
