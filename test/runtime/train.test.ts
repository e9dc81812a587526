import { beforeAll, describe, expect, it } from "vitest";
import { selectBackend, tf } from "../../runtime/backend.js";
import { loadDataset } from "../../runtime/data/index.js";
import { Model } from "../../runtime/model.js";
import { microBatches, planMicroBatch, sequenceBytes, stepBytes } from "../../runtime/memory.js";
import { NonFiniteError, Sampler, Trainer, type StepResult, type TrainerOptions } from "../../runtime/train.js";
import { tinyIr, trainRun, type TinyOptions } from "./fixtures.js";

beforeAll(async () => {
  await selectBackend("wasm");
});

async function trainSteps(o: TinyOptions, steps: number, seed = 1): Promise<StepResult[]> {
  const ir = tinyIr({ ...o, steps });
  const data = await loadDataset(ir.datasets.train!);
  const model = new Model(ir, seed);
  const trainer = new Trainer(ir, model, data, seed, steps);
  const out: StepResult[] = [];
  try {
    for (let i = 0; i < steps; i++) out.push(await trainer.trainStep());
  } finally {
    trainer.dispose();
    model.dispose();
  }
  return out;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe("training", () => {
  it("decreases the objective of a small synthetic run", async () => {
    const steps = await trainSteps({ lr: 3e-3 }, 40);
    const first = mean(steps.slice(0, 5).map((s) => s.objective));
    const last = mean(steps.slice(-5).map((s) => s.objective));
    expect(last).toBeLessThan(first - 0.3);
    // every term is logged on its own, with its weight
    expect(Object.keys(steps[0]!.losses).sort()).toEqual(["con", "gen"]);
    expect(steps[0]!.weights).toEqual({ gen: 1, con: 0.5 });
    expect(steps[0]!.objective).toBeCloseTo(steps[0]!.losses.gen! + 0.5 * steps[0]!.losses.con!, 5);
  });

  it("trains with adam, sgd and a patches tokenizer", async () => {
    for (const o of [{ optimizer: "adam" }, { optimizer: "sgd", lr: 0.05 }, { kind: "patches" }] as TinyOptions[]) {
      const steps = await trainSteps(o, 25);
      expect(mean(steps.slice(-5).map((s) => s.objective)), JSON.stringify(o)).toBeLessThan(mean(steps.slice(0, 5).map((s) => s.objective)));
    }
  });

  it("applies dropout reproducibly: same seed, same losses; a different loss than without dropout", async () => {
    const a = await trainSteps({ dropout: 0.2 }, 3);
    const b = await trainSteps({ dropout: 0.2 }, 3);
    const none = await trainSteps({}, 3);
    expect(b.map((s) => s.losses)).toEqual(a.map((s) => s.losses));
    expect(a[0]!.losses.gen).not.toBe(none[0]!.losses.gen);
  });

  it("gives the same losses for the same seed and different ones for another", async () => {
    const a = await trainSteps({}, 5, 3);
    const b = await trainSteps({}, 5, 3);
    const c = await trainSteps({}, 5, 4);
    expect(b.map((s) => s.losses)).toEqual(a.map((s) => s.losses));
    expect(c.map((s) => s.losses)).not.toEqual(a.map((s) => s.losses));
  });

  it("reads the first augmented view for a generative loss with input: view, and needs no clean pass", async () => {
    const ir = tinyIr({ steps: 2 });
    (ir.losses.gen as { input: string }).input = "view";
    const data = await loadDataset(ir.datasets.train!);
    const model = new Model(ir);
    const viewTrainer = new Trainer(ir, model, data, 1, 2);
    expect(viewTrainer.imagesPerStep).toBe(2 * 8);
    const r = await viewTrainer.trainStep();
    viewTrainer.dispose();
    model.dispose();
    const clean = await trainSteps({}, 1);
    expect(Number.isFinite(r.losses.gen!)).toBe(true);
    expect(r.losses.gen).not.toBe(clean[0]!.losses.gen);
    expect(r.losses.con).toBe(clean[0]!.losses.con);
  });

  it("keeps tf.memory().numTensors flat across steps", async () => {
    const ir = tinyIr({ steps: 12 });
    const data = await loadDataset(ir.datasets.train!);
    const before = tf.memory().numTensors;
    const model = new Model(ir);
    const trainer = new Trainer(ir, model, data, 1, 12);
    await trainer.trainStep();
    const afterOne = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) await trainer.trainStep();
    expect(tf.memory().numTensors).toBe(afterOne);
    trainer.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("stops on NaN with an error naming the step and the term, leaving the weights untouched", async () => {
    const ir = tinyIr({ steps: 3 });
    (ir.losses.con as { temperature: number }).temperature = 1e-40; // similarities / τ overflow to Inf
    const data = await loadDataset(ir.datasets.train!);
    const model = new Model(ir);
    const trainer = new Trainer(ir, model, data, 1, 3);
    const before = await model.readWeights();
    const err = await trainer.trainStep().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonFiniteError);
    expect((err as Error).message).toMatch(/^loss `con` became NaN at step 1$/);
    const after = await model.readWeights();
    after.forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(before[i]!.data)));
    trainer.dispose();
    model.dispose();
  });
});

/** Steps of a tiny run with the given trainer options; the losses, grad norms and the weights after. */
function stepsWith(o: TinyOptions, steps: number, options: TrainerOptions = {}) {
  return trainRun(tinyIr({ ...o, steps }), steps, options);
}

function expectClose(a: number, b: number, what: string, rel = 1e-5, abs = 1e-7): void {
  expect(Math.abs(a - b), `${what}: ${a} vs ${b}`).toBeLessThanOrEqual(rel * Math.abs(b) + abs);
}

describe("micro-batched steps", () => {
  it("keep the single pass when the step fits; pick micro-batches from the estimate when it does not", () => {
    const shape = { positions: 197, width: 96, heads: 4, mlp: 4, layers: 3, inWidth: 8, tokenOut: 8 };
    const passes = [
      { sequences: 128, shape },
      { sequences: 64, shape },
    ];
    expect(stepBytes(passes)).toBe(192 * sequenceBytes(shape));
    expect(stepBytes(passes)).toBeGreaterThan(3 * 2 ** 30); // examples/hybrid.hgc: most of the 4 GiB wasm heap
    const m = planMicroBatch(passes, 2 ** 30, undefined)!;
    expect(m * sequenceBytes(shape)).toBeLessThanOrEqual(2 ** 30);
    expect(m).toBeGreaterThan(8);
    expect(planMicroBatch(passes, 2 ** 40, undefined)).toBeNull();
    expect(planMicroBatch(passes, 2 ** 40, 5)).toBe(5);
    expect(microBatches(2, 10, 4)).toEqual([
      { start: 0, count: 3 },
      { start: 3, count: 3 },
      { start: 6, count: 4 },
      { start: 10, count: 3 },
      { start: 13, count: 3 },
      { start: 16, count: 4 },
    ]);
    expect(microBatches(1, 8, 8)).toEqual([{ start: 0, count: 8 }]);
  });

  it("compute the single pass's losses, gradient norm and updated weights (GradCache for NT-Xent)", async () => {
    for (const o of [{ optimizer: "sgd", lr: 0.05 }, { kind: "patches", optimizer: "sgd", lr: 0.05 }, { objective: "con", optimizer: "sgd", lr: 0.05 }] as TinyOptions[]) {
      const whole = await stepsWith(o, 3);
      expect(whole.micro).toBeNull();
      for (const size of [3, 5]) {
        const parts = await stepsWith(o, 3, { microBatch: size });
        expect(parts.micro).toBe(size);
        const tag = `${JSON.stringify(o)} in micro-batches of ${size}`;
        parts.results.forEach((r, i) => {
          const w = whole.results[i]!;
          for (const k of Object.keys(w.losses)) expectClose(r.losses[k]!, w.losses[k]!, `${tag}: step ${i + 1} ${k}`);
          expectClose(r.objective, w.objective, `${tag}: step ${i + 1} objective`);
          expectClose(r.gradNorm, w.gradNorm, `${tag}: step ${i + 1} grad norm`, 1e-4);
        });
        parts.weights.forEach((p, j) => {
          const q = whole.weights[j]!;
          expect(p.name).toBe(q.name);
          for (let i = 0; i < p.data.length; i++) expectClose(p.data[i]!, q.data[i]!, `${tag}: ${p.name}[${i}]`, 1e-5, 1e-6);
        });
      }
    }
  });

  it("with input: view and with dropout, train in micro-batches without leaking tensors", async () => {
    const ir = tinyIr({ steps: 8, dropout: 0.1 });
    (ir.losses.gen as { input: string }).input = "view";
    const data = await loadDataset(ir.datasets.train!);
    const before = tf.memory().numTensors;
    const model = new Model(ir);
    const trainer = new Trainer(ir, model, data, 1, 8, { microBatch: 3 });
    const first = await trainer.trainStep();
    const afterOne = tf.memory().numTensors;
    const rest: StepResult[] = [];
    for (let i = 0; i < 7; i++) rest.push(await trainer.trainStep());
    expect(tf.memory().numTensors).toBe(afterOne);
    expect([first, ...rest].every((r) => Number.isFinite(r.objective))).toBe(true);
    trainer.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("the data order", () => {
  it("visits every image once per epoch and continues across epochs", () => {
    const s = new Sampler(10, 2);
    const epoch = [...s.next(4), ...s.next(4), ...s.next(2)];
    expect([...epoch].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const next = s.next(3);
    expect(s.epoch).toBe(1);
    const again = new Sampler(10, 2);
    again.seek(1, 0);
    expect(Array.from(again.next(3))).toEqual(Array.from(next));
  });
});
