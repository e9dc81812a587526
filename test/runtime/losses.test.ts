import { beforeAll, describe, expect, it } from "vitest";
import { selectBackend, tf } from "../../runtime/backend.js";
import { bitsPerDim, bitsPerDimPerImage, ntxent } from "../../runtime/losses.js";
import { Rng } from "../../runtime/rng.js";

beforeAll(async () => {
  await selectBackend("cpu");
});

/** NT-Xent written out by hand in plain JS (float64), straight from the SimCLR paper. */
function ntxentReference(z: number[][], tau: number): number {
  const r = z.length;
  const n = r / 2;
  const unit = z.map((row) => {
    const norm = Math.sqrt(row.reduce((s, v) => s + v * v, 0));
    return row.map((v) => v / norm);
  });
  const sim = (i: number, j: number) => unit[i]!.reduce((s, v, k) => s + v * unit[j]![k]!, 0) / tau;
  let total = 0;
  for (let i = 0; i < r; i++) {
    const pos = (i + n) % r;
    let denom = 0;
    for (let j = 0; j < r; j++) if (j !== i) denom += Math.exp(sim(i, j));
    total += -Math.log(Math.exp(sim(i, pos)) / denom);
  }
  return total / r;
}

describe("ntxent", () => {
  it("equals the hand-computed value on a tiny batch", () => {
    const rng = new Rng(4);
    const z = Array.from({ length: 6 }, () => Array.from({ length: 5 }, () => rng.normal()));
    for (const tau of [0.1, 0.5, 1]) {
      const got = tf.tidy(() => ntxent(tf.tensor2d(z), tau).dataSync()[0]!);
      expect(got).toBeCloseTo(ntxentReference(z, tau), 4);
    }
  });

  it("is small when each view's nearest neighbour is its partner and large when views are swapped around", () => {
    const a = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
    const aligned = [...a, ...a];
    const mismatched = [...a, a[1]!, a[2]!, a[0]!];
    const good = tf.tidy(() => ntxent(tf.tensor2d(aligned), 0.1).dataSync()[0]!);
    const bad = tf.tidy(() => ntxent(tf.tensor2d(mismatched), 0.1).dataSync()[0]!);
    expect(good).toBeLessThan(0.01);
    expect(bad).toBeGreaterThan(9);
  });

  it("does not depend on the projections' lengths (cosine similarity)", () => {
    const z = [
      [1, 2],
      [3, -1],
      [0.5, 1.1],
      [2, 0.2],
    ];
    const scaled = z.map((row, i) => row.map((v) => v * (i + 1) * 7));
    const x = tf.tidy(() => ntxent(tf.tensor2d(z), 0.3).dataSync()[0]!);
    const y = tf.tidy(() => ntxent(tf.tensor2d(scaled), 0.3).dataSync()[0]!);
    expect(y).toBeCloseTo(x, 5);
  });
});

describe("bits per dimension", () => {
  it("scores a uniform predictor at exactly log2(levels)", () => {
    for (const levels of [2, 4, 8, 256]) {
      const rows = 30;
      const targets = Int32Array.from({ length: rows }, (_, i) => (i * 7) % levels);
      const bpd = tf.tidy(() => bitsPerDim(tf.zeros([rows, levels]) as tf.Tensor2D, targets).dataSync()[0]!);
      expect(bpd).toBeCloseTo(Math.log2(levels), 5);
    }
  });

  it("gives zero bits to a predictor certain of the right values and counts nats over ln 2", () => {
    const targets = Int32Array.from([0, 1, 2, 3]);
    const sure = tf.tidy(() => {
      const logits = tf.mul(tf.oneHot(tf.tensor1d(targets, "int32"), 4), 100) as tf.Tensor2D;
      return bitsPerDim(logits, targets).dataSync()[0]!;
    });
    expect(sure).toBeCloseTo(0, 5);
    // p(target) = 1/2 everywhere ⇒ exactly one bit per value.
    const half = tf.tidy(() => {
      const logits = tf.tensor2d([
        [Math.log(3), 0, 0, 0],
        [0, Math.log(3), 0, 0],
        [0, 0, Math.log(3), 0],
        [0, 0, 0, Math.log(3)],
      ]);
      return bitsPerDim(logits, targets).dataSync()[0]!;
    });
    expect(half).toBeCloseTo(1, 5);
  });

  it("averages per image over that image's values", () => {
    // image 0: two values at 1 bit; image 1: two values at log2(4) = 2 bits (uniform)
    const logits = tf.tensor2d([
      [Math.log(3), 0, 0, 0],
      [Math.log(3), 0, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
    const per = tf.tidy(() => Array.from(bitsPerDimPerImage(logits, Int32Array.from([0, 0, 1, 2]), 2).dataSync()));
    logits.dispose();
    expect(per[0]).toBeCloseTo(1, 5);
    expect(per[1]).toBeCloseTo(2, 5);
  });
});
