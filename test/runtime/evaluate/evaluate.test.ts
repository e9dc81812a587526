import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import type { IRProtocol } from "../../../compiler/ir.js";
import { matrix } from "../../../runtime/evaluate/features.js";
import { evaluate, metricNames, metricPrefixes } from "../../../runtime/evaluate/index.js";
import { knnClassify, knnOodScore } from "../../../runtime/evaluate/knn.js";
import { accuracy, rankingMetrics } from "../../../runtime/evaluate/metrics.js";
import { scoreProbe, trainProbe } from "../../../runtime/evaluate/probe.js";
import { fixtureContext, LEVELS, protocols, SIDE, testIr } from "./fixture.js";

const all = (): IRProtocol[] => [
  protocols.linearProbe(),
  protocols.knn(),
  protocols.bitsPerDim(),
  protocols.ood(["likelihood", "knn", "mahalanobis"]),
  protocols.robustness(["gaussian_noise", "rotate"], [1, 5]),
  protocols.samples(6),
];

describe("evaluate", () => {
  it("runs every protocol of the block and reports exactly the documented metric names", async () => {
    const ps = all();
    const ctx = fixtureContext(testIr(ps), undefined, 250);
    const { metrics, skipped } = await evaluate(ps, ctx);
    expect(skipped).toEqual([]);
    const expected = ps.flatMap((p) => metricNames(p));
    expect(Object.keys(metrics)).toEqual(expected);
    for (const name of expected) expect(metrics[name], name).toEqual(expect.any(Number));

    // Discrimination on 4 shape classes (chance 0.25) from a random projection of the pixels.
    expect(metrics["linear_probe.accuracy"]).toBeGreaterThan(0.5);
    expect(metrics["linear_probe.ece"]).toBeGreaterThanOrEqual(0);
    expect(metrics["linear_probe.ece"]).toBeLessThan(0.5);
    expect(metrics["knn.accuracy"]).toBeGreaterThan(0.5);
    // Uniform noise is far from the shapes under all three scores.
    for (const s of ["likelihood", "knn", "mahalanobis"]) expect(metrics[`ood.${s}.auroc`], s).toBeGreaterThan(0.8);
    expect(metrics["ood.auroc"]).toBe(metrics["ood.likelihood.auroc"]);
    // The strongest corruptions cost accuracy.
    for (const c of ["gaussian_noise", "rotate"]) expect(metrics[`robustness.${c}.5.accuracy`]).toBeLessThan(metrics["robustness.clean_accuracy"]!);
    // Robustness reuses the linear probe: its clean accuracy is the probe's.
    expect(metrics["robustness.clean_accuracy"]).toBe(metrics["linear_probe.accuracy"]);
    const perC = ["gaussian_noise", "rotate"].map((c) => metrics[`robustness.${c}.accuracy`]!);
    expect(perC[0]).toBeCloseTo((metrics["robustness.gaussian_noise.1.accuracy"]! + metrics["robustness.gaussian_noise.5.accuracy"]!) / 2, 12);
    expect(metrics["robustness.mean_accuracy"]).toBeCloseTo((perC[0]! + perC[1]!) / 2, 12);
    expect(metrics["robustness.drop"]).toBeCloseTo(metrics["robustness.clean_accuracy"]! - metrics["robustness.mean_accuracy"]!, 12);
    expect(metrics["samples.count"]).toBe(6);
  });

  it("reports bits/dim as the mean of the head's per-image figures", async () => {
    const ps = [protocols.bitsPerDim()];
    const ctx = fixtureContext(testIr(ps));
    const { metrics } = await evaluate(ps, ctx);
    const test = await ctx.loadData("test");
    const per = await ctx.bitsPerDim("lm", test.images, test.n);
    const mean = per.reduce((a, b) => a + b, 0) / per.length;
    expect(metrics["bits_per_dim"]).toBeCloseTo(mean, 10);
    // A fitted model beats the uniform predictor, which costs exactly log2(levels) bits.
    expect(metrics["bits_per_dim"]).toBeLessThan(Math.log2(LEVELS));
  });

  it("gives exactly log2(levels) bits/dim for a uniform predictor", async () => {
    const ps = [protocols.bitsPerDim()];
    const ctx = fixtureContext(testIr(ps));
    ctx.bitsPerDim = async (_head, _images, n) => new Float32Array(n).fill(Math.log2(LEVELS));
    expect((await evaluate(ps, ctx)).metrics["bits_per_dim"]).toBe(2);
  });

  it("writes the sample sheet for the step and refreshes samples.png", async () => {
    const ps = [protocols.samples(5)];
    const ctx = fixtureContext(testIr(ps), undefined, 40);
    await evaluate(ps, ctx);
    const stepFile = join(ctx.runDir, "samples-step40.png");
    expect(existsSync(stepFile)).toBe(true);
    expect(readFileSync(join(ctx.runDir, "samples.png"))).toEqual(readFileSync(stepFile));
    // 5 samples → 3 per row, 2 rows of 12×12 tiles enlarged 5× (to ≥ 56 px), 2 px gaps.
    const png = PNG.sync.read(readFileSync(stepFile));
    expect(png.width).toBe(3 * 60 + 4 * 2);
    expect(png.height).toBe(2 * 60 + 3 * 2);
    expect(SIDE * 5).toBe(60);
  });

  it("lists a protocol that is not applicable as skipped, with null metrics, and does not run it", async () => {
    const bpd: IRProtocol = { ...protocols.bitsPerDim(), applicable: false, reason: "the objective has no generative loss" };
    const ps = [bpd, protocols.knn()];
    const ctx = fixtureContext(testIr(ps));
    const { metrics, skipped } = await evaluate(ps, ctx);
    expect(skipped).toEqual([{ protocol: "bits_per_dim", reason: "the objective has no generative loss" }]);
    expect(metrics["bits_per_dim"]).toBeNull();
    expect(ctx.calls.bitsPerDim).toBe(0);
    expect(metrics["knn.accuracy"]).toEqual(expect.any(Number));
  });

  it("skips the likelihood OOD score when the objective trains no generative head, and heads ood.auroc with the next score", async () => {
    const ps = [protocols.ood(["likelihood", "knn"])];
    const ctx = fixtureContext(testIr(ps, { generative: false }));
    const { metrics, skipped } = await evaluate(ps, ctx);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.protocol).toBe("ood.likelihood");
    expect(skipped[0]!.reason).toMatch(/does not train the generative head/);
    expect(metrics["ood.likelihood.auroc"]).toBeNull();
    expect(metrics["ood.auroc"]).toBe(metrics["ood.knn.auroc"]);
    expect(ctx.calls.bitsPerDim).toBe(0);
  });

  it("computes each dataset's features once per evaluation", async () => {
    const ps = [protocols.linearProbe(), protocols.knn(), protocols.ood(["knn", "mahalanobis"])];
    const ctx = fixtureContext(testIr(ps));
    await evaluate(ps, ctx);
    expect(ctx.calls.features).toBe(3); // train, test, ood
  });

  it("agrees with the building blocks applied to the context's features directly", async () => {
    // knn (k 10) and the kNN OOD score (k 5 after it) share one neighbour search; the figures must not notice.
    const ps = [protocols.knn(10), { ...protocols.ood(["knn"]), k: 5 } as IRProtocol];
    const ctx = fixtureContext(testIr(ps));
    const { metrics } = await evaluate(ps, ctx);
    const feats = async (name: string) => {
      const set = await ctx.loadData(name);
      return { set, x: matrix(await ctx.features("enc", set.images, set.n), set.n) };
    };
    const [train, test, ood] = [await feats("train"), await feats("test"), await feats("ood")];
    const direct = knnClassify(train.x, train.set.labels, test.x, 10, 0.07);
    expect(metrics["knn.accuracy"]).toBe(accuracy(direct.predicted, test.set.labels));
    const r = rankingMetrics(knnOodScore(train.x, test.x, 5), knnOodScore(train.x, ood.x, 5));
    expect(metrics["ood.knn.auroc"]).toBe(r.auroc);
    expect(metrics["ood.knn.fpr95"]).toBe(r.fpr95);
    expect(metrics["ood.knn.aupr_out"]).toBe(r.auprOut);
  });

  it("asks the model for each dataset's bits/dim once, shared by bits_per_dim and the likelihood score", async () => {
    const ps = [protocols.bitsPerDim(), protocols.ood(["likelihood"])];
    const ctx = fixtureContext(testIr(ps));
    await evaluate(ps, ctx);
    expect(ctx.calls.bitsPerDim).toBe(2); // test, ood
  });

  it("never has two model calls in flight at once", async () => {
    // Mahalanobis wants three datasets' features at once; they must still be computed one by one.
    const ps = [protocols.ood(["mahalanobis"]), ...all()];
    const ctx = fixtureContext(testIr(ps));
    let inFlight = 0;
    let most = 0;
    for (const name of ["features", "bitsPerDim", "sample"] as const) {
      const real = ctx[name].bind(ctx) as (...a: unknown[]) => Promise<Float32Array>;
      (ctx as unknown as Record<string, unknown>)[name] = async (...a: unknown[]) => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 1));
        try {
          return await real(...a);
        } finally {
          inFlight--;
        }
      };
    }
    await evaluate(ps, ctx);
    expect(most).toBe(1);
  });

  it("fits the robustness probe on its own features (L2 chosen on a tenth of train) when no linear_probe shares them", async () => {
    const ps = [protocols.robustness(["blur"], [2])];
    const ctx = fixtureContext(testIr(ps));
    const { metrics } = await evaluate(ps, ctx);
    const train = await ctx.loadData("train");
    const test = await ctx.loadData("test");
    const x = async (set: typeof train) => matrix(await ctx.features("enc", set.images, set.n), set.n);
    const probe = trainProbe(await x(train), train.labels, train.classes, { seed: ctx.seed });
    expect(metrics["robustness.clean_accuracy"]).toBe(scoreProbe(probe, await x(test), test.labels).accuracy);
  });

  it("gives the same figures for the same model and seed", async () => {
    const ps = [protocols.linearProbe(), protocols.robustness(["shot_noise", "erase"], [3])];
    const a = await evaluate(ps, fixtureContext(testIr(ps)));
    const b = await evaluate(ps, fixtureContext(testIr(ps)));
    expect(a).toEqual(b);
  });

  it("names a kind's second protocol with a suffix so metric names never collide", () => {
    const ps = [protocols.knn(5), protocols.linearProbe(), protocols.knn(20)];
    expect(metricPrefixes(ps)).toEqual(["knn", "linear_probe", "knn_2"]);
    expect(metricNames(ps[2]!, "knn_2")).toEqual(["knn_2.accuracy", "knn_2.init_accuracy", "knn_2.pixels_accuracy"]);
  });

  it("names the protocol that failed", async () => {
    const ps = [protocols.robustness(["fog"], [1])];
    await expect(evaluate(ps, fixtureContext(testIr(ps)))).rejects.toThrow(/`robustness` failed: unknown corruption `fog`/);
  });

  it("reports the baselines: the same protocols on the encoder at initialisation and on the raw pixels", async () => {
    const ps = [protocols.linearProbe(), protocols.knn(10)];
    const ctx = fixtureContext(testIr(ps));
    const r = await evaluate(ps, ctx);
    const train = await ctx.loadData("train");
    const test = await ctx.loadData("test");
    // The pixel baseline is the probe fitted on the flattened images, exactly.
    const px = (set: typeof train) => matrix(set.images, set.n);
    const pixelProbe = trainProbe(px(train), train.labels, train.classes, { seed: ctx.seed });
    expect(r.metrics["linear_probe.pixels_accuracy"]).toBe(scoreProbe(pixelProbe, px(test), test.labels).accuracy);
    expect(r.metrics["knn.pixels_accuracy"]).toBe(accuracy(knnClassify(px(train), train.labels, px(test), 10, 0.07).predicted, test.labels));
    // The init baseline reads the model at initialisation, built once and released by the run, not here.
    const init = await ctx.baselines!.initEncoder().features("enc", train.images, train.n);
    const initTest = await ctx.baselines!.initEncoder().features("enc", test.images, test.n);
    const initProbe = trainProbe(matrix(init, train.n), train.labels, train.classes, { seed: ctx.seed });
    expect(r.metrics["linear_probe.init_accuracy"]).toBe(scoreProbe(initProbe, matrix(initTest, test.n), test.labels).accuracy);
    expect(r.metrics["linear_probe.init_accuracy"]).not.toBe(r.metrics["linear_probe.accuracy"]);
    // How each probe was fitted is reported.
    for (const k of ["linear_probe", "linear_probe.init", "linear_probe.pixels"]) {
      expect(r.probes[k]!.converged, k).toBe(true);
      expect(r.probes[k]!.heldOut).toBe("train_tenth");
    }
  });

  it("computes the baselines once per run: a second evaluation reuses them", async () => {
    const ps = [protocols.linearProbe(), protocols.knn(10)];
    const ctx = fixtureContext(testIr(ps));
    const a = await evaluate(ps, ctx);
    expect(ctx.calls.initBuilt).toBe(1);
    expect(ctx.calls.initFeatures).toBe(2); // train and test, shared by both protocols
    ctx.baselines!.release();
    expect(ctx.calls.initDisposed).toBe(1);
    const b = await evaluate(ps, ctx);
    expect(ctx.calls.initBuilt).toBe(1);
    expect(ctx.calls.initFeatures).toBe(2);
    for (const m of ["linear_probe.init_accuracy", "linear_probe.pixels_accuracy", "knn.init_accuracy", "knn.pixels_accuracy"]) expect(b.metrics[m], m).toBe(a.metrics[m]);
  });

  it("reports no baselines with `baselines: []`, and skips the init one where there is no model at initialisation", async () => {
    const none = [protocols.linearProbe([]), protocols.knn(10, [])];
    const r = await evaluate(none, fixtureContext(testIr(none)));
    expect(Object.keys(r.metrics)).toEqual(["linear_probe.accuracy", "linear_probe.ece", "knn.accuracy"]);
    const ps = [protocols.knn(10)];
    const ctx = fixtureContext(testIr(ps));
    delete ctx.baselines;
    const s = await evaluate(ps, ctx);
    expect(s.metrics["knn.init_accuracy"]).toBeNull();
    expect(s.metrics["knn.pixels_accuracy"]).toEqual(expect.any(Number));
    expect(s.skipped.map((x) => x.protocol)).toEqual(["knn.init_accuracy"]);
  });
});
