// Masked modelling and MAE reconstruction (issue 16) at the runtime: the mask hides the masked
// tokens' values from every position (their inputs get no gradient and change nothing), the
// reconstruct pass's encoder reads the visible tokens only, the losses equal hand-computed values
// on tiny batches, and both train a few steps.
import { beforeAll, describe, expect, it } from "vitest";
import { selectBackend, tf } from "../../runtime/backend.js";
import { loadDataset } from "../../runtime/data/index.js";
import { maskedBitsPerDim, patchTargets, reconstructionLoss } from "../../runtime/losses.js";
import { Model } from "../../runtime/model.js";
import { Rng } from "../../runtime/rng.js";
import { drawMask, Trainer } from "../../runtime/train.js";
import { maskedIr, tinyIr } from "./fixtures.js";

beforeAll(async () => {
  await selectBackend("cpu");
});

const n = 3;
async function batchTokens(model: Model): Promise<Int32Array> {
  const ds = await loadDataset(model.ir.datasets.train!);
  return model.tokenize("enc", ds.images.subarray(0, n * 64), n, 8, 8);
}

describe("masked modelling", () => {
  it("masked positions' inputs carry no information about their targets (zero gradient, outputs unchanged)", async () => {
    const model = new Model(maskedIr("mim"), 1);
    const tokens = await batchTokens(model);
    const mask = drawMask(n, 16, 0.4, false, new Rng("t:mask"));
    const before = tf.memory().numTensors;
    const { dx, outA, outB } = tf.tidy(() => {
      const input = model.input("enc", tokens, n, mask);
      const loss = (x: tf.Tensor) => maskedBitsPerDim(model.applyHead("lm", model.encode("enc", { ...input, x })), tokens, mask.rows);
      const dx = tf.grad(loss)(input.x).arraySync() as number[][];
      // Every masked token's value changed: every output the same.
      const other = tokens.map((t, i) => (mask.rows[Math.floor(i / 4)] ? (t + 1) % 4 : t));
      const outA = model.encode("enc", input).tokens!.arraySync();
      const outB = model.encode("enc", model.input("enc", other, n, mask)).tokens!.arraySync();
      return { dx, outA, outB };
    });
    expect(tf.memory().numTensors).toBe(before);
    let masked = 0;
    let visibleNonZero = 0;
    dx.forEach((row, r) => {
      const size = Math.max(...row.map(Math.abs));
      if (mask.rows[r]) {
        masked++;
        expect(size).toBe(0);
      } else if (size > 0) visibleNonZero++;
    });
    expect(masked).toBe(n * Math.round(0.4 * 16));
    expect(visibleNonZero).toBe(n * 16 - masked);
    expect(outB).toEqual(outA);
    model.dispose();
  });

  it("the loss is the cross entropy of the masked values in bits, by hand", () => {
    // 2 tokens of 2 values each (G = 2), 3 levels; token 1 masked.
    const logits = [
      [0, 0, 0],
      [1, 2, 3],
      [2, 0, -1],
      [0.5, 0.5, 2],
    ];
    const targets = Int32Array.from([0, 2, 1, 2]);
    const rows = Float32Array.from([0, 1]);
    const nll = (l: number[], t: number) => Math.log(l.reduce((s, v) => s + Math.exp(v), 0)) - l[t]!;
    const want = (nll(logits[2]!, 1) + nll(logits[3]!, 2)) / 2 / Math.LN2;
    const got = tf.tidy(() => maskedBitsPerDim(tf.tensor2d(logits), targets, rows).arraySync() as number);
    expect(got).toBeCloseTo(want, 5);
  });

  it("trains: the masked loss is finite and the mask vector learns", async () => {
    const ir = maskedIr("mim");
    const model = new Model(ir, 1);
    const trainer = new Trainer(ir, model, await loadDataset(ir.datasets.train!), 1, 3);
    const maskVar = model.params.find((p) => p.name === "enc.mask")!;
    const start = maskVar.variable.arraySync() as number[];
    for (let i = 0; i < 3; i++) expect(Number.isFinite((await trainer.trainStep()).losses.mim!)).toBe(true);
    expect(maskVar.variable.arraySync()).not.toEqual(start);
    trainer.dispose();
    model.dispose();
  });
});

describe("MAE reconstruction", () => {
  it("the encoder reads the visible tokens only; the decoder predicts every position", async () => {
    const model = new Model(maskedIr("rec"), 1);
    const tokens = await batchTokens(model);
    const mask = drawMask(n, 16, 0.75, true, new Rng("t:rec"));
    expect(mask.visible!.length).toBe(n * 4);
    const before = tf.memory().numTensors;
    const r = tf.tidy(() => {
      const input = model.input("enc", tokens, n, mask);
      const out = model.encode("enc", input);
      const pred = model.applyHead("dec", out);
      const loss = (x: tf.Tensor) => reconstructionLoss(model.applyHead("dec", model.encode("enc", { ...input, x })), patchTargets(model.tokenizerOf("enc"), tokens, n), mask.rows);
      return { inputRows: input.x.shape[0], tokens: out.tokens!.shape, pred: pred.shape, grad: tf.grad(loss)(input.x).shape };
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.inputRows).toBe(n * 4); // the masked tokens never enter the encoder
    expect(r.tokens).toEqual([n, 4, 16]);
    expect(r.pred).toEqual([n * 16, 4]);
    expect(r.grad).toEqual([n * 4, 4]);
    model.dispose();
  });

  it("the loss is the MSE of per-patch normalised pixels over masked patches, by hand", () => {
    const tok = tinyIr({ kind: "patches", levels: 4 }).tokenizers.pixels!;
    // one image of 16 tokens of 4 values; token t has values [t % 4, 0, 3, 3]
    const tokens = new Int32Array(64);
    for (let t = 0; t < 16; t++) tokens.set([t % 4, 0, 3, 3], t * 4);
    const targets = patchTargets(tok, tokens, 1);
    const norm = (v: number[]) => {
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      const s = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length + 1e-6);
      return v.map((x) => (x - m) / s);
    };
    expect(Array.from(targets.subarray(4, 8))).toEqual(norm([1 / 3, 0, 1, 1]).map((x) => Math.fround(x)));
    const rows = new Float32Array(16);
    rows[1] = 1;
    rows[6] = 1;
    const pred = new Float32Array(64).map((_, i) => (i % 5) / 4);
    let want = 0;
    for (const t of [1, 6]) for (let j = 0; j < 4; j++) want += (pred[t * 4 + j]! - targets[t * 4 + j]!) ** 2;
    want /= 8;
    const got = tf.tidy(() => reconstructionLoss(tf.tensor2d(pred, [16, 4]), targets, rows).arraySync() as number);
    expect(got).toBeCloseTo(want, 5);
  });

  it("trains a few steps, the loss finite", async () => {
    const ir = maskedIr("rec");
    const model = new Model(ir, 1);
    const trainer = new Trainer(ir, model, await loadDataset(ir.datasets.train!), 1, 3);
    for (let i = 0; i < 3; i++) expect(Number.isFinite((await trainer.trainStep()).losses.rec!)).toBe(true);
    trainer.dispose();
    model.dispose();
  });
});
