// Training with the two-view family: every loss mixed with the next-token loss, heads on heads,
// `ema` momentum copies following their source by the update rule exactly, moco's FIFO queue,
// the micro-batched step computing the single pass's numbers, and a resumed run reproducing the
// copies and the queue bit for bit.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { validateIR } from "../../compiler/index.js";
import { listCheckpoints, loadCheckpoint } from "../../runtime/checkpoint.js";
import { selectBackend, tf } from "../../runtime/backend.js";
import { loadDataset } from "../../runtime/data/index.js";
import { EventBus } from "../../runtime/events.js";
import { Model } from "../../runtime/model.js";
import { runExperiment } from "../../runtime/run.js";
import { Trainer, type StepResult, type TrainerOptions } from "../../runtime/train.js";
import { FAMILY, familyIr, type FamilyKind } from "./family-fixtures.js";

beforeAll(async () => {
  await selectBackend("wasm");
});

/** Every step's losses of a run folder, in order. */
function stepLosses(runDir: string): unknown[] {
  return readFileSync(join(runDir, "metrics.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; step?: number; losses?: unknown; objective?: number })
    .filter((e) => e.type === "step")
    .map((e) => ({ step: e.step, losses: e.losses, objective: e.objective }));
}

async function weightsOf(model: Model): Promise<Map<string, Float32Array>> {
  return new Map((await model.readWeights()).map((w) => [w.name, w.data]));
}

async function train(kind: FamilyKind, steps: number, options: TrainerOptions = {}, o: Parameters<typeof familyIr>[1] = {}) {
  const ir = familyIr(kind, { steps, optimizer: "sgd", lr: 0.05, ...o });
  const data = await loadDataset(ir.datasets.train!);
  const model = new Model(ir);
  const trainer = new Trainer(ir, model, data, 1, steps, options);
  const results: StepResult[] = [];
  try {
    for (let i = 0; i < steps; i++) results.push(await trainer.trainStep());
    return { results, weights: await weightsOf(model), micro: trainer.microBatch };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

describe("the two-view family in training", () => {
  it("has IR that ir.schema.json accepts, and refuses an ema head with trainable parameters", () => {
    for (const kind of FAMILY) expect(validateIR(familyIr(kind)).errors, kind).toEqual([]);
    const bad = familyIr("byol");
    bad.heads.tproj!.parameters = 5;
    expect(validateIR(bad).ok).toBe(false);
  });

  for (const kind of FAMILY) {
    it(`trains ${kind} mixed with the next-token loss, both terms finite, without leaking tensors`, async () => {
      const ir = familyIr(kind, { steps: 4 });
      const data = await loadDataset(ir.datasets.train!);
      const before = tf.memory().numTensors;
      const model = new Model(ir);
      const trainer = new Trainer(ir, model, data, 1, 4);
      const first = await trainer.trainStep();
      const afterOne = tf.memory().numTensors;
      const rest: StepResult[] = [];
      for (let i = 0; i < 3; i++) rest.push(await trainer.trainStep());
      expect(tf.memory().numTensors).toBe(afterOne);
      for (const r of [first, ...rest]) {
        expect(Object.keys(r.losses).sort()).toEqual(["con", "gen"]);
        expect(Number.isFinite(r.losses.con!) && Number.isFinite(r.losses.gen!)).toBe(true);
        expect(r.objective).toBeCloseTo(r.losses.gen! + 0.5 * r.losses.con!, 4);
      }
      trainer.dispose();
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it("an ema head's copies follow θ' ← d·θ' + (1−d)·θ exactly (float32) after each of N steps, and gradients never touch them", async () => {
    const decay = 0.9;
    const ir = familyIr("byol", { steps: 5, decay });
    const data = await loadDataset(ir.datasets.train!);
    const model = new Model(ir);
    const trainer = new Trainer(ir, model, data, 1, 5);
    try {
      const names = model.params.map((p) => p.name);
      expect(model.variables.some((v) => !v.trainable)).toBe(false);
      // the copies are of proj and of the encoder under it, not of pred
      const copies = model.buffers.map((b) => b.name).sort();
      expect(copies).toEqual(names.filter((n) => n.startsWith("enc.") || n.startsWith("proj.")).map((n) => `tproj/${n}`).sort());
      let w = await weightsOf(model);
      const expected = new Map(copies.map((c) => [c, Float32Array.from(w.get(c.slice("tproj/".length))!)]));
      for (const c of copies) expect(w.get(c)).toEqual(w.get(c.slice("tproj/".length))); // they start as the source
      const d = Math.fround(decay);
      const e = Math.fround(1 - decay);
      for (let step = 1; step <= 5; step++) {
        await trainer.trainStep();
        w = await weightsOf(model);
        for (const c of copies) {
          const theta = w.get(c.slice("tproj/".length))!;
          const ref = expected.get(c)!;
          for (let i = 0; i < ref.length; i++) ref[i] = Math.fround(Math.fround(ref[i]! * d) + Math.fround(theta[i]! * e));
          expect(w.get(c), `${c} after step ${step}`).toEqual(ref);
        }
      }
      // the online weights moved, so the copies are not the source any more
      expect(w.get("tproj/enc.wte")).not.toEqual(w.get("enc.wte"));
    } finally {
      trainer.dispose();
      model.dispose();
    }
  });

  it("an ema of a head on a head copies the whole chain under it: the predictor, the projection and the encoder", async () => {
    const ir = familyIr("byol", { steps: 2 });
    ir.heads.tpred = { ...ir.heads.pred!, name: "tpred", kind: "ema", ema: { of: "pred", decay: 0.5, values: 1 }, parameters: 0 };
    (ir.losses.con as { target: string }).target = "tpred";
    const data = await loadDataset(ir.datasets.train!);
    const model = new Model(ir);
    const trainer = new Trainer(ir, model, data, 1, 2);
    try {
      const names = model.buffers.map((b) => b.name);
      for (const prefix of ["tpred/pred.", "tpred/proj.", "tpred/enc.", "tproj/proj.", "tproj/enc."]) expect(names.some((n) => n.startsWith(prefix)), prefix).toBe(true);
      expect(names.some((n) => n.startsWith("tproj/pred."))).toBe(false);
      const r = await trainer.trainStep();
      expect(Number.isFinite(r.losses.con!)).toBe(true);
      const w = await weightsOf(model);
      // d = 0.5: after one step each copy is the mean of its start (the init) and the trained value
      const init = new Model(ir);
      const w0 = await weightsOf(init);
      init.dispose();
      const theta = w.get("pred.0.w")!;
      const copy = w.get("tpred/pred.0.w")!;
      const start = w0.get("pred.0.w")!;
      for (let i = 0; i < copy.length; i++) expect(copy[i]).toBe(Math.fround(Math.fround(start[i]! * 0.5) + Math.fround(theta[i]! * 0.5)));
    } finally {
      trainer.dispose();
      model.dispose();
    }
  });

  it("moco's queue takes each step's N keys in FIFO order, replacing the oldest", async () => {
    const ir = familyIr("moco", { steps: 3, queue: 16, batch: 8 });
    const data = await loadDataset(ir.datasets.train!);
    const model = new Model(ir);
    const trainer = new Trainer(ir, model, data, 1, 3);
    try {
      const rows = (q: Float32Array, from: number, to: number) => Array.from(q.subarray(from * 8, to * 8));
      const q0 = (await weightsOf(model)).get("con.queue")!;
      expect(q0.length).toBe(16 * 8);
      await trainer.trainStep();
      const q1 = (await weightsOf(model)).get("con.queue")!;
      expect(rows(q1, 0, 8)).not.toEqual(rows(q0, 0, 8));
      expect(rows(q1, 8, 16)).toEqual(rows(q0, 8, 16));
      await trainer.trainStep();
      const q2 = (await weightsOf(model)).get("con.queue")!;
      expect(rows(q2, 0, 8)).toEqual(rows(q1, 0, 8));
      expect(rows(q2, 8, 16)).not.toEqual(rows(q1, 8, 16));
      await trainer.trainStep(); // wraps around to the oldest keys
      const q3 = (await weightsOf(model)).get("con.queue")!;
      expect(rows(q3, 0, 8)).not.toEqual(rows(q2, 0, 8));
      expect(rows(q3, 8, 16)).toEqual(rows(q2, 8, 16));
    } finally {
      trainer.dispose();
      model.dispose();
    }
  });

  it("in micro-batches computes the single pass's losses, gradient norm, weights and copies (GradCache through every loss)", async () => {
    for (const kind of ["supcon", "moco", "byol", "simsiam", "barlow_twins", "vicreg"] as FamilyKind[]) {
      const whole = await train(kind, 3);
      expect(whole.micro).toBeNull();
      const parts = await train(kind, 3, { microBatch: 5 });
      expect(parts.micro).toBe(5);
      parts.results.forEach((r, i) => {
        const w = whole.results[i]!;
        for (const k of Object.keys(w.losses)) expect(Math.abs(r.losses[k]! - w.losses[k]!), `${kind} step ${i + 1} ${k}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(w.losses[k]!)));
        expect(Math.abs(r.gradNorm - w.gradNorm), `${kind} step ${i + 1} grad norm`).toBeLessThan(1e-3 * Math.max(1, w.gradNorm));
      });
      for (const [name, data] of whole.weights) {
        const other = parts.weights.get(name)!;
        let worst = 0;
        for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs(other[i]! - data[i]!));
        expect(worst, `${kind}: ${name}`).toBeLessThan(1e-4);
      }
    }
  });

  it("a resumed run reproduces the uninterrupted run's losses, momentum copies and queue bit for bit", async () => {
    const ir = familyIr("moco", { steps: 6, checkpointEvery: 4 });
    const tmp = () => mkdtempSync(join(tmpdir(), "hgc-family-"));
    const whole = tmp();
    await runExperiment({ ir, out: whole, backend: "wasm", evaluate: false });
    const split = tmp();
    let steps = 0;
    const bus = new EventBus();
    bus.on((e) => {
      if (e.type === "step") steps = e.step;
    });
    const first = await runExperiment({ ir, out: split, backend: "wasm", evaluate: false, bus, shouldStop: () => steps >= 3 });
    expect(first.status).toBe("interrupted");
    const second = await runExperiment({ ir, out: split, backend: "wasm", evaluate: false, resume: true });
    expect(second.status).toBe("completed");
    expect(stepLosses(split)).toEqual(stepLosses(whole));
    const a = loadCheckpoint(listCheckpoints(whole).at(-1)!.path);
    const b = loadCheckpoint(listCheckpoints(split).at(-1)!.path);
    expect([...b.weights.keys()].sort()).toEqual([...a.weights.keys()].sort());
    expect([...a.weights.keys()].filter((k) => k.startsWith("tproj/") || k === "con.queue").length).toBeGreaterThan(10);
    for (const [name, data] of a.weights) expect(Array.from(b.weights.get(name)!), name).toEqual(Array.from(data));
  });
});
