// The `evaluate { }` block: runs each protocol of the IR against the model as it is now and
// returns one flat map of metrics (names documented in docs/evaluation.md; sweeps' objectives
// refer to them). Called by the trainer at every `eval_every` and at the end of training.
//
// Everything the protocols need from the model comes through the EvalContext (pooled features,
// per-image bits/dim, samples); everything else — probes, neighbours, Gaussians, corruptions,
// ranking metrics — is plain, seeded JS here, so a given model and seed give the same figures.
import type { IRBaseline, IRExperiment, IRFeatures, IRProtocol } from "../../compiler/ir.js";
import type { ImageSet } from "../data/types.js";
import type { Metrics } from "../events.js";
import type { EvalContext } from "./context.js";
import { corrupt, CORRUPTIONS, isCorruption } from "./corruptions.js";
import { type FeatureMatrix, firstNeighbours, matrix, nearestByCosine, type Neighbours } from "./features.js";
import { DEFAULT_KNN_TEMPERATURE, knnVote, kthNeighbourScore } from "./knn.js";
import { fitGaussians, mahalanobisScore } from "./mahalanobis.js";
import { accuracy, mean, rankingMetrics } from "./metrics.js";
import { fitBestProbe, type LinearProbe, type ProbeReport, scoreProbe } from "./probe.js";
import { BaselineCache, type BaselineFigure } from "./baselines.js";
import { sampleSheet, writeSampleSheets } from "./samples.js";
import { baselineMetric, baselinesOf, metricNames, metricPrefixes } from "../../compiler/metrics.js";
import { zeroThroughout } from "../../compiler/scalar.js";

export interface Skipped {
  /** The protocol's metric prefix (e.g. `bits_per_dim`, `ood.likelihood`). */
  protocol: string;
  reason: string;
}

export interface EvaluationResult {
  metrics: Metrics;
  skipped: Skipped[];
  /** How each linear probe was fitted (L2 chosen, iterations, final gradient norm, converged), by
   *  metric prefix; a baseline's probe under `<prefix>.init` / `<prefix>.pixels`. */
  probes: Record<string, ProbeReport>;
}

/** A fitted probe and which candidate feature set (block of `.layers`) it reads. */
interface FittedProbe {
  probe: LinearProbe;
  index: number;
  report: ProbeReport;
}

export { CORRUPTIONS, SEVERITY } from "./corruptions.js";
export { BaselineCache } from "./baselines.js";
export type { ProbeReport } from "./probe.js";
export { metricNames, metricPrefixes } from "../../compiler/metrics.js";

/** Run every protocol; a protocol marked not applicable is listed in `skipped` and its metrics are null. */
export async function evaluate(protocols: IRProtocol[], ctx: EvalContext): Promise<EvaluationResult> {
  const session = new Session(ctx, protocols);
  const metrics: Metrics = {};
  const skipped: Skipped[] = [];
  const prefixes = metricPrefixes(protocols);
  for (let i = 0; i < protocols.length; i++) {
    const p = protocols[i]!;
    const prefix = prefixes[i]!;
    // Every name first, in the documented order; a protocol not run leaves its metrics null.
    for (const name of metricNames(p, prefix)) metrics[name] = null;
    if (!p.applicable) {
      skipped.push({ protocol: prefix, reason: p.reason ?? "not applicable to this experiment's objective" });
      continue;
    }
    try {
      await runProtocol(p, prefix, session, metrics, skipped);
    } catch (err) {
      const e = err as Error;
      e.message = `evaluation protocol \`${prefix}\` failed: ${e.message}`;
      throw e;
    }
  }
  return { metrics, skipped, probes: session.probeReports };
}

/** Where features come from: the model as it is now, or a baseline (issue 12). */
type Source = "trained" | IRBaseline;

/** A cache key for a feature spec (`enc`, `enc.layer(2)`, `enc.layers`). */
function featureKey(f: IRFeatures): string {
  return f.member === "layer" ? `${f.encoder}.layer(${f.layer})` : `${f.encoder}.${f.member}`;
}

/** Per-call caches: datasets, features of (source, encoder, dataset) and probes of (features, train set). */
class Session {
  private data = new Map<string, Promise<ImageSet>>();
  private feats = new Map<string, Promise<FeatureMatrix>>();
  private blocks = new Map<string, Promise<FeatureMatrix[]>>();
  private probes = new Map<string, Promise<FittedProbe>>();
  private nbs = new Map<string, Neighbours>();
  private bpd = new Map<string, Promise<Float32Array>>();
  /** Model calls run one at a time, so two protocols never hold two batches of activations at once. */
  private modelQueue: Promise<unknown> = Promise.resolve();
  /** The run's baselines, or this call's own (pixels only) when the context has none. */
  readonly baselines: BaselineCache;
  /** How each probe was fitted, by metric prefix (result.json's `probes`). */
  readonly probeReports: Record<string, ProbeReport> = {};

  constructor(
    readonly ctx: EvalContext,
    private readonly protocols: readonly IRProtocol[],
  ) {
    this.baselines = ctx.baselines ?? new BaselineCache(null);
  }

  private serial<T>(call: () => Promise<T>): Promise<T> {
    const next = this.modelQueue.then(call, call);
    this.modelQueue = next.catch(() => undefined);
    return next;
  }

  get ir(): IRExperiment {
    return this.ctx.ir;
  }

  dataset(name: string): Promise<ImageSet> {
    let d = this.data.get(name);
    if (!d) {
      d = this.ctx.loadData(name);
      this.data.set(name, d);
    }
    return d;
  }

  /** Pooled features (or one block's) of a dataset from the model now or a baseline. */
  features(f: IRFeatures, dataset: string, source: Source = "trained"): Promise<FeatureMatrix> {
    if (source === "pixels") return this.computeFeatures(f.encoder, dataset, source); // one pixel set, whatever the member
    if (f.member === "layers") return Promise.reject(new Error(`\`${featureKey(f)}\` names every block; this protocol reads one feature set`));
    const key = `${source}\u0000${featureKey(f)}\u0000${dataset}`;
    let m = this.feats.get(key);
    if (!m) {
      m = f.member === "layer" ? this.blockSet(f.encoder, dataset, source).then((all) => pick(all, f)) : this.computeFeatures(f.encoder, dataset, source);
      this.feats.set(key, m);
    }
    return m;
  }

  /** The candidate feature sets of a probe: one, or one per block for `.layers`. */
  async candidates(f: IRFeatures, dataset: string, source: Source): Promise<FeatureMatrix[]> {
    if (source === "pixels") return [await this.features(f, dataset, source)];
    if (f.member === "layers") return this.blockSet(f.encoder, dataset, source);
    return [await this.features(f, dataset, source)];
  }

  private async computeFeatures(encoder: string, dataset: string, source: Source): Promise<FeatureMatrix> {
    const set = await this.dataset(dataset);
    if (source === "pixels") return this.baselines.pixels(dataset, set.images, set.n);
    const model = source === "init" ? this.baselines.initEncoder() : this.ctx;
    return matrix(await this.serial(() => model.features(encoder, set.images, set.n)), set.n);
  }

  private blockSet(encoder: string, dataset: string, source: Source): Promise<FeatureMatrix[]> {
    const key = `${source}\u0000${encoder}\u0000${dataset}`;
    let b = this.blocks.get(key);
    if (!b) {
      b = this.dataset(dataset).then(async (set) => {
        const model = source === "init" ? this.baselines.initEncoder() : this.ctx;
        if (!model.blockFeatures) throw new Error("this model cannot give per-block features");
        const all = await this.serial(() => model.blockFeatures!(encoder, set.images, set.n));
        return all.map((x) => matrix(x, set.n));
      });
      this.blocks.set(key, b);
    }
    return b;
  }

  async imageFeatures(f: IRFeatures, images: Float32Array, n: number): Promise<FeatureMatrix> {
    if (f.member === "pooled") return matrix(await this.serial(() => this.ctx.features(f.encoder, images, n)), n);
    if (!this.ctx.blockFeatures) throw new Error("this model cannot give per-block features");
    return pick((await this.serial(() => this.ctx.blockFeatures!(f.encoder, images, n))).map((x) => matrix(x, n)), f);
  }

  /** Per-image bits/dim of a dataset under a head; shared by bits_per_dim and the likelihood OOD score. */
  bitsPerDim(head: string, dataset: string): Promise<Float32Array> {
    const key = `${head}\u0000${dataset}`;
    let b = this.bpd.get(key);
    if (!b) {
      b = this.dataset(dataset).then((set) => this.serial(() => this.ctx.bitsPerDim(head, set.images, set.n)));
      this.bpd.set(key, b);
    }
    return b;
  }

  sample(head: string, count: number, temperature: number): Promise<Float32Array> {
    return this.serial(() => this.ctx.sample(head, count, temperature, this.ctx.seed));
  }

  /** The k nearest `train` features of each `query` feature; shared by knn and the kNN OOD score. */
  async neighbours(f: IRFeatures, query: string, train: string, k: number, source: Source = "trained"): Promise<Neighbours> {
    const key = `${source}\u0000${featureKey(f)}\u0000${query}\u0000${train}`;
    const cached = this.nbs.get(key);
    if (cached && (cached.k >= k || cached.k === (await this.features(f, train, source)).n)) return firstNeighbours(cached, k);
    const [q, t] = await Promise.all([this.features(f, query, source), this.features(f, train, source)]);
    const nb = nearestByCosine(q, t, k);
    this.nbs.set(key, nb);
    return nb;
  }

  /**
   * The probe on (features, train set, held-out set): fitted once per evaluation, shared by
   * linear_probe and robustness. L2 (and the block of `.layers`) is chosen on `val`, or on a
   * seeded tenth of `train` when there is no `val`.
   */
  probe(f: IRFeatures, train: string, val: string | null, source: Source = "trained"): Promise<FittedProbe> {
    const key = `${source}\u0000${featureKey(f)}\u0000${train}\u0000${val ?? ""}`;
    let p = this.probes.get(key);
    if (!p) {
      p = (async () => {
        const set = await this.dataset(train);
        const xs = await this.candidates(f, train, source);
        let heldOut: { xs: FeatureMatrix[]; labels: ArrayLike<number> } | undefined;
        if (val !== null) heldOut = { xs: await this.candidates(f, val, source), labels: (await this.dataset(val)).labels };
        const fit = fitBestProbe(xs, set.labels, set.classes, { seed: this.ctx.seed, ...(heldOut ? { val: heldOut } : {}) });
        const layer = f.member === "layers" && source !== "pixels" ? fit.index + 1 : f.member === "layer" ? f.layer : undefined;
        return { probe: fit.probe, index: fit.index, report: { ...fit.report, ...(layer !== undefined ? { layer } : {}) } };
      })();
      this.probes.set(key, p);
    }
    return p;
  }

  /** The test features a fitted probe reads: the candidate it chose. */
  async probeInput(f: IRFeatures, fitted: FittedProbe, dataset: string, source: Source): Promise<FeatureMatrix> {
    return (await this.candidates(f, dataset, source))[fitted.index]!;
  }

  /** A robustness probe uses the held-out set of a linear_probe on the same features and train set, if there is one. */
  probeVal(f: IRFeatures, train: string): string | null {
    const lp = this.protocols.find(
      (p): p is Extract<IRProtocol, { kind: "linear_probe" }> =>
        p.kind === "linear_probe" && featureKey(p.features) === featureKey(f) && p.train === train,
    );
    return lp?.val ?? null;
  }

  /** The generative head whose likelihood the `likelihood` OOD score reads, or why there is none. */
  generativeHead(): { head: string } | { reason: string } {
    // A term weighted 0 at every step trains nothing (issue 12).
    const trained = new Set(this.ir.objective.terms.filter((t) => !zeroThroughout(t.weight, this.ir.train.steps)).map((t) => t.loss));
    const ar = Object.values(this.ir.losses).filter((l) => l.kind === "autoregressive");
    if (ar.length === 0) return { reason: "the experiment has no autoregressive loss, so no likelihood" };
    const used = ar.find((l) => trained.has(l.name));
    if (!used) return { reason: `the objective does not train the generative head (\`${ar[0]!.head}\`)` };
    return { head: used.head };
  }
}

async function runProtocol(p: IRProtocol, prefix: string, s: Session, metrics: Metrics, skipped: Skipped[]): Promise<void> {
  const ctx = s.ctx;
  switch (p.kind) {
    case "linear_probe": {
      const [test, fitted] = await Promise.all([s.dataset(p.test), s.probe(p.features, p.train, p.val ?? null)]);
      const r = scoreProbe(fitted.probe, await s.probeInput(p.features, fitted, p.test, "trained"), test.labels);
      metrics[`${prefix}.accuracy`] = r.accuracy;
      metrics[`${prefix}.ece`] = r.ece;
      if (p.features.member === "layers") metrics[`${prefix}.layer`] = fitted.index + 1;
      s.probeReports[prefix] = fitted.report;
      for (const b of baselinesOf(p)) {
        await baseline(s, prefix, b, metrics, skipped, ["linear_probe", featureKey(p.features), p.train, p.val ?? null, p.test], async () => {
          const f = await s.probe(p.features, p.train, p.val ?? null, b);
          const x = await s.probeInput(p.features, f, p.test, b);
          return { accuracy: scoreProbe(f.probe, x, test.labels).accuracy, probe: f.report };
        });
      }
      return;
    }
    case "knn": {
      const [train, test] = await Promise.all([s.dataset(p.train), s.dataset(p.test)]);
      const tau = p.temperature ?? DEFAULT_KNN_TEMPERATURE;
      const nb = await s.neighbours(p.features, p.test, p.train, p.k);
      metrics[`${prefix}.accuracy`] = accuracy(knnVote(nb, train.labels, tau), test.labels);
      for (const b of baselinesOf(p)) {
        await baseline(s, prefix, b, metrics, skipped, ["knn", featureKey(p.features), p.train, p.test, p.k, tau], async () => {
          const bn = await s.neighbours(p.features, p.test, p.train, p.k, b);
          return { accuracy: accuracy(knnVote(bn, train.labels, tau), test.labels) };
        });
      }
      return;
    }
    case "bits_per_dim": {
      metrics[prefix] = mean(await s.bitsPerDim(p.head, p.data));
      return;
    }
    case "ood": {
      let headline: number | null = null;
      for (const score of p.scores) {
        let pos: ArrayLike<number>;
        let neg: ArrayLike<number>;
        if (score === "likelihood") {
          const g = s.generativeHead();
          if ("reason" in g) {
            skipped.push({ protocol: `${prefix}.likelihood`, reason: g.reason });
            for (const m of ["auroc", "aupr_in", "aupr_out", "fpr95"]) metrics[`${prefix}.likelihood.${m}`] = null;
            continue;
          }
          // Higher likelihood (fewer bits per dimension) = more in-distribution.
          pos = negate(await s.bitsPerDim(g.head, p.in));
          neg = negate(await s.bitsPerDim(g.head, p.out));
        } else if (score === "knn") {
          pos = kthNeighbourScore(await s.neighbours(p.features, p.in, p.train, p.k), p.k);
          neg = kthNeighbourScore(await s.neighbours(p.features, p.out, p.train, p.k), p.k);
        } else {
          const [train, trainX, inX, outX] = await Promise.all([
            s.dataset(p.train),
            s.features(p.features, p.train),
            s.features(p.features, p.in),
            s.features(p.features, p.out),
          ]);
          const model = fitGaussians(trainX, train.labels, train.classes);
          pos = mahalanobisScore(model, inX);
          neg = mahalanobisScore(model, outX);
        }
        const r = rankingMetrics(pos, neg);
        metrics[`${prefix}.${score}.auroc`] = r.auroc;
        metrics[`${prefix}.${score}.aupr_in`] = r.auprIn;
        metrics[`${prefix}.${score}.aupr_out`] = r.auprOut;
        metrics[`${prefix}.${score}.fpr95`] = r.fpr95;
        // The headline is the first listed score that could be computed (not the best: picking
        // the maximum on the test outliers would flatter every run).
        if (headline === null) headline = r.auroc;
      }
      metrics[`${prefix}.auroc`] = headline;
      return;
    }
    case "robustness": {
      for (const c of p.corruptions) if (!isCorruption(c)) throw new Error(`unknown corruption \`${c}\` (known: ${CORRUPTIONS.join(", ")})`);
      const [set, cleanX] = await Promise.all([s.dataset(p.data), s.features(p.features, p.data)]);
      const fitted = await s.probe(p.features, p.train, s.probeVal(p.features, p.train));
      const probe = fitted.probe;
      s.probeReports[prefix] = fitted.report;
      const clean = scoreProbe(probe, cleanX, set.labels).accuracy;
      const perCorruption: number[] = [];
      for (const c of p.corruptions) {
        const accs: number[] = [];
        for (const sev of p.severities) {
          const images = corrupt(set.images, set.n, set.height, set.width, c, sev, ctx.seed);
          const x = await s.imageFeatures(p.features, images, set.n);
          const acc = scoreProbe(probe, x, set.labels).accuracy;
          metrics[`${prefix}.${c}.${sev}.accuracy`] = acc;
          accs.push(acc);
        }
        const m = mean(accs);
        metrics[`${prefix}.${c}.accuracy`] = m;
        perCorruption.push(m);
      }
      const meanAcc = mean(perCorruption);
      metrics[`${prefix}.mean_accuracy`] = meanAcc;
      metrics[`${prefix}.clean_accuracy`] = clean;
      metrics[`${prefix}.drop`] = clean - meanAcc;
      return;
    }
    case "samples": {
      const tok = s.ir.tokenizers[p.tokenizer];
      if (!tok) throw new Error(`samples: unknown tokenizer \`${p.tokenizer}\``);
      const [h, w] = tok.imageSize;
      const images = await s.sample(p.head, p.count, p.temperature);
      // A decoder head (reconstruct) gives triples — original, masked, reconstruction — one per row.
      const triples = s.ir.heads[p.head]?.kind === "decoder";
      writeSampleSheets(ctx.runDir, ctx.step, triples ? sampleSheet(images, images.length / (h * w), h, w, 3) : sampleSheet(images, p.count, h, w));
      metrics[`${prefix}.count`] = p.count;
      return;
    }
  }
}

/**
 * One baseline figure of a protocol into `metrics` (and its probe's fit into the report), computed
 * once per run: the key names everything the figure depends on besides the model. An init
 * baseline without a model at initialisation to build is reported as skipped.
 */
async function baseline(
  s: Session,
  prefix: string,
  b: IRBaseline,
  metrics: Metrics,
  skipped: Skipped[],
  key: unknown[],
  compute: () => Promise<BaselineFigure>,
): Promise<void> {
  if (b === "init" && !s.baselines.hasInit) {
    skipped.push({ protocol: baselineMetric(prefix, b), reason: "no model at initialisation to compare with in this evaluation" });
    return;
  }
  const fig = await s.baselines.figure(JSON.stringify([b, ...key]), compute);
  metrics[baselineMetric(prefix, b)] = fig.accuracy;
  if (fig.probe) s.probeReports[`${prefix}.${b}`] = fig.probe;
}

/** One block's features out of every block's. */
function pick(all: FeatureMatrix[], f: IRFeatures): FeatureMatrix {
  if (f.member !== "layer") throw new Error(`cannot pick one block of \`${featureKey(f)}\``);
  const m = all[f.layer - 1];
  if (!m) throw new Error(`\`${featureKey(f)}\`: the encoder has ${all.length} block(s)`);
  return m;
}

function negate(xs: ArrayLike<number>): Float64Array {
  return Float64Array.from(xs as ArrayLike<number>, (x) => -x);
}
