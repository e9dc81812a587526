// The `evaluate { }` block: runs each protocol of the IR against the model as it is now and
// returns one flat map of metrics (names documented in docs/evaluation.md; sweeps' objectives
// refer to them). Called by the trainer at every `eval_every` and at the end of training.
//
// Everything the protocols need from the model comes through the EvalContext (pooled features,
// per-image bits/dim, samples); everything else — probes, neighbours, Gaussians, corruptions,
// ranking metrics — is plain, seeded JS here, so a given model and seed give the same figures.
import type { IRExperiment, IRFeatures, IRProtocol } from "../../compiler/ir.js";
import type { ImageSet } from "../data/types.js";
import type { Metrics } from "../events.js";
import type { EvalContext } from "./context.js";
import { corrupt, CORRUPTIONS, isCorruption } from "./corruptions.js";
import { type FeatureMatrix, firstNeighbours, matrix, nearestByCosine, type Neighbours } from "./features.js";
import { DEFAULT_KNN_TEMPERATURE, knnVote, kthNeighbourScore } from "./knn.js";
import { fitGaussians, mahalanobisScore } from "./mahalanobis.js";
import { accuracy, mean, rankingMetrics } from "./metrics.js";
import { type LinearProbe, PROBE_DEFAULTS, scoreProbe, trainProbe } from "./probe.js";
import { sampleSheet, writeSampleSheets } from "./samples.js";
import { metricNames, metricPrefixes } from "../../compiler/metrics.js";

export interface Skipped {
  /** The protocol's metric prefix (e.g. `bits_per_dim`, `ood.likelihood`). */
  protocol: string;
  reason: string;
}

export interface EvaluationResult {
  metrics: Metrics;
  skipped: Skipped[];
}

export { CORRUPTIONS, SEVERITY } from "./corruptions.js";
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
  return { metrics, skipped };
}

/** Per-call caches: datasets, features of (encoder, dataset) and probes of (encoder, train set). */
class Session {
  private data = new Map<string, Promise<ImageSet>>();
  private feats = new Map<string, Promise<FeatureMatrix>>();
  private probes = new Map<string, LinearProbe>();
  private nbs = new Map<string, Neighbours>();
  private bpd = new Map<string, Promise<Float32Array>>();
  /** Model calls run one at a time, so two protocols never hold two batches of activations at once. */
  private modelQueue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly ctx: EvalContext,
    private readonly protocols: readonly IRProtocol[],
  ) {}

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

  features(f: IRFeatures, dataset: string): Promise<FeatureMatrix> {
    const key = `${f.encoder}\u0000${dataset}`;
    let m = this.feats.get(key);
    if (!m) {
      m = this.dataset(dataset).then((set) => this.imageFeatures(f, set.images, set.n));
      this.feats.set(key, m);
    }
    return m;
  }

  async imageFeatures(f: IRFeatures, images: Float32Array, n: number): Promise<FeatureMatrix> {
    return matrix(await this.serial(() => this.ctx.features(f.encoder, images, n)), n);
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
  async neighbours(f: IRFeatures, query: string, train: string, k: number): Promise<Neighbours> {
    const key = `${f.encoder}\u0000${query}\u0000${train}`;
    const cached = this.nbs.get(key);
    if (cached && (cached.k >= k || cached.k === (await this.features(f, train)).n)) return firstNeighbours(cached, k);
    const [q, t] = await Promise.all([this.features(f, query), this.features(f, train)]);
    const nb = nearestByCosine(q, t, k);
    this.nbs.set(key, nb);
    return nb;
  }

  /** The probe on (encoder, train set, settings): trained once per evaluation, shared by linear_probe and robustness. */
  async probe(f: IRFeatures, train: string, settings = this.probeSettings(f, train)): Promise<LinearProbe> {
    const key = `${f.encoder}\u0000${train}\u0000${settings.epochs}\u0000${settings.lr}`;
    let probe = this.probes.get(key);
    if (!probe) {
      const set = await this.dataset(train);
      const x = await this.features(f, train);
      probe = trainProbe(x, set.labels, set.classes, { ...settings, seed: this.ctx.seed });
      this.probes.set(key, probe);
    }
    return probe;
  }

  /** A robustness probe without a linear_probe on the same features uses the block's first probe's settings, else the defaults. */
  private probeSettings(f: IRFeatures, train: string): { epochs: number; lr: number } {
    const lp = this.protocols.find(
      (p): p is Extract<IRProtocol, { kind: "linear_probe" }> =>
        p.kind === "linear_probe" && p.features.encoder === f.encoder && p.train === train,
    );
    return lp ? { epochs: lp.epochs, lr: lp.lr } : { epochs: PROBE_DEFAULTS.epochs, lr: PROBE_DEFAULTS.lr };
  }

  /** The generative head whose likelihood the `likelihood` OOD score reads, or why there is none. */
  generativeHead(): { head: string } | { reason: string } {
    const trained = new Set(this.ir.objective.terms.map((t) => t.loss));
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
      const [test, testX] = await Promise.all([s.dataset(p.test), s.features(p.features, p.test)]);
      const probe = await s.probe(p.features, p.train, { epochs: p.epochs, lr: p.lr });
      const r = scoreProbe(probe, testX, test.labels);
      metrics[`${prefix}.accuracy`] = r.accuracy;
      metrics[`${prefix}.ece`] = r.ece;
      return;
    }
    case "knn": {
      const [train, test] = await Promise.all([s.dataset(p.train), s.dataset(p.test)]);
      const nb = await s.neighbours(p.features, p.test, p.train, p.k);
      const predicted = knnVote(nb, train.labels, p.temperature ?? DEFAULT_KNN_TEMPERATURE);
      metrics[`${prefix}.accuracy`] = accuracy(predicted, test.labels);
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
      const probe = await s.probe(p.features, p.train);
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
      writeSampleSheets(ctx.runDir, ctx.step, sampleSheet(images, p.count, h, w));
      metrics[`${prefix}.count`] = p.count;
      return;
    }
  }
}

function negate(xs: ArrayLike<number>): Float64Array {
  return Float64Array.from(xs as ArrayLike<number>, (x) => -x);
}
