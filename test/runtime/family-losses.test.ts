// The contrastive and self-distillation losses against float64 references written straight from
// their papers (independently of runtime/losses.ts), and their tfjs gradients against central
// finite differences of those references.
import { beforeAll, describe, expect, it } from "vitest";
import { selectBackend, tf } from "../../runtime/backend.js";
import { barlowTwins, byol, moco, simsiam, supcon, vicreg } from "../../runtime/losses.js";
import { Rng } from "../../runtime/rng.js";

beforeAll(async () => {
  await selectBackend("cpu");
});

type M = number[][];
const dot = (a: number[], b: number[]) => a.reduce((s, v, k) => s + v * b[k]!, 0);
const unit = (a: number[]) => a.map((v) => v / Math.sqrt(dot(a, a)));
const cos = (a: number[], b: number[]) => dot(unit(a), unit(b));
const halvesOf = (z: M): [M, M] => [z.slice(0, z.length / 2), z.slice(z.length / 2)];
const column = (z: M, j: number) => z.map((r) => r[j]!);
const meanOf = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;

/** Khosla et al. 2020, Eq. 2. */
function supconRef(z: M, labels: number[], tau: number): number {
  const u = z.map(unit);
  let total = 0;
  for (let i = 0; i < z.length; i++) {
    let denom = 0;
    for (let a = 0; a < z.length; a++) if (a !== i) denom += Math.exp(dot(u[i]!, u[a]!) / tau);
    const pos = labels.map((_, p) => p).filter((p) => p !== i && labels[p] === labels[i]);
    total += -pos.reduce((s, p) => s + Math.log(Math.exp(dot(u[i]!, u[p]!) / tau) / denom), 0) / pos.length;
  }
  return total / z.length;
}

/** He et al. 2020, Eq. 1. */
function mocoRef(q: M, k: M, queue: M, tau: number): number {
  return meanOf(
    q.map((qi, i) => {
      const pos = Math.exp(cos(qi, k[i]!) / tau);
      const neg = queue.reduce((s, kj) => s + Math.exp(cos(qi, kj) / tau), 0);
      return -Math.log(pos / (pos + neg));
    }),
  );
}

/** Grill et al. 2020, Eq. 2, symmetrised. */
function byolRef(p: M, t: M): number {
  const [p1, p2] = halvesOf(p);
  const [t1, t2] = halvesOf(t);
  return meanOf(p1.map((_, i) => 2 - 2 * cos(p1[i]!, t2[i]!) + 2 - 2 * cos(p2[i]!, t1[i]!)));
}

/** Chen & He 2021, Eqs. 1–2. */
function simsiamRef(p: M, z: M): number {
  const [p1, p2] = halvesOf(p);
  const [z1, z2] = halvesOf(z);
  return meanOf(p1.map((_, i) => -0.5 * cos(p1[i]!, z2[i]!) - 0.5 * cos(p2[i]!, z1[i]!)));
}

/** Zbontar et al. 2021, Eqs. 1–2: C_ij the cosine of the centred columns. */
function barlowRef(z: M, lambda: number): number {
  const [a, b] = halvesOf(z);
  const d = a[0]!.length;
  const centre = (x: M, j: number) => {
    const c = column(x, j);
    const m = meanOf(c);
    return c.map((v) => v - m);
  };
  let loss = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const ai = centre(a, i);
      const bj = centre(b, j);
      const c = dot(ai, bj) / (Math.sqrt(dot(ai, ai)) * Math.sqrt(dot(bj, bj)));
      loss += i === j ? (1 - c) ** 2 : lambda * c * c;
    }
  }
  return loss;
}

/** Bardes et al. 2022, Eqs. 1–6 and Algorithm 1. */
function vicregRef(z: M, w: { sim: number; var: number; cov: number }): number {
  const [a, b] = halvesOf(z);
  const n = a.length;
  const d = a[0]!.length;
  const s = meanOf(a.flatMap((r, i) => r.map((v, j) => (v - b[i]![j]!) ** 2)));
  const stats = (x: M) => {
    const c = Array.from({ length: d }, (_, j) => {
      const col = column(x, j);
      const m = meanOf(col);
      return col.map((v) => v - m);
    });
    const v = meanOf(c.map((col) => Math.max(0, 1 - Math.sqrt(dot(col, col) / (n - 1) + 1e-4))));
    let cv = 0;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) if (i !== j) cv += (dot(c[i]!, c[j]!) / (n - 1)) ** 2;
    return { v, c: cv / d };
  };
  const sa = stats(a);
  const sb = stats(b);
  return w.sim * s + w.var * (sa.v + sb.v) + w.cov * (sa.c + sb.c);
}

function randomMatrix(rng: Rng, rows: number, cols: number, scale = 1): M {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => scale * rng.normal()));
}

/** The value and gradient of a tf loss of one matrix at x, and the tensors left behind. */
function tfValueAndGrad(f: (x: tf.Tensor2D) => tf.Scalar, x: M): { value: number; grad: M; leaked: number } {
  const before = tf.memory().numTensors;
  const { value, grad } = tf.tidy(() => {
    const { value, grad } = tf.valueAndGrad(f)(tf.tensor2d(x));
    return { value: value.dataSync()[0]!, grad: grad.arraySync() as M };
  });
  return { value, grad, leaked: tf.memory().numTensors - before };
}

/** Central finite differences of a float64 function of one matrix. */
function finiteDifferences(f: (x: M) => number, x: M, h = 1e-5): M {
  return x.map((row, i) =>
    row.map((_, j) => {
      const up = x.map((r) => [...r]);
      const down = x.map((r) => [...r]);
      up[i]![j]! += h;
      down[i]![j]! -= h;
      return (f(up) - f(down)) / (2 * h);
    }),
  );
}

function expectClose(got: M, want: M, tol: number): void {
  const scale = Math.max(1e-3, ...want.flat().map(Math.abs));
  got.flat().forEach((g, k) => expect(Math.abs(g - want.flat()[k]!) / scale, `entry ${k}: ${g} vs ${want.flat()[k]}`).toBeLessThan(tol));
}

/** One loss: its value on a tiny batch against the reference, its gradient against finite differences. */
function checkLoss(name: string, tfLoss: (x: tf.Tensor2D) => tf.Scalar, ref: (x: M) => number, x: M): void {
  const { value, grad, leaked } = tfValueAndGrad(tfLoss, x);
  const want = ref(x);
  expect(Math.abs(value - want), `${name}: ${value} vs ${want}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(want)));
  expectClose(grad, finiteDifferences(ref, x), 2e-3);
  expect(leaked, `${name} leaves no tensors behind`).toBe(0);
}

describe("the contrastive and self-distillation losses", () => {
  const rng = new Rng(15);
  const z = randomMatrix(rng, 8, 5); // N = 4 images, two views, 5 features
  const other = randomMatrix(rng, 8, 5);

  it("supcon equals Khosla et al.'s Eq. 2 and its gradient matches finite differences", () => {
    const labels = [0, 1, 0, 2, 0, 1, 0, 2];
    for (const tau of [0.1, 0.5]) checkLoss(`supcon τ=${tau}`, (x) => supcon(x, Int32Array.from(labels), tau), (x) => supconRef(x, labels, tau), z);
  });

  it("supcon with every image of its own class is NT-Xent's value", async () => {
    const { ntxent } = await import("../../runtime/losses.js");
    const labels = Int32Array.from([0, 1, 2, 3, 0, 1, 2, 3]);
    const a = tf.tidy(() => supcon(tf.tensor2d(z), labels, 0.2).dataSync()[0]!);
    const b = tf.tidy(() => ntxent(tf.tensor2d(z), 0.2).dataSync()[0]!);
    expect(a).toBeCloseTo(b, 5);
  });

  it("moco equals He et al.'s Eq. 1; the query's gradient matches finite differences and the key gets none", () => {
    const queue = randomMatrix(rng, 6, 5);
    const k = other.slice(0, 4);
    const q = z.slice(0, 4);
    checkLoss("moco", (x) => moco(x, tf.tensor2d(k), tf.tensor2d(queue), 0.2), (x) => mocoRef(x, k, queue, 0.2), q);
    const keyGrad = tf.tidy(() => tf.grad((x: tf.Tensor) => moco(tf.tensor2d(q), x as tf.Tensor2D, tf.tensor2d(queue), 0.2))(tf.tensor2d(k)).abs().max().dataSync()[0]!);
    expect(keyGrad).toBe(0);
  });

  it("byol equals Grill et al.'s symmetrised Eq. 2; the prediction's gradient matches finite differences and the target gets none", () => {
    checkLoss("byol", (x) => byol(x, tf.tensor2d(other)), (x) => byolRef(x, other), z);
    const targetGrad = tf.tidy(() => tf.grad((x: tf.Tensor) => byol(tf.tensor2d(z), x as tf.Tensor2D))(tf.tensor2d(other)).abs().max().dataSync()[0]!);
    expect(targetGrad).toBe(0);
    // aligned predictions and targets: 0; opposite ones: the maximum, 8
    const swapped = [...z.slice(4), ...z.slice(0, 4)];
    expect(tf.tidy(() => byol(tf.tensor2d(z), tf.tensor2d(swapped)).dataSync()[0]!)).toBeCloseTo(0, 5);
    expect(tf.tidy(() => byol(tf.tensor2d(z), tf.neg(tf.tensor2d(swapped)) as tf.Tensor2D).dataSync()[0]!)).toBeCloseTo(8, 5);
  });

  it("simsiam equals Chen & He's Eqs. 1–2; the prediction's gradient matches finite differences and the target gets none", () => {
    checkLoss("simsiam", (x) => simsiam(x, tf.tensor2d(other)), (x) => simsiamRef(x, other), z);
    const targetGrad = tf.tidy(() => tf.grad((x: tf.Tensor) => simsiam(tf.tensor2d(z), x as tf.Tensor2D))(tf.tensor2d(other)).abs().max().dataSync()[0]!);
    expect(targetGrad).toBe(0);
  });

  it("barlow_twins equals Zbontar et al.'s Eqs. 1–2 and its gradient matches finite differences", () => {
    for (const lambda of [0.005, 0.5]) checkLoss(`barlow_twins λ=${lambda}`, (x) => barlowTwins(x, lambda), (x) => barlowRef(x, lambda), z);
  });

  it("vicreg equals Bardes et al.'s Eqs. 1–6 and its gradient matches finite differences", () => {
    const w = { sim: 25, var: 25, cov: 1 };
    // small features, so the variance hinge is active for every dimension
    const small = z.map((r) => r.map((v) => 0.3 * v));
    checkLoss("vicreg", (x) => vicreg(x, w), (x) => vicregRef(x, w), small);
    checkLoss("vicreg (unit scale)", (x) => vicreg(x, { sim: 1, var: 2, cov: 3 }), (x) => vicregRef(x, { sim: 1, var: 2, cov: 3 }), z);
  });

  it("barlow_twins and vicreg reach zero invariance on identical views with decorrelated unit-variance features", () => {
    // two views equal, features ±1 patterns orthogonal over the batch: C = I, Cov = I·(N/(N−1))
    const a = [
      [1, 1],
      [1, -1],
      [-1, 1],
      [-1, -1],
    ];
    const twin = [...a, ...a];
    expect(tf.tidy(() => barlowTwins(tf.tensor2d(twin), 0.005).dataSync()[0]!)).toBeCloseTo(0, 3);
    expect(tf.tidy(() => vicreg(tf.tensor2d(twin), { sim: 25, var: 25, cov: 1 }).dataSync()[0]!)).toBeCloseTo(0, 5);
  });
});
