// One training step of the hybrid objective, and the state that makes steps reproducible.
//
// Per step:
//   1. draw the next `batch` images of the data order (a seeded permutation per epoch);
//   2. for each views of a contrastive loss, draw two augmented views of every image (seeded
//      stream, advanced once per step) and tokenize them;
//   3. forward passes through the shared encoder: one concatenated batch of 2N views per
//      (encoder, views) pair, and one clean batch of N images for each generative loss that reads
//      the clean image (`input: "clean"`, the default; `input: "view"` reuses the first views);
//   4. each loss term (NT-Xent and the rest of the two-view family; next-token cross entropy in
//      bits/dim), the weighted objective at this step, and its gradients — all in one tf.tidy;
//   5. one read of the terms and the global gradient norm; a NaN or Inf stops the run here,
//      before the weights change, naming the step and the term;
//   6. clip (global norm) and apply the optimizer update;
//   7. then, never by gradients: every `ema` copy follows its source (θ' ← d·θ' + (1−d)·θ), and
//      each moco loss's queue takes the step's keys (computed before the update, as MoCo's are).
//
// An `ema` head reads a momentum copy of its encoder: that copy gets a pass of its own over the
// same views as the online encoder's pass (the same tokens, no dropout), outside every gradient.
//
// Steps 3–4 run as one tape when the step's estimated activations fit the backend's memory
// (runtime/memory.ts); otherwise in micro-batches computing the same objective and gradients
// (GradCache for NT-Xent, share-weighted means for the token losses; see microPasses).
//
// Masked modelling and MAE (issue 16): each `masked` or `reconstruct` loss has a pass of its own,
// whose tokens are hidden by a mask drawn per step from the stream `seed:mask:step:pass` (exactly
// round(ratio·L) tokens of each image, at least one hidden and one visible), so a step's masks are
// reproducible and nothing about them is checkpointed. The mask is drawn for the whole batch
// before the step is cut into micro-batches, so both ways of running a step hide the same tokens.

import { isViewLoss, type IRExperiment, type IRLoss } from "../compiler/ir.js";
import { UserError } from "../common/errors.js";
import { twoViews } from "./augment.js";
import { tf } from "./backend.js";
import type { ImageSet } from "./data/types.js";
import { nativeConvolutions } from "./kernels/conv.js";
import { fusedTransformer } from "./kernels/fused.js";
import { barlowTwins, bitsPerDim, byol, maskedBitsPerDim, moco, ntxent, patchTargets, reconstructionLoss, simsiam, supcon, vicreg } from "./losses.js";
import type { EncoderData, EncoderOutput, Model, TokenMask } from "./model.js";
import { Optimizer } from "./optimizer.js";
import { Rng } from "./rng.js";
import { isOutOfMemory, memoryBudget, microBatches, planMicroBatch, type PassShape, type TransformerShape } from "./memory.js";
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
  /** The model key of the encoder: an IR encoder, or an `ema` head's momentum copy of one. */
  encoder: string;
  /** Views drawn for this pass, or null for the clean images. */
  views: string | null;
  /** 2 when a contrastive loss needs both views, else 1. */
  copies: 1 | 2;
  /** A masked pass of its own (masked: tokens replaced by the mask vector; reconstruct: visible tokens only). */
  mask?: { kind: "masked" | "reconstruct"; ratio: number };
  /** For a momentum copy's pass: the online pass whose tokens (the same views) it reads. */
  source?: number;
}

/** One head's output over one pass that a two-view loss reads; `grad: false` for what the loss stops (targets, keys). */
interface Read {
  head: string;
  pass: number;
  grad: boolean;
}

/** What a two-view loss may need besides its heads' outputs. */
interface ViewContext {
  /** The class of every row of a views pass ([2N]: the batch's labels, twice). */
  labels: Int32Array;
}

type Term =
  | {
      loss: string;
      kind: "views";
      reads: Read[];
      /** The loss of the heads' outputs, each [2N, d] (first views, then second views). */
      value: (zs: tf.Tensor2D[], ctx: ViewContext) => tf.Scalar;
    }
  | TokenTerm;

/** A loss over the tokens of the images of one pass: next-token, masked-token or reconstruction. */
type TokenTerm = { loss: string; kind: "autoregressive" | "masked" | "reconstruct"; head: string; pass: number };

export interface TrainerOptions {
  /** Sequences per micro-batch, forcing the micro-batched step (default: HGC_MICROBATCH, else the memory estimate's choice). */
  microBatch?: number;
  /** Activation bytes a step may use (default: the backend's budget, runtime/memory.ts). */
  memoryBudget?: number;
}

export class Trainer {
  readonly optimizer: Optimizer;
  readonly sampler: Sampler;
  /** The augmentation stream; its state goes into checkpoints. */
  readonly rng: Rng;
  /** Steps taken. */
  step = 0;
  private readonly passes: Pass[] = [];
  private readonly terms: Term[] = [];
  /** Sequences per micro-batch, or null when the whole step runs in one tape (the single pass). */
  readonly microBatch: number | null;
  /** Each moco loss's keys of this step [N, d], kept until the queue takes them after the update. */
  private readonly pendingKeys = new Map<string, tf.Tensor2D>();

  constructor(
    readonly ir: IRExperiment,
    readonly model: Model,
    readonly data: ImageSet,
    readonly seed: number,
    readonly totalSteps: number,
    options: TrainerOptions = {},
  ) {
    if (data.n < 1) throw new UserError(`dataset ${data.name} is empty`, "check its split and limit", 1);
    this.optimizer = new Optimizer(ir.optimizer, model.params);
    this.sampler = new Sampler(data.n, seed);
    this.rng = new Rng(`${seed}:augment`);
    this.plan();
    const passes = this.passes.map((p) => ({ sequences: p.copies * ir.train.batch, shape: this.passShape(p) }));
    this.microBatch = planMicroBatch(passes, options.memoryBudget ?? memoryBudget(tf.getBackend()), options.microBatch);
  }

  /** What the memory estimate needs of a pass: a transformer's stack (and a reconstruct pass's decoder), or a resnet's convolutions. */
  private passShape(p: Pass): PassShape {
    const e = this.model.encoderIR(p.encoder);
    if (e.kind === "resnet") {
      const { height: h, width: w } = this.data;
      return { kind: "resnet", pixels: h * w, convs: this.model.convShapes(p.encoder, h, w), native: nativeConvolutions() };
    }
    const tok = this.ir.tokenizers[e.tokens]!;
    const L = tok.length;
    const terms = this.terms.filter((t): t is TokenTerm => t.kind !== "views" && t.pass === this.passes.indexOf(p));
    // Per-token heads over the encoder's own tokens (a decoder's output is counted in its stack).
    const tokenOut = terms.filter((t) => t.kind !== "reconstruct").reduce((sum, t) => sum + this.ir.heads[t.head]!.out * tok.pixelsPerToken, 0);
    const inWidth = tok.kind === "quantize" ? tok.vocab : tok.pixelsPerToken;
    const composite = !fusedTransformer();
    const stack: TransformerShape = { positions: L + 1, width: e.width, heads: e.heads, mlp: e.mlp, layers: e.layers, inWidth, tokenOut, composite };
    const rec = terms.find((t) => t.kind === "reconstruct");
    const d = rec && this.ir.heads[rec.head]!.decoder;
    if (p.mask?.kind !== "reconstruct" || !rec || !d) return stack;
    const V = L - maskedCount(L, p.mask.ratio);
    // The decoder reads the V visible outputs through an [L, V] scatter and predicts every position.
    const decoder: TransformerShape = { positions: L, width: d.width, heads: d.heads, mlp: d.mlp, layers: d.layers, inWidth: V, tokenOut: this.ir.heads[rec.head]!.out, composite };
    return { ...stack, positions: V + 1, decoder };
  }

  private passIndex(p: Pass): number {
    // A masked pass is never shared: each masked loss hides its own tokens.
    const i = p.mask ? -1 : this.passes.findIndex((q) => !q.mask && q.encoder === p.encoder && q.views === p.views);
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
    const twoViews = (n: string) => Number(!ir.losses[n] || !isViewLoss(ir.losses[n]!));
    const ordered = [...used].sort((a, b) => twoViews(a) - twoViews(b));
    for (const name of ordered) {
      const loss = ir.losses[name];
      if (!loss) throw new Error(`objective names unknown loss ${name}`);
      const encoder = this.model.headEncoder(loss.head);
      if (isViewLoss(loss)) {
        // The checker rejects this too (HGC053); an IR written by hand reaches here unchecked.
        if (ir.train.batch < 2) {
          throw new UserError(`train.batch is ${ir.train.batch}: the contrastive loss \`${name}\` needs at least 2 images a batch (the others are its negatives)`, "use batch: 2 or more (64 or more works best)", 1);
        }
        this.terms.push(this.viewTerm(loss));
      } else if (loss.kind === "autoregressive" || loss.kind === "masked" || loss.kind === "reconstruct") {
        const enc = ir.encoders[encoder]!;
        if (enc.kind !== "transformer" || enc.tokens !== loss.target) {
          throw new UserError(`loss ${name}: target ${loss.target} is not the tokenizer of encoder ${encoder}`, enc.kind === "transformer" ? `use target: ${enc.tokens}` : "a token loss needs a transformer encoder", 1);
        }
        let views: string | null = null;
        if (loss.input === "view") {
          views = this.passes.find((p) => p.encoder === encoder && p.views)?.views ?? Object.keys(ir.views).sort()[0] ?? null;
        }
        const mask = loss.kind === "autoregressive" ? undefined : { kind: loss.kind, ratio: loss.ratio };
        const pass = this.passIndex({ encoder, views, copies: 1, ...(mask ? { mask } : {}) });
        this.terms.push({ loss: name, kind: loss.kind, head: loss.head, pass });
      } else throw new Error(`loss ${name}: the trainer does not know ${(loss as IRLoss).kind}`);
    }
  }

  /** The two-views pass a head reads: its encoder's, or for an `ema` head its momentum copy's after the online one. */
  private viewsPass(head: string, views: string): number {
    const encoder = this.model.headEncoder(head);
    if (!this.model.isMomentumEncoder(encoder)) return this.passIndex({ encoder, views, copies: 2 });
    const online = this.model.encoderIR(encoder).name;
    const source = this.passIndex({ encoder: online, views, copies: 2 });
    return this.passIndex({ encoder, views, copies: 2, source });
  }

  /** A two-view loss as the heads it reads and the function of their outputs. */
  private viewTerm(loss: Extract<IRLoss, { views: string }>): Term {
    const read = (head: string, grad: boolean): Read => ({ head, pass: this.viewsPass(head, loss.views), grad: grad && !this.model.isMomentumEncoder(this.model.headEncoder(head)) });
    const term = (reads: Read[], value: (zs: tf.Tensor2D[], ctx: ViewContext) => tf.Scalar): Term => ({ loss: loss.name, kind: "views", reads, value });
    const N = this.ir.train.batch;
    switch (loss.kind) {
      case "ntxent":
        return term([read(loss.head, true)], ([z]) => ntxent(z!, loss.temperature));
      case "supcon":
        return term([read(loss.head, true)], ([z], ctx) => supcon(z!, ctx.labels, loss.temperature));
      case "barlow_twins":
        return term([read(loss.head, true)], ([z]) => barlowTwins(z!, loss.lambda));
      case "vicreg":
        return term([read(loss.head, true)], ([z]) => vicreg(z!, loss));
      case "byol":
        return term([read(loss.head, true), read(loss.target, false)], ([p, t]) => byol(p!, t!));
      case "simsiam":
        return term([read(loss.head, true), read(loss.target, false)], ([p, z]) => simsiam(p!, z!));
      case "moco": {
        if (loss.queue % N !== 0) {
          throw new UserError(`loss ${loss.name}: the queue of ${loss.queue} keys is not a multiple of the batch (${N})`, `use queue: ${Math.max(1, Math.round(loss.queue / N)) * N}`, 1);
        }
        return term([read(loss.head, true), read(loss.key, false)], ([q, k]) => {
          const d = q!.shape[1];
          const keys = tf.slice(k!, [N, 0], [N, d]) as tf.Tensor2D; // the key encoder's second views
          this.pendingKeys.get(loss.name)?.dispose();
          this.pendingKeys.set(loss.name, tf.keep(tf.clone(keys)));
          return moco(tf.slice(q!, [0, 0], [N, d]) as tf.Tensor2D, keys, this.model.queue(loss.name) as unknown as tf.Tensor2D, loss.temperature);
        });
      }
    }
  }

  /** Drop the keys a failed step computed. */
  private dropPendingKeys(): void {
    for (const k of this.pendingKeys.values()) k.dispose();
    this.pendingKeys.clear();
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
    const batchIdx = this.sampler.next(N);
    const images = this.gather(batchIdx);

    // Inputs of every pass: token arrays ([copies·N, L, P²]) or a resnet's pixels, view 1 rows then view 2 rows.
    const tokens: EncoderData[] = [];
    for (const p of this.passes) tokens.push(p.source !== undefined ? tokens[p.source]! : this.passTokens(p, images, N, h, w));
    const masks = this.passes.map((p, i) => (p.mask ? drawMask(N, this.model.tokenizerOf(p.encoder).length, p.mask.ratio, p.mask.kind === "reconstruct", new Rng(`${this.seed}:mask:${stepNo}:${i}`)) : undefined));
    const rowLabels = this.labelsOf(batchIdx);

    const weights = lossWeights(this.ir.objective.terms, stepNo);
    const lr = learningRate(this.ir.optimizer, stepNo, this.totalSteps);
    // Dropout masks come from a stream of their own per step: reproducible, and nothing to checkpoint.
    const dropRng = new Rng(`${this.seed}:dropout:${stepNo}`);

    let grads: (tf.Tensor | null)[];
    let stats: tf.Tensor;
    try {
      ({ grads, stats } =
        this.microBatch === null
          ? this.singlePass(tokens, masks, N, weights, dropRng, rowLabels)
          : this.microPasses(tokens, masks, N, weights, stepNo, this.microBatch, rowLabels));
    } catch (err) {
      if (!isOutOfMemory(err)) this.dropPendingKeys();
      throw err;
    }


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
      this.dropPendingKeys();
      const value = bad in losses ? losses[bad]! : bad === "the objective" ? objective : gradNorm;
      throw new NonFiniteError(stepNo, bad in losses ? `loss \`${bad}\`` : bad, value);
    }

    const clip = this.ir.optimizer.clip;
    const scale = clip !== null && clip > 0 && gradNorm > clip ? clip / (gradNorm + 1e-6) : 1;
    this.optimizer.apply(grads, lr, scale);
    for (const g of grads) g?.dispose();
    this.model.updateMomentum();
    for (const [loss, keys] of this.pendingKeys) this.model.enqueue(loss, keys, stepNo);
    this.dropPendingKeys();
    this.step = stepNo;
    return { step: stepNo, losses, weights, objective, lr, gradNorm };
  }

  /** Inputs of a pass: token arrays ([copies·N, L, P²]) or a resnet's pixels, view 1 rows then view 2 rows. */
  private passTokens(p: Pass, images: Float32Array, N: number, h: number, w: number): EncoderData {
    if (!p.views) return this.model.prepare(p.encoder, images, N, h, w);
    const [a, b] = twoViews(this.ir.views[p.views]!, images, N, h, w, this.rng);
    const ta = this.model.prepare(p.encoder, a, N, h, w);
    if (p.copies === 1) return ta;
    const tb = this.model.prepare(p.encoder, b, N, h, w);
    const both = ta instanceof Int32Array ? new Int32Array(ta.length * 2) : new Float32Array(ta.length * 2);
    both.set(ta);
    both.set(tb, ta.length);
    return both;
  }

  /** The class of every row of a views pass: the batch's labels for the first views, then again for the second. */
  private labelsOf(indices: Int32Array): Int32Array {
    const out = new Int32Array(indices.length * 2);
    indices.forEach((idx, k) => {
      out[k] = this.data.labels[idx]!;
      out[k + indices.length] = this.data.labels[idx]!;
    });
    return out;
  }

  /** The encoder over a pass's inputs; a momentum copy's pass never drops units. */
  private encodePass(p: Pass, tokens: EncoderData, n: number, drop: Rng | undefined, mask?: TokenMask): EncoderOutput {
    return this.model.encode(p.encoder, this.model.input(p.encoder, tokens, n, mask), this.model.isMomentumEncoder(p.encoder) ? undefined : drop);
  }

  /** A token loss over n images: the encoder's output over them, their tokens and (masked, reconstruct) their mask. */
  private tokenLoss(t: TokenTerm, out: EncoderOutput, tokens: Int32Array, mask: TokenMask | undefined, n: number): tf.Scalar {
    const logits = this.model.applyHead(t.head, out);
    if (t.kind === "autoregressive") return bitsPerDim(logits, tokens);
    if (t.kind === "masked") return maskedBitsPerDim(logits, tokens, mask!.rows);
    return reconstructionLoss(logits, patchTargets(this.model.tokenizerOf(this.passes[t.pass]!.encoder), tokens, n), mask!.rows);
  }

  /** The whole step in one tape: forward passes, losses, objective and gradients in one tf.tidy. */
  private singlePass(
    tokens: EncoderData[],
    masks: (TokenMask | undefined)[],
    N: number,
    weights: Record<string, number>,
    dropRng: Rng,
    labels: Int32Array,
  ): { grads: (tf.Tensor | null)[]; stats: tf.Tensor } {
    const vars = this.model.variables;
    // Forward, losses and gradients; everything but the gradients and the stats is freed here.
    return tf.tidy(() => {
      const kept: tf.Scalar[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const outs = this.passes.map((p, i) => this.encodePass(p, tokens[i]!, p.copies * N, dropRng, masks[i]));
        let objective: tf.Scalar = tf.scalar(0);
        for (const t of this.terms) {
          let loss: tf.Scalar;
          if (t.kind === "views") {
            loss = t.value(
              t.reads.map((r) => this.model.applyHead(r.head, outs[r.pass]!)),
              { labels },
            );
          } else {
            // A token loss reads the first views of a two-view pass (a masked pass has one copy).
            const out = outs[t.pass]!;
            const pass = this.passes[t.pass]!;
            const first = pass.copies === 2 ? firstRows(out, N) : out;
            const all = tokens[t.pass] as Int32Array;
            const targets = pass.copies === 2 ? all.subarray(0, all.length / 2) : all;
            loss = this.tokenLoss(t, first, targets, masks[t.pass], N);
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
  }

  /**
   * The same step in micro-batches of at most `size` sequences, for steps whose single tape would
   * not fit the backend's memory. Each pass's sequences are cut into micro-batches (never across
   * its first and second views).
   *   - A two-view loss (NT-Xent and the rest of its family) couples all 2N views, so it is taken
   *     by gradient caching (GradCache): a forward pass of every micro-batch without a tape gives
   *     each head output z the loss reads; the loss and dL/dz are computed on the whole z (small);
   *     then each micro-batch is run again with a tape and the gradients of
   *     Σ z_mb · stopGradient(w · dL/dz_mb) are accumulated — by the chain rule exactly the
   *     gradients of w · loss. Outputs the loss stops (targets, keys, momentum copies) are read
   *     in the first pass only.
   *   - The token losses are means over values of the images: the next-token loss over all of
   *     them, so micro-batch b of n_b of the N images contributes the gradients of
   *     w · (n_b/N) · bits/dim_b; the masked and reconstruction losses over the masked tokens, so
   *     it contributes w · (m_b/m) · loss_b, m_b of the step's m masked tokens being its own. The
   *     step's mask is drawn once for the whole batch (as in the single pass) and cut with it.
   *   - A resnet normalises each image on its own (GroupNorm), so its micro-batches are exact too.
   * Dropout masks are drawn per micro-batch (stream `seed:dropout:step:pass:mb`), so the two
   * passes over a micro-batch drop the same units. Clipping and the update are the caller's, once.
   */
  private microPasses(
    tokens: EncoderData[],
    masks: (TokenMask | undefined)[],
    N: number,
    weights: Record<string, number>,
    stepNo: number,
    size: number,
    labels: Int32Array,
  ): { grads: (tf.Tensor | null)[]; stats: tf.Tensor } {
    const vars = this.model.variables;
    const chunks = this.passes.map((p) => microBatches(p.copies, N, size));
    const perSeq = this.passes.map((p, i) => tokens[i]!.length / (p.copies * N));
    const chunkData = (pi: number, ci: number): EncoderData => {
      const { start, count } = chunks[pi]![ci]!;
      return tokens[pi]!.subarray(start * perSeq[pi]!, (start + count) * perSeq[pi]!);
    };
    // A masked pass has one copy: its micro-batches are images start … start + count − 1 of the batch.
    const chunkMask = (pi: number, ci: number): TokenMask | undefined => {
      const { start, count } = chunks[pi]![ci]!;
      return masks[pi] && maskRows(masks[pi]!, N, start, count);
    };
    const encodeChunk = (pi: number, ci: number): EncoderOutput =>
      this.encodePass(this.passes[pi]!, chunkData(pi, ci), chunks[pi]![ci]!.count, new Rng(`${this.seed}:dropout:${stepNo}:${pi}:${ci}`), chunkMask(pi, ci));
    const maskedTotal = masks.map((m) => (m ? sum(m.rows) : 0));
    const key = (r: { pass: number; head: string }) => `${r.pass}\u0000${r.head}`;
    const views = this.terms.filter((t): t is Extract<Term, { kind: "views" }> => t.kind === "views");
    const values = new Map<Term, tf.Scalar>(); // each term's loss value (kept)
    const zs = new Map<string, tf.Tensor2D>(); // each read head output over its whole pass (kept)
    const dz = new Map<string, tf.Tensor2D>(); // Σ over terms of w · dL/dz of each read (kept)
    const acc: (tf.Tensor | null)[] = vars.map(() => null);
    const genParts = new Map<Term, tf.Scalar[]>();
    const release = () => {
      for (const v of values.values()) v.dispose();
      for (const z of zs.values()) z.dispose();
      for (const g of dz.values()) g.dispose();
      for (const parts of genParts.values()) for (const p of parts) p.dispose();
      values.clear();
      zs.clear();
      dz.clear();
      genParts.clear();
    };
    try {
      // 1. Two-view losses: every head output they read, without a tape; then each loss and its gradient in z.
      for (const [pi] of this.passes.entries()) {
        const heads = [...new Set(views.flatMap((t) => t.reads.filter((r) => r.pass === pi).map((r) => r.head)))];
        if (!heads.length) continue;
        const parts = heads.map(() => [] as tf.Tensor2D[]);
        try {
          chunks[pi]!.forEach((_, ci) => {
            const out = tf.tidy(() => {
              const enc = encodeChunk(pi, ci);
              return heads.map((h) => this.model.applyHead(h, enc));
            });
            out.forEach((z, k) => parts[k]!.push(z));
          });
          heads.forEach((h, k) => zs.set(key({ pass: pi, head: h }), tf.tidy(() => tf.concat(parts[k]!, 0) as tf.Tensor2D)));
        } catch (err) {
          if (!isOutOfMemory(err)) for (const list of parts) for (const z of list) z.dispose(); // (never on a heap that ran out: see below)
          throw err;
        }
        for (const list of parts) for (const z of list) z.dispose();
      }
      for (const t of views) {
        const inputs = t.reads.map((r) => zs.get(key(r))!);
        const trained = t.reads.map((r, i) => (r.grad ? i : -1)).filter((i) => i >= 0);
        const [value, ...grads] = tf.tidy(() => {
          const f = (...xs: tf.Tensor[]) => {
            const all = inputs.slice();
            trained.forEach((i, k) => (all[i] = xs[k] as tf.Tensor2D));
            return t.value(all, { labels });
          };
          if (!trained.length) return [f()];
          const { value, grads } = tf.valueAndGrads(f)(trained.map((i) => inputs[i]!));
          return [value, ...grads.map((g) => tf.mul(g, weights[t.loss]!) as tf.Tensor2D)];
        });
        values.set(t, value as tf.Scalar);
        trained.forEach((i, k) => {
          const kk = key(t.reads[i]!);
          const prev = dz.get(kk);
          const g = grads[k] as tf.Tensor2D;
          if (!prev) dz.set(kk, g);
          else {
            dz.set(kk, tf.add(prev, g) as tf.Tensor2D);
            prev.dispose();
            g.dispose();
          }
        });
      }

      // 2. Every micro-batch with a tape: accumulate the gradients of its share of the objective.
      for (const [pi] of this.passes.entries()) {
        const reads = [...dz.keys()].filter((k) => k.startsWith(`${pi}\u0000`)).map((k) => ({ k, head: k.slice(k.indexOf("\u0000") + 1) }));
        const gen = this.terms.filter((t): t is TokenTerm => t.kind !== "views" && t.pass === pi);
        chunks[pi]!.forEach(({ start, count }, ci) => {
          const first = start < N; // micro-batches never straddle the first and second views
          const activeGen = first ? gen : [];
          if (!reads.length && !activeGen.length) return;
          const { list, parts } = tf.tidy(() => {
            const parts: tf.Scalar[] = [];
            const { grads } = tf.variableGrads(() => {
              const out = encodeChunk(pi, ci);
              let surrogate: tf.Scalar = tf.scalar(0);
              for (const r of reads) {
                const g = tf.slice(dz.get(r.k)!, [start, 0], [count, -1]);
                surrogate = tf.add(surrogate, tf.sum(tf.mul(this.model.applyHead(r.head, out), g)));
              }
              const mask = chunkMask(pi, ci);
              for (const t of activeGen) {
                const weight = mask ? sum(mask.rows) / maskedTotal[pi]! : count / N;
                const share = tf.mul(this.tokenLoss(t, out, chunkData(pi, ci) as Int32Array, mask, count), weight) as tf.Scalar;
                parts.push(tf.keep(share));
                surrogate = tf.add(surrogate, tf.mul(share, weights[t.loss]!));
              }
              return surrogate;
            }, vars);
            return { list: vars.map((v) => grads[v.name] ?? null), parts };
          });
          activeGen.forEach((t, k) => genParts.set(t, [...(genParts.get(t) ?? []), parts[k]!]));
          list.forEach((g, i) => {
            if (!g) return;
            const a = acc[i];
            if (!a) acc[i] = g;
            else {
              acc[i] = tf.add(a, g);
              a.dispose();
              g.dispose();
            }
          });
        });
      }
      for (const [t, parts] of genParts) values.set(t, tf.tidy(() => (parts.length === 1 ? tf.clone(parts[0]!) : tf.addN(parts)) as tf.Scalar));

      // 3. The same statistics as the single pass: [objective, terms…, grad norm].
      const stats = tf.tidy(() => {
        const kept = this.terms.map((t) => values.get(t)!);
        let objective: tf.Scalar = tf.scalar(0);
        this.terms.forEach((t, i) => (objective = tf.add(objective, tf.mul(kept[i]!, weights[t.loss]!))));
        const present = acc.filter((g): g is tf.Tensor => g !== null);
        const norm = present.length ? tf.sqrt(tf.addN(present.map((g) => tf.sum(tf.square(g))))) : tf.scalar(0);
        return tf.stack([objective, ...kept, norm]);
      });
      release();
      return { grads: acc, stats };
    } catch (err) {
      // Out of memory leaves the wasm heap untrustworthy: nothing is disposed on it (runtime/memory.ts).
      if (!isOutOfMemory(err)) {
        release();
        for (const g of acc) g?.dispose();
      }
      throw err;
    }
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
  const pooled = tf.slice(out.pooled, [0, 0], [n, out.pooled.shape[1]]) as tf.Tensor2D;
  if (!out.tokens) return { pooled };
  const [, L, D] = out.tokens.shape;
  return { tokens: tf.slice(out.tokens, [0, 0, 0], [n, L, D]) as tf.Tensor3D, pooled };
}

/** The mask of images start … start + count − 1 of a mask over n images. */
function maskRows(mask: TokenMask, n: number, start: number, count: number): TokenMask {
  const L = mask.rows.length / n;
  const rows = mask.rows.subarray(start * L, (start + count) * L);
  if (!mask.visible) return { rows };
  const V = mask.visible.length / n;
  return { rows, visible: mask.visible.subarray(start * V, (start + count) * V) };
}

function sum(xs: Float32Array): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

/** Tokens a masked pass hides in each image of L tokens: round(ratio·L), at least one, at most L − 1. */
export function maskedCount(L: number, ratio: number): number {
  return Math.min(L - 1, Math.max(1, Math.round(ratio * L)));
}

/**
 * The tokens a masked pass hides in each of n images of L tokens: round(ratio·L) of them (at least
 * one, at most L − 1), drawn without replacement; `rows` is 1 at a hidden token. With `visible`
 * (reconstruct) also the visible positions of each image in increasing order.
 */
export function drawMask(n: number, L: number, ratio: number, visible: boolean, rng: Rng): TokenMask {
  const k = maskedCount(L, ratio);
  const rows = new Float32Array(n * L);
  const vis = visible ? new Int32Array(n * (L - k)) : undefined;
  for (let i = 0; i < n; i++) {
    const order = rng.permutation(L);
    for (let j = 0; j < k; j++) rows[i * L + order[j]!] = 1;
    if (vis) {
      let v = 0;
      for (let l = 0; l < L; l++) if (rows[i * L + l] === 0) vis[i * (L - k) + v++] = l;
    }
  }
  return vis ? { rows, visible: vis } : { rows };
}
