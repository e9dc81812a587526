// Micro-batched steps over masked, reconstruct and resnet passes (issue 16): with HGC_MICROBATCH's
// option forced, a step computes the single pass's losses, gradient norm and updated weights —
// the step's masks drawn once for the whole batch, NT-Xent by gradient caching, the token losses
// by their shares — and leaks no tensor. The memory estimate covers these passes too.
import { beforeAll, describe, expect, it } from "vitest";
import type { IRExperiment } from "../../compiler/ir.js";
import { selectBackend, tf } from "../../runtime/backend.js";
import { loadDataset } from "../../runtime/data/index.js";
import { sequenceBytes } from "../../runtime/memory.js";
import { Model } from "../../runtime/model.js";
import { Trainer } from "../../runtime/train.js";
import { maskedIr, resnetIr, trainRun } from "./fixtures.js";

beforeAll(async () => {
  await selectBackend("wasm");
});

/** Plain SGD, so a difference in the gradients shows in the weights as it is (Adam would rescale it). */
function sgd(ir: IRExperiment): IRExperiment {
  ir.optimizer = { ...ir.optimizer, kind: "sgd", lr: 0.05 };
  return ir;
}

const CASES: [string, () => IRExperiment][] = [
  ["masked", () => maskedIr("mim")],
  ["reconstruct", () => maskedIr("rec")],
  ["resnet + ntxent", () => resnetIr(8)],
  ["mae + ntxent", () => maskedIr("rec", "con")],
  ["masked + ntxent", () => maskedIr("mim", "con")],
];

describe("micro-batched steps over masked, reconstruct and resnet passes", () => {
  for (const [what, make] of CASES) {
    it(`${what}: the single pass's losses, gradient norm and updated weights`, async () => {
      const ir = sgd(make());
      const whole = await trainRun(ir, 3);
      expect(whole.micro).toBeNull();
      const parts = await trainRun(ir, 3, { microBatch: 3 }); // 8 images: micro-batches of 3, 3 and 2
      expect(parts.micro).toBe(3);
      parts.results.forEach((r, i) => {
        const w = whole.results[i]!;
        expect(Object.keys(r.losses)).toEqual(Object.keys(w.losses));
        for (const k of Object.keys(w.losses)) expect(Math.abs(r.losses[k]! - w.losses[k]!), `step ${i + 1} ${k}: ${r.losses[k]} vs ${w.losses[k]}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(w.losses[k]!)));
        expect(Math.abs(r.objective - w.objective), `step ${i + 1} objective`).toBeLessThan(1e-5 * Math.max(1, Math.abs(w.objective)));
        expect(Math.abs(r.gradNorm - w.gradNorm), `step ${i + 1} grad norm: ${r.gradNorm} vs ${w.gradNorm}`).toBeLessThan(1e-4 * Math.max(1, w.gradNorm));
      });
      expect(whole.results[2]!.objective).not.toBe(whole.results[0]!.objective); // the steps trained
      whole.weights.forEach((q, j) => {
        const p = parts.weights[j]!;
        expect(p.name).toBe(q.name);
        let worst = 0;
        for (let i = 0; i < q.data.length; i++) worst = Math.max(worst, Math.abs(p.data[i]! - q.data[i]!));
        expect(worst, `${q.name}`).toBeLessThan(1e-5);
      });
    });
  }

  it("keep tf.memory().numTensors flat across micro-batched steps", async () => {
    for (const ir of [maskedIr("rec", "con"), maskedIr("mim"), resnetIr(8)]) {
      const data = await loadDataset(ir.datasets.train!);
      const before = tf.memory().numTensors;
      const model = new Model(ir, 1);
      const trainer = new Trainer(ir, model, data, 1, 5, { microBatch: 3 });
      await trainer.trainStep();
      const afterOne = tf.memory().numTensors;
      for (let i = 0; i < 4; i++) await trainer.trainStep();
      expect(tf.memory().numTensors, ir.objective.text).toBe(afterOne);
      trainer.dispose();
      model.dispose();
      expect(tf.memory().numTensors, ir.objective.text).toBe(before);
    }
  });

  it("are chosen by the memory estimate when a masked, reconstruct or resnet step does not fit", async () => {
    for (const ir of [maskedIr("mim"), maskedIr("rec", "con"), resnetIr(8)]) {
      const model = new Model(ir, 1);
      const data = await loadDataset(ir.datasets.train!);
      const fits = new Trainer(ir, model, data, 1, 1);
      expect(fits.microBatch, ir.objective.text).toBeNull();
      // A budget smaller than one sequence's activations: micro-batches of one.
      const tight = new Trainer(ir, model, data, 1, 1, { memoryBudget: 1 });
      expect(tight.microBatch, ir.objective.text).toBe(1);
      fits.dispose();
      tight.dispose();
      model.dispose();
    }
  });
});

describe("the memory estimate of masked, reconstruct and resnet passes", () => {
  it("counts a reconstruct pass's encoder over the visible tokens and its decoder over them all", () => {
    const stack = { positions: 17, width: 16, heads: 2, mlp: 2, layers: 1, inWidth: 4, tokenOut: 16 };
    const visible = { ...stack, positions: 5, tokenOut: 0 };
    const decoder = { positions: 16, width: 8, heads: 2, mlp: 2, layers: 1, inWidth: 4, tokenOut: 4 };
    expect(sequenceBytes({ ...visible, decoder })).toBe(sequenceBytes(visible) + sequenceBytes(decoder));
    expect(sequenceBytes({ ...visible, decoder })).toBeLessThan(sequenceBytes(stack)); // MAE's encoder is cheaper
  });

  it("counts a resnet's convolutions: each one's output and im2col matrix per image, strides and shortcuts included", () => {
    const model = new Model(resnetIr(8), 1);
    const conv = (side: number, k: number, cin: number, cout: number) => ({ out: side * side * cout, taps: side * side * k * k * cin });
    const convs = [
      conv(8, 3, 1, 4), // stem
      conv(8, 3, 4, 4), // stage 1: same channels and size, no shortcut
      conv(8, 3, 4, 4),
      conv(4, 3, 4, 8), // stage 2: stride 2, a 1×1 shortcut
      conv(4, 3, 8, 8),
      conv(4, 1, 4, 8),
      conv(2, 3, 8, 16), // stage 3
      conv(2, 3, 16, 16),
      conv(2, 1, 8, 16),
    ];
    expect(model.convShapes("net", 8, 8)).toEqual(convs);
    const values = convs.reduce((s, c) => s + c.out, 0);
    const native = sequenceBytes({ kind: "resnet", pixels: 64, convs, native: true });
    expect(native).toBeGreaterThan(4 * (values + 64 + 8 * 8 * 9 * 4)); // every output, the input and the largest im2col at least
    // The composite ops keep every convolution's im2col windows until the backward pass ends.
    const composite = sequenceBytes({ kind: "resnet", pixels: 64, convs, native: false });
    expect(composite).toBeGreaterThan(native + 4 * convs.reduce((s, c) => s + c.taps, 0) - 4 * 8 * 8 * 9 * 4);
    model.dispose();
  });
});
