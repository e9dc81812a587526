// The convolutions of the ResNet encoder against tfjs's cpu backend: the native im2col kernels
// (wasm + addon) and the plain-wasm composite (Conv2D forward, Conv2DBackpropInput, the filter
// gradient as per-tap products), forward and both gradients, on odd sizes, strides 1 and 2,
// 'same' and 'valid' padding, 3×3 and 1×1 filters, one image and many; and the native GroupNorm
// with its gradients.
import { afterAll, describe, expect, it } from "vitest";
import { selectBackend, tf } from "../../../runtime/backend.js";
import { conv2d, groupNorm, type ConvPad } from "../../../runtime/kernels/conv.js";
import { configureGemm, defaultThreads, registerNativeKernels, unregisterNativeKernels } from "../../../runtime/kernels/index.js";
import { Rng } from "../../../runtime/rng.js";

interface Case {
  n: number;
  h: number;
  w: number;
  c: number;
  k: number;
  o: number;
  stride: number;
  pad: ConvPad;
}

const CASES: Case[] = [
  { n: 3, h: 7, w: 9, c: 3, k: 3, o: 5, stride: 1, pad: "same" },
  { n: 2, h: 9, w: 7, c: 4, k: 3, o: 6, stride: 2, pad: "same" },
  { n: 1, h: 5, w: 5, c: 2, k: 3, o: 3, stride: 2, pad: "valid" },
  { n: 4, h: 7, w: 7, c: 5, k: 1, o: 4, stride: 2, pad: "valid" },
  { n: 3, h: 6, w: 5, c: 3, k: 1, o: 2, stride: 1, pad: "valid" },
  // many images of one row each: the native kernels cut them into several chunks
  { n: 70, h: 4, w: 5, c: 2, k: 3, o: 3, stride: 1, pad: "same" },
];

function values(size: number, rng: Rng): Float32Array {
  const v = new Float32Array(size);
  for (let i = 0; i < size; i++) v[i] = rng.normal(0, 1);
  return v;
}

/** [y, dx, dw] of Σ y·r (r a fixed random tensor, so the gradient dy = r is not uniform). */
function run(c: Case, xs: Float32Array, ws: Float32Array, rs: (shape: number[]) => Float32Array): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(xs, [c.n, c.h, c.w, c.c]);
    const w = tf.tensor4d(ws, [c.k, c.k, c.c, c.o]);
    const f = (a: tf.Tensor, b: tf.Tensor) => {
      const y = conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad);
      return tf.sum(tf.mul(y, tf.tensor(rs(y.shape), y.shape)));
    };
    const y = conv2d(x, w, c.stride, c.pad);
    const [dx, dw] = tf.grads(f)([x, w]);
    return [y.dataSync() as Float32Array, dx!.dataSync() as Float32Array, dw!.dataSync() as Float32Array];
  });
}

function expectClose(got: Float32Array, want: Float32Array, what: string): void {
  expect(got.length, what).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!)));
  expect(worst, what).toBeLessThan(1e-4);
}

const references: Float32Array[][] = [];
const inputs: { x: Float32Array; w: Float32Array; r: (shape: number[]) => Float32Array }[] = [];
await selectBackend("cpu");
CASES.forEach((c, i) => {
  const rng = new Rng(`conv:${i}`);
  const x = values(c.n * c.h * c.w * c.c, rng);
  const w = values(c.k * c.k * c.c * c.o, rng);
  const r = (shape: number[]) => values(shape.reduce((a, b) => a * b, 1), new Rng(`conv:${i}:dy`));
  inputs.push({ x, w, r });
  references.push(run(c, x, w, r));
});
/** [y, dx, dg, db] of Σ GroupNorm(x)·r over [3, 5, 7, 12] in 4 groups. */
function runGroupNorm(): Float32Array[] {
  const rng = new Rng("gn");
  const shape: [number, number, number, number] = [3, 5, 7, 12];
  const xs = values(3 * 5 * 7 * 12, rng).map((v) => 3 * v + 1);
  const gs = values(12, rng);
  const bs = values(12, rng);
  const rs = values(xs.length, rng);
  return tf.tidy(() => {
    const f = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(groupNorm(x as tf.Tensor4D, g, b, 4, 1e-5), tf.tensor(rs, shape)));
    const args = [tf.tensor4d(xs, shape), tf.tensor1d(gs), tf.tensor1d(bs)];
    const y = groupNorm(args[0] as tf.Tensor4D, args[1]!, args[2]!, 4, 1e-5);
    return [y, ...tf.grads(f)(args)].map((t) => t.dataSync() as Float32Array);
  });
}
const gnReference = runGroupNorm();
await selectBackend("wasm");
const native = registerNativeKernels();
afterAll(() => unregisterNativeKernels());

describe("2-D convolution against the cpu backend", () => {
  it.skipIf(!native.enabled)("native im2col kernels: forward, input and filter gradients", () => {
    registerNativeKernels();
    expect(tf.getKernel("HgcConv2DGradFilter", "wasm")).toBeDefined();
    const before = tf.memory().numTensors;
    CASES.forEach((c, i) => {
      const got = run(c, inputs[i]!.x, inputs[i]!.w, inputs[i]!.r);
      ["y", "dx", "dw"].forEach((what, j) => expectClose(got[j]!, references[i]![j]!, `${what} of ${JSON.stringify(c)}`));
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it.skipIf(!native.enabled)("native GroupNorm: forward and gradients", () => {
    registerNativeKernels();
    expect(tf.getKernel("HgcGroupNormGrad", "wasm")).toBeDefined();
    const got = runGroupNorm();
    ["y", "dx", "dg", "db"].forEach((what, j) => expectClose(got[j]!, gnReference[j]!, `GroupNorm ${what}`));
  });

  it.skipIf(!native.enabled)("native GroupNorm: the same bits on one thread and on two (images shared, dg and db summed in order)", () => {
    registerNativeKernels();
    try {
      configureGemm({ threads: 1 });
      const one = runGroupNorm();
      configureGemm({ threads: 2 });
      const two = runGroupNorm();
      ["y", "dx", "dg", "db"].forEach((what, j) => expect(Buffer.from(two[j]!.buffer).equals(Buffer.from(one[j]!.buffer)), `GroupNorm ${what}`).toBe(true));
    } finally {
      configureGemm({ threads: defaultThreads() });
    }
  });

  it("plain wasm (no Conv2DBackpropFilter): the composite gradients", () => {
    unregisterNativeKernels();
    expect(tf.getKernel("HgcConv2D", "wasm")).toBeUndefined();
    const before = tf.memory().numTensors;
    CASES.forEach((c, i) => {
      const got = run(c, inputs[i]!.x, inputs[i]!.w, inputs[i]!.r);
      ["y", "dx", "dw"].forEach((what, j) => expectClose(got[j]!, references[i]![j]!, `${what} of ${JSON.stringify(c)}`));
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
