// One training step of the hybrid objective, and the state that makes steps reproducible.
//
// Per step:
//   1. draw the next `batch` images of the data order (a seeded permutation per epoch);
//   2. for each views of a contrastive loss, draw two augmented views of every image (seeded
//      stream, advanced once per step) and tokenize them;
//   3. forward passes through the shared encoder: one concatenated batch of 2N views per
//      (encoder, views) pair, and one clean batch of N images for each generative loss that reads
//      the clean image (`input: "clean"`, the default; `input: "view"` reuses the first views);
//   4. each loss term (NT-Xent; next-token cross entropy in bits/dim), the weighted objective at
//      this step, and its gradients — all in one tf.tidy;
//   5. one read of the terms and the global gradient norm; a NaN or Inf stops the run here,
//      before the weights change, naming the step and the term;
//   6. clip (global norm) and apply the optimizer update.

import type { IRExperiment } from "../compiler/ir.js";
import { UserError } from "../compiler/errors.js";
import { twoViews } from "./augment.js";
import { tf } from "./backend.js";
import type { ImageSet } from "./data/types.js";
import { bitsPerDim, ntxent } from "./losses.js";
import type { EncoderOutput, Model } from "./model.js";
import { Optimizer } from "./optimizer.js";
import { Rng } from "./rng.js";
import { learningRate, lossWeights } from "./schedule.js";

export interface StepResult {
  step: number;
  losses: Record<string, number>;
  weights: Record<string, number>;
  objective: number;
  lr: number;
  gradNorm: number;
}

/** A loss term or the gradient norm became NaN or ±Inf. */
export class NonFiniteError extends UserError {
  constructor(
    readonly step: number,
    readonly term: string,
    readonly value: number,
  ) {
    super(
      `${term} became ${value} at step ${step}`,
      "lower the learning rate, add or tighten gradient clipping (clip: 1.0), or raise the contrastive temperature; the last good checkpoint is kept",
      1,
    );
    this.name = "NonFiniteError";
  }
}

/** The data order: epoch e visits the training set in a permutation seeded by (seed, e). */
export class Sampler {
  epoch = 0;
  pos = 0;
  private order: Int32Array;

  constructor(
    readonly n: number,
    readonly seed: number,
  ) {
    this.order = this.permutation(0);
  }

  private permutation(epoch: number): Int32Array {
    return new Rng(`${this.seed}:order:${epoch}`).permutation(this.n);
  }

  /** The next `batch` indices, running into the next epoch when this one ends. */
  next(batch: number): Int32Array {
    const out = new Int32Array(batch);
    for (let i = 0; i < batch; i++) {
      if (this.pos >= this.n) this.seek(this.epoch + 1, 0);
      out[i] = this.order[this.pos++]!;
    }
    return out;
  }

  seek(epoch: number, pos: number): void {
    if (epoch !== this.epoch) this.order = this.permutation(epoch);
    this.epoch = epoch;
    this.pos = pos;
  }
}

interface Pass {
  encoder: string;
  /** Views drawn for this pass, or null for the clean images. */
  views: string | null;
  /** 2 when a contrastive loss needs both views, else 1. */
  copies: 1 | 2;
}

type Term =
  | { loss: string; kind: "ntxent"; head: string; pass: number; temperature: number }
  | { loss: string; kind: "autoregressive"; head: string; pass: number };

export class Trainer {
  readonly optimizer: Optimizer;
  readonly sampler: Sampler;
  /** The augmentation stream; its state goes into checkpoints. */
  readonly rng: Rng;
  /** Steps taken. */
  step = 0;
  private readonly passes: Pass[] = [];
  private readonly terms: Term[] = [];

  constructor(
    readonly ir: IRExperiment,
    readonly model: Model,
    readonly data: ImageSet,
    readonly seed: number,
    readonly totalSteps: number,
  ) {
    if (data.n < 1) throw new UserError(`dataset ${data.name} is empty`, "check its split and limit", 1);
    this.optimizer = new Optimizer(ir.optimizer, model.params);
    this.sampler = new Sampler(data.n, seed);
    this.rng = new Rng(`${seed}:augment`);
    this.plan();
  }

  private passIndex(p: Pass): number {
    const i = this.passes.findIndex((q) => q.encoder === p.encoder && q.views === p.views);
    if (i >= 0) {
      if (p.copies === 2) this.passes[i]!.copies = 2;
      return i;
    }
    this.passes.push({ ...p });
    return this.passes.length - 1;
  }

  /** Which forward passes each loss of the objective reads. */
  private plan(): void {
    const { ir } = this;
    const used = [...new Set(ir.objective.terms.map((t) => t.loss))];
    // Contrastive losses first, so a generative `input: "view"` finds their views pass.
    const ordered = [...used].sort((a, b) => Number(ir.losses[a]!.kind !== "ntxent") - Number(ir.losses[b]!.kind !== "ntxent"));
    for (const name of ordered) {
      const loss = ir.losses[name];
      if (!loss) throw new Error(`objective names unknown loss ${name}`);
      const head = ir.heads[loss.head]!;
      const encoder = head.input.encoder;
      if (loss.kind === "ntxent") {
        const pass = this.passIndex({ encoder, views: loss.views, copies: 2 });
        this.terms.push({ loss: name, kind: "ntxent", head: loss.head, pass, temperature: loss.temperature });
      } else {
        if (ir.encoders[encoder]!.tokens !== loss.target) {
          throw new UserError(`loss ${name}: target ${loss.target} is not the tokenizer of encoder ${encoder}`, `use target: ${ir.encoders[encoder]!.tokens}`, 1);
        }
        let views: string | null = null;
        if (loss.input === "view") {
          views = this.passes.find((p) => p.encoder === encoder && p.views)?.views ?? Object.keys(ir.views).sort()[0] ?? null;
        }
        const pass = this.passIndex({ encoder, views, copies: 1 });
        this.terms.push({ loss: name, kind: "autoregressive", head: loss.head, pass });
      }
    }
  }

  /** Images the encoder sees per step (for throughput figures). */
  get imagesPerStep(): number {
    return this.passes.reduce((s, p) => s + p.copies * this.ir.train.batch, 0);
  }

  /** The batch's images (n·h·w) by index. */
  private gather(indices: Int32Array): Float32Array {
    const size = this.data.height * this.data.width;
    const out = new Float32Array(indices.length * size);
    indices.forEach((idx, k) => out.set(this.data.images.subarray(idx * size, (idx + 1) * size), k * size));
    return out;
  }

  /** Take one optimizer step; throws NonFiniteError (weights unchanged) on NaN/Inf. */
  async trainStep(): Promise<StepResult> {
    const stepNo = this.step + 1;
    const N = this.ir.train.batch;
    const { height: h, width: w } = this.data;
    const images = this.gather(this.sampler.next(N));

    // Inputs of every pass, as token arrays ([copies·N, L, P²], view 1 rows then view 2 rows).
    const tokens = this.passes.map((p) => {
      if (!p.views) return this.model.tokenize(p.encoder, images, N, h, w);
      const [a, b] = twoViews(this.ir.views[p.views]!, images, N, h, w, this.rng);
      const ta = this.model.tokenize(p.encoder, a, N, h, w);
      if (p.copies === 1) return ta;
      const tb = this.model.tokenize(p.encoder, b, N, h, w);
      const both = new Int32Array(ta.length * 2);
      both.set(ta);
      both.set(tb, ta.length);
      return both;
    });

    const weights = lossWeights(this.ir.objective.terms, stepNo);
    const lr = learningRate(this.ir.optimizer, stepNo, this.totalSteps);
    const vars = this.model.variables;
    // Dropout masks come from a stream of their own per step: reproducible, and nothing to checkpoint.
    const dropRng = new Rng(`${this.seed}:dropout:${stepNo}`);

    // Forward, losses and gradients; everything but the gradients and the stats is freed here.
    const { grads, stats } = tf.tidy(() => {
      const kept: tf.Scalar[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const outs = this.passes.map((p, i) => this.model.encode(p.encoder, this.model.input(p.encoder, tokens[i]!, p.copies * N), dropRng));
        let objective: tf.Scalar = tf.scalar(0);
        for (const t of this.terms) {
          const out = outs[t.pass]!;
          let loss: tf.Scalar;
          if (t.kind === "ntxent") {
            loss = ntxent(this.model.applyHead(t.head, out) as tf.Tensor2D, t.temperature);
          } else {
            const pass = this.passes[t.pass]!;
            const first = pass.copies === 2 ? firstRows(out, N) : out;
            const targets = pass.copies === 2 ? tokens[t.pass]!.subarray(0, tokens[t.pass]!.length / 2) : tokens[t.pass]!;
            loss = bitsPerDim(this.model.applyHead(t.head, first), targets);
          }
          kept.push(tf.keep(loss));
          objective = tf.add(objective, tf.mul(loss, weights[t.loss]!));
        }
        return objective;
      }, vars);
      const list = vars.map((v) => grads[v.name] ?? null);
      const present = list.filter((g): g is tf.Tensor => g !== null);
      const norm = present.length ? tf.sqrt(tf.addN(present.map((g) => tf.sum(tf.square(g))))) : tf.scalar(0);
      const stats = tf.stack([value, ...kept, norm]); // [objective, terms…, grad norm]
      for (const k of kept) k.dispose();
      return { grads: list, stats };
    });

    const s = (await stats.data()) as Float32Array;
    stats.dispose();
    const losses: Record<string, number> = {};
    this.terms.forEach((t, i) => (losses[t.loss] = s[i + 1]!));
    const objective = s[0]!;
    const gradNorm = s[this.terms.length + 1]!;
    const bad =
      this.terms.find((t) => !Number.isFinite(losses[t.loss]!))?.loss ??
      (!Number.isFinite(objective) ? "the objective" : !Number.isFinite(gradNorm) ? "the gradient norm" : null);
    if (bad !== null) {
      for (const g of grads) g?.dispose();
      const value = bad in losses ? losses[bad]! : bad === "the objective" ? objective : gradNorm;
      throw new NonFiniteError(stepNo, bad in losses ? `loss \`${bad}\`` : bad, value);
    }

    const clip = this.ir.optimizer.clip;
    const scale = clip !== null && clip > 0 && gradNorm > clip ? clip / (gradNorm + 1e-6) : 1;
    this.optimizer.apply(grads, lr, scale);
    for (const g of grads) g?.dispose();
    this.step = stepNo;
    return { step: stepNo, losses, weights, objective, lr, gradNorm };
  }

  /** What a checkpoint needs besides the weights and moments. */
  position(): { rng: number[]; sampler: { epoch: number; pos: number }; optimizerStep: number } {
    return { rng: this.rng.getState(), sampler: { epoch: this.sampler.epoch, pos: this.sampler.pos }, optimizerStep: this.optimizer.t };
  }

  /** Continue from a checkpoint's step, stream and data position (weights and moments are set separately). */
  restorePosition(step: number, rng: number[], sampler: { epoch: number; pos: number }): void {
    this.step = step;
    this.rng.setState(rng);
    this.sampler.seek(sampler.epoch, sampler.pos);
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/** The first n rows (the first views) of an encoder output over 2n. */
function firstRows(out: EncoderOutput, n: number): EncoderOutput {
  const [, L, D] = out.tokens.shape;
  return {
    tokens: tf.slice(out.tokens, [0, 0, 0], [n, L, D]) as tf.Tensor3D,
    pooled: tf.slice(out.pooled, [0, 0], [n, D]) as tf.Tensor2D,
  };
}
