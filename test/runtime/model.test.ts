import { beforeAll, describe, expect, it } from "vitest";
import { selectBackend, tf } from "../../runtime/backend.js";
import { bitsPerDim } from "../../runtime/losses.js";
import { Model } from "../../runtime/model.js";
import { Rng } from "../../runtime/rng.js";
import { compileFile } from "../../compiler/index.js";
import type { IRExperiment } from "../../compiler/ir.js";
import { tinyIr } from "./fixtures.js";

beforeAll(async () => {
  await selectBackend("wasm");
});

function randomTokens(n: number, length: number, levels: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n * length }, () => rng.int(levels));
}

/**
 * Gradient of a fixed random projection of the encoder's output at token position i w.r.t. each
 * input token row (a plain sum would not do: a LayerNorm output with unit gain sums to zero).
 */
function inputGradientRows(model: Model, tokens: Int32Array, i: number): number[] {
  return tf.tidy(() => {
    const input = model.input("enc", tokens, 1);
    const L = model.ir.tokenizers.pixels!.length;
    const D = model.ir.encoders.enc!.width;
    const rng = new Rng(11);
    const w = tf.tensor3d(Float32Array.from({ length: D }, () => rng.normal()), [1, 1, D]);
    const g = tf.grad((x: tf.Tensor) => {
      const out = model.encode("enc", { x: x as tf.Tensor2D, n: 1 });
      return tf.sum(tf.mul(tf.slice(out.tokens!, [0, i, 0], [1, 1, D]), w));
    })(input.x);
    const rows = g.reshape([L, -1]).abs().sum(1).dataSync();
    return Array.from(rows);
  });
}

describe("the model", () => {
  it("blocks every gradient from future tokens with a causal mask", () => {
    for (const kind of ["quantize", "patches"] as const) {
      const model = new Model(tinyIr({ kind }));
      const L = model.ir.tokenizers.pixels!.length;
      const tokens = randomTokens(1, L * model.ir.tokenizers.pixels!.pixelsPerToken, 4, 9);
      const i = Math.floor(L / 2);
      const rows = inputGradientRows(model, tokens, i);
      // Output position i has read the start vector and t_0 … t_{i-1}: exactly those rows get gradient.
      for (let j = 0; j < L; j++) {
        if (j < i) expect(rows[j], `${kind}: token ${j} feeds position ${i}`).toBeGreaterThan(0);
        else expect(rows[j], `${kind}: token ${j} is in position ${i}'s future`).toBe(0);
      }
      model.dispose();
    }
  });

  it("lets future tokens reach every position without the causal mask", () => {
    const model = new Model(tinyIr({ causal: false }));
    const L = model.ir.tokenizers.pixels!.length;
    const rows = inputGradientRows(model, randomTokens(1, L, 4, 9), 3);
    expect(rows.slice(3).filter((v) => !(v > 0))).toEqual([]);
    model.dispose();
  });

  it("initialises the same weights from the same seed and different ones from another", async () => {
    const a = new Model(tinyIr(), 5);
    const b = new Model(tinyIr(), 5);
    const c = new Model(tinyIr(), 6);
    const [wa, wb, wc] = await Promise.all([a.readWeights(), b.readWeights(), c.readWeights()]);
    expect(wa.map((w) => w.name)).toEqual(wb.map((w) => w.name));
    wa.forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(wb[i]!.data)));
    const qkv = wa.findIndex((w) => w.name === "enc.h.0.attn.qkv.w");
    expect(Array.from(wa[qkv]!.data)).not.toEqual(Array.from(wc[qkv]!.data));
    for (const m of [a, b, c]) m.dispose();
  });

  it("has exactly the parameter counts the compiler infers, per encoder, per head and in all", () => {
    for (const file of ["examples/quickstart.hgc", "examples/hybrid.hgc"]) {
      const ir = compileFile(file).value as IRExperiment;
      const model = new Model(ir, 1);
      expect(model.parameterCount).toBe(ir.estimates.parameters);
      const counts = new Map<string, number>();
      for (const p of model.params) {
        const owner = p.name.split(".")[0]!;
        counts.set(owner, (counts.get(owner) ?? 0) + p.variable.size);
      }
      for (const e of Object.values(ir.encoders)) expect(counts.get(e.name)).toBe(e.parameters);
      for (const h of Object.values(ir.heads)) expect(counts.get(h.name)).toBe(h.parameters);
      model.dispose();
    }
  });

  it("gives the shapes the IR promises: pooled [n, width], per-token logits [n·L·P², levels]", () => {
    for (const kind of ["quantize", "patches"] as const) {
      const model = new Model(tinyIr({ kind }));
      const tok = model.ir.tokenizers.pixels!;
      const n = 3;
      const shapes = tf.tidy(() => {
        const out = model.encode("enc", model.input("enc", randomTokens(n, tok.length * tok.pixelsPerToken, 4, 1), n));
        return [out.pooled.shape, out.tokens!.shape, model.applyHead("proj", out).shape, model.applyHead("lm", out).shape];
      });
      expect(shapes).toEqual([[n, 16], [n, tok.length, 16], [n, 8], [n * tok.length * tok.pixelsPerToken, 4]]);
      model.dispose();
    }
  });

  it("scores log2(levels) bits/dim when its generative head is zeroed (a uniform predictor)", async () => {
    const model = new Model(tinyIr({ levels: 8 }));
    const weights = new Map((await model.readWeights()).map((w) => [w.name, w.name.startsWith("lm.") ? new Float32Array(w.data.length) : w.data]));
    model.writeWeights(weights);
    const tokens = randomTokens(4, 64, 8, 2);
    const bpd = tf.tidy(() => bitsPerDim(model.applyHead("lm", model.encode("enc", model.input("enc", tokens, 4))), tokens).dataSync()[0]!);
    expect(bpd).toBeCloseTo(3, 5);
    model.dispose();
  });

  it("releases every tensor it made when disposed", () => {
    const before = tf.memory().numTensors;
    const model = new Model(tinyIr());
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("the native kernels", () => {
  it("give the plain wasm backend's losses and gradients to float32 rounding", async () => {
    const { disableNativeKernels } = await import("../../runtime/backend.js");
    const ir = tinyIr({ kind: "patches" });
    const tokens = randomTokens(6, 64, 4, 3);
    const measure = () => {
      const model = new Model(ir);
      const r = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() =>
          bitsPerDim(model.applyHead("lm", model.encode("enc", model.input("enc", tokens, 6))), tokens),
        );
        const reached = model.variables.filter((v) => grads[v.name]); // the proj head gets none
        return [value.dataSync()[0]!, ...reached.map((v) => tf.norm(grads[v.name]!).dataSync()[0]!)];
      });
      model.dispose();
      return r;
    };
    const native = await selectBackend("wasm");
    const withNative = measure();
    await disableNativeKernels();
    const plain = measure();
    await selectBackend("wasm"); // restore for the other tests
    if (native.kernels.length === 0) return; // no addon here: both runs took the same path
    withNative.forEach((v, i) => expect(Math.abs(v - plain[i]!) / Math.max(1e-6, Math.abs(plain[i]!))).toBeLessThan(1e-3));
  });
});
