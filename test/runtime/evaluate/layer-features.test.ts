// `ood(…)` and `robustness(…)` over one block's features, `enc.layer(k)`, on the real (untrained)
// model: the kNN OOD score is the one computed directly from the block's pooled output, not from
// `.pooled`'s, and the robustness probe reads the block too.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IRFeatures, IRProtocol } from "../../../compiler/ir.js";
import { selectBackend } from "../../../runtime/backend.js";
import type { ImageSet } from "../../../runtime/data/types.js";
import { matrix } from "../../../runtime/evaluate/features.js";
import { evaluate } from "../../../runtime/evaluate/index.js";
import { knnOodScore } from "../../../runtime/evaluate/knn.js";
import { rankingMetrics } from "../../../runtime/evaluate/metrics.js";
import { blockFeatures, evalContext } from "../../../runtime/inference.js";
import { Model } from "../../../runtime/model.js";
import { imageSets, synthetic, tinyIr } from "./tiny.js";

const layer: IRFeatures = { encoder: "enc", member: "layer", layer: 1 };
const pooled: IRFeatures = { encoder: "enc", member: "pooled" };
const ood = (features: IRFeatures): IRProtocol => ({ applicable: true, kind: "ood", in: "test", out: "other", scores: ["knn"], features, train: "train", k: 5 });
const robustness = (features: IRFeatures): IRProtocol => ({ applicable: true, kind: "robustness", data: "test", corruptions: ["gaussian_noise"], severities: [3], features, train: "train" });

describe("ood and robustness over enc.layer(k)", () => {
  const datasets = { train: synthetic("train", "train", 120), test: synthetic("test", "test", 60), other: synthetic("other", "test", 60, { noise: 0.4, seed: 9 }) };
  const ir = tinyIr([ood(layer), robustness(layer)], { steps: 1, datasets });
  const sets: Record<string, ImageSet> = {};
  let runDir: string;
  beforeAll(async () => {
    await selectBackend("wasm");
    Object.assign(sets, imageSets(ir));
    runDir = mkdtempSync(join(tmpdir(), "hgc-layer-"));
  });
  afterAll(() => rmSync(runDir, { recursive: true, force: true }));

  it("score the block's features, not the pooled ones", async () => {
    const model = new Model(ir);
    try {
      const ctx = () => evalContext(model, runDir, 0, ir.seed, async (name) => sets[name]!);
      const onLayer = await evaluate([ood(layer), robustness(layer)], ctx());
      const onPooled = await evaluate([ood(pooled), robustness(pooled)], ctx());
      const block = async (name: string) => matrix((await blockFeatures(model, "enc", sets[name]!.images, sets[name]!.n))[0]!, sets[name]!.n);
      const [train, test, other] = [await block("train"), await block("test"), await block("other")];
      const r = rankingMetrics(knnOodScore(train, test, 5), knnOodScore(train, other, 5));
      expect(onLayer.metrics["ood.knn.auroc"]).toBe(r.auroc);
      expect(onLayer.metrics["ood.knn.auroc"]).not.toBe(onPooled.metrics["ood.knn.auroc"]);
      for (const m of ["robustness.clean_accuracy", "robustness.gaussian_noise.3.accuracy"]) expect(onLayer.metrics[m], m).toEqual(expect.any(Number));
      expect(onLayer.metrics["robustness.gaussian_noise.3.accuracy"]).not.toBe(onPooled.metrics["robustness.gaussian_noise.3.accuracy"]);
    } finally {
      model.dispose();
    }
  });
});
