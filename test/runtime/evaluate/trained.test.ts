// End to end on the real model: a few hundred steps of hybrid training on synthetic shapes, then
// the evaluate block over the trained model and over the same model untrained (same init seed).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IRProtocol } from "../../../compiler/ir.js";
import { selectBackend, tf } from "../../../runtime/backend.js";
import type { ImageSet } from "../../../runtime/data/types.js";
import { evaluate } from "../../../runtime/evaluate/index.js";
import { evalContext, runBaselines } from "../../../runtime/inference.js";
import { Model } from "../../../runtime/model.js";
import { Trainer } from "../../../runtime/train.js";
import { features, imageSets, tinyIr } from "./tiny.js";

const STEPS = 400;

const block: IRProtocol[] = [
  { applicable: true, kind: "linear_probe", features, train: "train", val: null, test: "test", epochs: 30, lr: 1e-2, baselines: ["init", "pixels"] },
  { applicable: true, kind: "knn", features, k: 20, train: "train", test: "test", temperature: 0.07, baselines: ["init", "pixels"] },
  { applicable: true, kind: "bits_per_dim", data: "test", head: "lm", tokenizer: "pixels" },
];

describe("evaluation of a trained model", () => {
  const ir = tinyIr(block, { steps: STEPS, genWeight: 0.25 });
  const sets: Record<string, ImageSet> = {};
  let runDir: string;
  beforeAll(async () => {
    await selectBackend("auto");
    Object.assign(sets, imageSets(ir));
    runDir = mkdtempSync(join(tmpdir(), "hgc-trained-"));
  });
  afterAll(() => rmSync(runDir, { recursive: true, force: true }));

  it("probes and classifies the trained encoder's features better than the same encoder untrained, and its likelihood is higher", async () => {
    const load = async (name: string) => sets[name]!;
    const untrained = new Model(ir);
    const before = await evaluate(block, evalContext(untrained, runDir, 0, ir.seed, load));

    const model = new Model(ir);
    const trainer = new Trainer(ir, model, sets.train!, ir.seed, STEPS);
    for (let i = 0; i < STEPS; i++) await trainer.trainStep();
    // The run's baselines: the init figures rebuild the model from the IR with the same seed.
    const baselines = runBaselines(ir, ir.seed);
    const after = await evaluate(block, evalContext(model, runDir, STEPS, ir.seed, load, baselines));
    baselines.release();
    trainer.dispose();
    tf.disposeVariables();

    // Chance is 0.25; a random transformer's features already probe well above it.
    expect(after.metrics["linear_probe.accuracy"]!).toBeGreaterThan(before.metrics["linear_probe.accuracy"]! + 0.03);
    expect(after.metrics["knn.accuracy"]!).toBeGreaterThan(before.metrics["knn.accuracy"]! + 0.05);
    expect(after.metrics["bits_per_dim"]!).toBeLessThan(before.metrics["bits_per_dim"]!);
    // The init baseline is exactly the untrained model's figure (same seed, same protocol).
    expect(after.metrics["linear_probe.init_accuracy"]).toBe(before.metrics["linear_probe.accuracy"]);
    expect(after.metrics["knn.init_accuracy"]).toBe(before.metrics["knn.accuracy"]);
    expect(after.metrics["linear_probe.pixels_accuracy"]).toEqual(expect.any(Number));
  });
});
