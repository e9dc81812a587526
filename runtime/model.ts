// The model an experiment describes, written with raw tf ops over our own variables (no
// tf.layers), so initialisation is seeded and backend-independent, every weight has a stable
// name (checkpoints, safetensors) and nothing allocates behind our back.
//
// Encoder (Image-GPT style, pre-LayerNorm Transformer):
//   input        tokens t_0 … t_{L-1} of one image (L = tokenizer length)
//   sequence     [s, e(t_0), …, e(t_{L-1})], T = L + 1 positions, s a learned start vector
//                e = one-hot(t) · W_te for `quantize`, (t / (levels-1)) · W_te + b for `patches`
//   + W_pe       learned position embedding, [T, width]
//   blocks       x += attn(ln1(x)); x += mlp(ln2(x))      (causal mask when `causal: true`)
//   ln_f         final LayerNorm
//   .tokens      outputs at positions 0 … L-1: the output at position i has seen s, t_0 … t_{i-1}
//                and is what a per-token head turns into a prediction of t_i — so bits/dim covers
//                all L·pixelsPerToken values of the image, the first one included.
//   .pooled      mean (or max, or last) over the outputs at positions 1 … L, i.e. the positions
//                that read an image token. With a causal encoder this mean over a causal stack is
//                what the hybrid of the paper pools: position i summarises the prefix up to t_{i-1}.
//
// Heads: `linear` is one affine map; `mlp` is affine maps with ReLU between them (SimCLR's
// projection). A per-token head on a `patches` encoder predicts each of the next patch's P·P
// values as a `levels`-way choice: its last layer has P·P·levels outputs.
//
// Embeddings are one-hot × matrix products rather than gathers: the wasm backend has no
// UnsortedSegmentSum kernel, which the gradient of a gather needs.
//
// Masked modelling (issue 16). `.tokens` of a non-causal encoder are the outputs at the tokens'
// own positions 1 … L (nothing is predicted from a prefix there). With a mask (`masked` loss), the
// embedding of each masked token is replaced by a learned vector `<enc>.mask` before the position
// embedding is added: nothing of the masked token's value reaches any position. With a visible set
// (`reconstruct`, MAE), the encoder's sequence is [s, the visible tokens only], each with its own
// position embedding; a `decoder` head maps the visible outputs to its width, puts them back at
// their positions, fills the others with its learned mask vector, adds its own position embedding
// and runs a few non-causal blocks, ending in one prediction of the patch's pixels per token.
// Rows are picked and scattered by one-hot products, like the embeddings (no gathers).
//
// A `resnet` encoder (runtime/resnet.ts) reads the images themselves: its data are pixels, not tokens.

import type { IREncoder, IRExperiment, IRHead, IRTokenizer, IRTransformerEncoder } from "../compiler/ir.js";
import { tf } from "./backend.js";
import { attentionComposite, attention as fusedAttention, gelu as fusedGelu, layerNorm as fusedLayerNorm, matMulT } from "./kernels/fused.js";
import { ResNet } from "./resnet.js";
import { Rng } from "./rng.js";
import { tokenInputs, tokenize } from "./tokens.js";

/** Std of the normal initialisation of every matrix (GPT-2's); residual projections are scaled down by √(2·layers). */
export const INIT_STD = 0.02;
export const LN_EPS = 1e-5;

export interface Param {
  name: string;
  shape: number[];
  variable: tf.Variable;
  /** AdamW decays matrices only, never LayerNorm gains, biases or the start vector. */
  decay: boolean;
}

interface Linear {
  w: tf.Variable; // [in, out]
  b: tf.Variable; // [out]
}

interface LayerNorm {
  g: tf.Variable; // [width]
  b: tf.Variable; // [width]
}

interface Block {
  ln1: LayerNorm;
  qkv: Linear; // [width, 3·width]
  proj: Linear; // [width, width]
  ln2: LayerNorm;
  fc: Linear; // [width, mlp·width]
  out: Linear; // [mlp·width, width]
}

interface Encoder {
  ir: IRTransformerEncoder;
  tok: IRTokenizer;
  /** Width of one token's input: vocab for quantize (one-hot), P·P for patches. */
  inWidth: number;
  wte: tf.Variable; // [inWidth, width]
  bte: tf.Variable | null; // [width] (patches only)
  start: tf.Variable; // [width]
  wpe: tf.Variable; // [T, width]
  blocks: Block[];
  lnf: LayerNorm;
  /** Additive causal mask [T, T]: 0 on and below the diagonal, -1e9 above (null when not causal). */
  mask: tf.Tensor2D | null;
  /** The learned vector of masked tokens, where a `masked` loss reads this encoder. */
  maskToken: tf.Variable | null;
}

/** A `decoder` head's own Transformer (MAE's light decoder). */
interface Decoder {
  embed: Linear; // [encoder width, width]
  maskToken: tf.Variable; // [width]
  wpe: tf.Variable; // [L, width]
  blocks: Block[];
  lnf: LayerNorm;
  heads: number;
}

interface Head {
  ir: IRHead;
  /** The model key of the encoder it reads at the root: the IR's encoder, or a momentum copy's (`tproj/enc`). */
  encoder: string;
  /** The model key of the head it reads (a head on a head), or null when it reads the encoder. */
  input: string | null;
  layers: Linear[];
  /** Values predicted per token position (pixelsPerToken) for a per-token head; 1 otherwise. */
  groups: number;
  /** Width of the last layer: out · groups. */
  outWidth: number;
  /** A `decoder` head's blocks (its `layers` are then the one output layer). */
  decoder: Decoder | null;
}

/** What an encoder reads of n images: token values (transformer) or the pixels themselves (resnet). */
export type EncoderData = Int32Array | Float32Array;

/** Which tokens a masked pass hides, per image: `rows` [n·L] is 1 at a masked token, else 0. */
export interface TokenMask {
  rows: Float32Array;
  /** reconstruct: the encoder reads only the visible tokens, `visible` per image in order ([n·V]). */
  visible?: Int32Array;
}

/** A prepared model input: what the encoder's embedding reads, plus the token values. */
export interface EncodedInput {
  /** [n·L, inWidth]: one-hot rows (quantize) or scaled patch values (patches); [n, h, w, 1] images for a resnet;
   *  [n·V, inWidth] with a visible set. */
  x: tf.Tensor;
  n: number;
  /** [n·L, 1]: 1 where the token is replaced by the mask vector. */
  mask?: tf.Tensor2D;
  /** With a visible set: V tokens per image, their positions, and the [n·V, L] one-hot rows picking their position embeddings. */
  visible?: { V: number; positions: Int32Array; pick: tf.Tensor2D };
}

export interface EncoderOutput {
  /** [n, L, width] (absent for a resnet); with a visible set, [n, V, width] at the visible tokens' own positions. */
  tokens?: tf.Tensor3D;
  pooled: tf.Tensor2D; // [n, width]
  /** Each block's output pooled as `.pooled` is (no final LayerNorm): `.layer(k)` is blocks[k-1]. Only when asked for. */
  blocks?: tf.Tensor2D[];
  /** The visible set the encoder read (reconstruct), for a decoder head. */
  visible?: { V: number; positions: Int32Array };
}

/** A momentum copy's variable beside the trainable one it follows. */
interface MomentumPair {
  source: tf.Variable;
  copy: tf.Variable;
  decay: number;
}

export class Model {
  /** The trainable parameters (what the optimizer updates). */
  readonly params: Param[] = [];
  /**
   * State saved with the weights but never trained: the momentum copies of `ema` heads (named
   * `<ema head>/<source parameter>`) and the key queues of `moco` losses (`<loss>.queue`).
   */
  readonly buffers: Param[] = [];
  private readonly encoders = new Map<string, Encoder>();
  private readonly resnets = new Map<string, ResNet>();
  /** The h×w of the images a resnet last prepared (its input() reshapes the pixels to them). */
  private readonly imageSizes = new Map<string, [number, number]>();
  private readonly heads = new Map<string, Head>();
  private readonly momentum: MomentumPair[] = [];
  private readonly queues = new Map<string, tf.Variable>();
  private readonly rng: Rng;

  constructor(
    readonly ir: IRExperiment,
    seed: number = ir.seed,
  ) {
    this.rng = new Rng(`${seed}:init`);
    for (const name of Object.keys(ir.encoders).sort()) {
      const e = ir.encoders[name]!;
      if (e.kind === "resnet") this.resnets.set(name, new ResNet(e, { normal: (n, sh, std) => this.normal(n, sh, std), constant: (n, sh, v) => this.constant(n, sh, v) }));
      else this.encoders.set(name, this.buildEncoder(e));
    }
    // Heads on heads are built after the heads they read; momentum copies after everything they copy.
    const names = Object.keys(ir.heads).sort();
    const build = (name: string, seen: Set<string>): void => {
      if (this.heads.has(name)) return;
      if (seen.has(name)) throw new Error(`head ${name} reads itself through ${[...seen].join(" → ")}`);
      const h = ir.heads[name];
      if (!h) throw new Error(`unknown head ${name}`);
      const below = h.kind === "ema" ? h.ema?.of : h.input.head;
      if (below) build(below, new Set([...seen, name]));
      this.heads.set(name, h.kind === "ema" ? this.buildMomentumHead(h) : this.buildHead(h));
    };
    for (const name of names) if (ir.heads[name]!.kind !== "ema") build(name, new Set());
    for (const name of names) build(name, new Set());
    for (const name of Object.keys(ir.losses).sort()) {
      const loss = ir.losses[name]!;
      if (loss.kind === "moco") this.queues.set(name, this.buildQueue(name, loss.queue, ir.heads[loss.key]?.out ?? 0));
    }
  }

  /** Trainable parameters (the momentum copies and queues are not counted). */
  get parameterCount(): number {
    return this.params.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
  }

  get variables(): tf.Variable[] {
    return this.params.map((p) => p.variable);
  }

  /** Everything a checkpoint holds of the model: the parameters, then the buffers. */
  get saved(): Param[] {
    return [...this.params, ...this.buffers];
  }

  /** The experiment's encoders (not the momentum copies). */
  encoderNames(): string[] {
    return [...[...this.encoders.keys()].filter((k) => this.ir.encoders[k]), ...this.resnets.keys()].sort();
  }

  tokenizerOf(encoder: string): IRTokenizer {
    return this.encoder(encoder).tok;
  }

  /** The model key of the encoder a head reads at its root (a momentum copy's for an `ema` head). */
  headEncoder(head: string): string {
    return this.head(head).encoder;
  }

  /** The IR of the encoder under a model key (a momentum copy has its source's). */
  encoderIR(key: string): IREncoder {
    return this.ir.encoders[key] ?? this.encoder(key).ir;
  }

  /** True for the model key of an encoder that is a momentum copy (never trained, no dropout). */
  isMomentumEncoder(key: string): boolean {
    return !this.ir.encoders[key] && this.encoders.has(key);
  }

  /** A resnet encoder's convolutions over h×w images (runtime/resnet.ts), for the memory estimate. */
  convShapes(encoder: string, h: number, w: number): { out: number; taps: number }[] {
    const r = this.resnets.get(encoder);
    if (!r) throw new Error(`encoder ${encoder} is not a resnet`);
    return r.convShapes(h, w);
  }

  /** The key queue of a `moco` loss: [Q, d]. */
  queue(loss: string): tf.Variable {
    const q = this.queues.get(loss);
    if (!q) throw new Error(`no key queue for loss ${loss}`);
    return q;
  }

  /**
   * Put a step's N keys [N, d] into a moco loss's queue, replacing the oldest N: after `step`
   * steps the queue has taken step·N keys, so the write position is ((step − 1)·N) mod Q and
   * nothing but the step itself needs checkpointing besides the queue's contents.
   */
  enqueue(loss: string, keys: tf.Tensor2D, step: number): void {
    const q = this.queue(loss);
    const [Q, d] = q.shape as [number, number];
    const n = keys.shape[0];
    if (Q % n !== 0) throw new Error(`the queue of ${loss} (${Q}) is not a multiple of the batch (${n})`);
    const at = ((step - 1) * n) % Q;
    tf.tidy(() => {
      const parts: tf.Tensor2D[] = [];
      if (at > 0) parts.push(tf.slice(q, [0, 0], [at, d]) as tf.Tensor2D);
      parts.push(keys);
      if (at + n < Q) parts.push(tf.slice(q, [at + n, 0], [Q - at - n, d]) as tf.Tensor2D);
      q.assign(parts.length === 1 ? parts[0]! : tf.concat(parts, 0));
    });
  }

  /** After each optimizer step: every momentum copy θ' ← d·θ' + (1−d)·θ (never a gradient). */
  updateMomentum(): void {
    if (!this.momentum.length) return;
    tf.tidy(() => {
      for (const { source, copy, decay } of this.momentum) copy.assign(tf.add(tf.mul(copy, decay), tf.mul(source, 1 - decay)));
    });
  }

  // ---- building -----------------------------------------------------------------------------

  private normal(name: string, shape: number[], std: number): tf.Variable {
    const size = shape.reduce((a, b) => a * b, 1);
    const r = this.rng.fork(name);
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = r.normal(0, std);
    return this.add(name, shape, values, shape.length >= 2);
  }

  private constant(name: string, shape: number[], value: number): tf.Variable {
    const size = shape.reduce((a, b) => a * b, 1);
    return this.add(name, shape, new Float32Array(size).fill(value), false);
  }

  private add(name: string, shape: number[], values: Float32Array, decay: boolean): tf.Variable {
    // tf's own variable names are engine-global; ours live in Param.name, so several models can coexist.
    const init = tf.tensor(values, shape, "float32");
    const variable = tf.variable(init, true);
    init.dispose();
    this.params.push({ name, shape, variable, decay });
    return variable;
  }

  private linear(name: string, inW: number, outW: number, std = INIT_STD): Linear {
    return { w: this.normal(`${name}.w`, [inW, outW], std), b: this.constant(`${name}.b`, [outW], 0) };
  }

  private layerNorm(name: string, width: number): LayerNorm {
    return { g: this.constant(`${name}.g`, [width], 1), b: this.constant(`${name}.b`, [width], 0) };
  }

  private buildEncoder(e: IRTransformerEncoder): Encoder {
    const tok = this.ir.tokenizers[e.tokens];
    if (!tok) throw new Error(`encoder ${e.name}: unknown tokenizer ${e.tokens}`);
    const D = e.width;
    const T = tok.length + 1;
    const inWidth = tok.kind === "quantize" ? tok.vocab : tok.pixelsPerToken;
    const wte = this.normal(`${e.name}.wte`, [inWidth, D], INIT_STD);
    const bte = tok.kind === "patches" ? this.constant(`${e.name}.bte`, [D], 0) : null;
    const start = this.normal(`${e.name}.start`, [D], INIT_STD);
    this.params[this.params.length - 1]!.decay = false;
    const wpe = this.normal(`${e.name}.wpe`, [T, D], INIT_STD);
    const blocks = this.buildBlocks(e.name, e.layers, D, e.mlp);
    const lnf = this.layerNorm(`${e.name}.ln_f`, D);
    const mask = e.causal ? tf.keep(causalMask(T)) : null;
    const masked = Object.values(this.ir.losses).some((l) => l.kind === "masked" && this.ir.heads[l.head]?.input.encoder === e.name);
    const maskToken = masked ? this.normal(`${e.name}.mask`, [D], INIT_STD) : null;
    if (maskToken) this.params[this.params.length - 1]!.decay = false;
    return { ir: e, tok, inWidth, wte, bte, start, wpe, blocks, lnf, mask, maskToken };
  }

  /** Pre-LayerNorm Transformer blocks (an encoder's or a decoder's). */
  private buildBlocks(prefix: string, count: number, D: number, mlp: number): Block[] {
    const residualStd = INIT_STD / Math.sqrt(2 * count);
    const blocks: Block[] = [];
    for (let i = 0; i < count; i++) {
      const p = `${prefix}.h.${i}`;
      blocks.push({
        ln1: this.layerNorm(`${p}.ln1`, D),
        qkv: this.linear(`${p}.attn.qkv`, D, 3 * D),
        proj: this.linear(`${p}.attn.proj`, D, D, residualStd),
        ln2: this.layerNorm(`${p}.ln2`, D),
        fc: this.linear(`${p}.mlp.fc`, D, mlp * D),
        out: this.linear(`${p}.mlp.proj`, mlp * D, D, residualStd),
      });
    }
    return blocks;
  }

  private buildHead(h: IRHead): Head {
    const enc = this.ir.encoders[h.input.encoder];
    if (!enc) throw new Error(`head ${h.name}: unknown encoder ${h.input.encoder}`);
    if (h.decoder) {
      if (enc.kind !== "transformer") throw new Error(`head ${h.name}: a decoder reads a transformer's tokens`);
      const { width: Dd, layers, heads, mlp } = h.decoder;
      const embed = this.linear(`${h.name}.embed`, enc.width, Dd);
      const maskToken = this.normal(`${h.name}.mask`, [Dd], INIT_STD);
      this.params[this.params.length - 1]!.decay = false;
      const wpe = this.normal(`${h.name}.wpe`, [enc.length, Dd], INIT_STD);
      const decoder: Decoder = { embed, maskToken, wpe, blocks: this.buildBlocks(h.name, layers, Dd, mlp), lnf: this.layerNorm(`${h.name}.ln_f`, Dd), heads };
      return { ir: h, layers: [this.linear(`${h.name}.out`, Dd, h.out)], groups: 1, outWidth: h.out, decoder, encoder: h.input.encoder, input: null };
    }
    const groups = h.perToken && enc.kind === "transformer" ? this.ir.tokenizers[enc.tokens]!.pixelsPerToken : 1;
    const below = h.input.head ? this.head(h.input.head) : null;
    const widths = [h.inWidth || (below ? below.outWidth : enc.width), ...h.hidden, h.out * groups];
    const layers: Linear[] = [];
    for (let i = 0; i + 1 < widths.length; i++) layers.push(this.linear(`${h.name}.${i}`, widths[i]!, widths[i + 1]!));
    return { ir: h, encoder: h.input.encoder, input: h.input.head ?? null, layers, groups, outWidth: h.out * groups, decoder: null };
  }

  /**
   * An `ema` head: copies of its source head, of every head under it and of its encoder, each a
   * buffer `<ema>/<name>` starting at the source's initial values (BYOL's target starts as the
   * online network) and following it by updateMomentum. The copies share the source's shapes,
   * tokenizer and causal mask; they take no random numbers, so adding one changes no other weight.
   */
  private buildMomentumHead(h: IRHead): Head {
    const of = h.ema?.of;
    if (!of || !h.ema) throw new Error(`ema head ${h.name} names no source head`);
    const decay = h.ema.decay;
    const copyVar = (name: string, v: tf.Variable): tf.Variable => {
      const copy = tf.variable(v, false); // tf.variable copies the values
      this.buffers.push({ name: `${h.name}/${name}`, shape: [...v.shape], variable: copy, decay: false });
      this.momentum.push({ source: v, copy, decay });
      return copy;
    };
    const copyLinear = (name: string, l: Linear): Linear => ({ w: copyVar(`${name}.w`, l.w), b: copyVar(`${name}.b`, l.b) });
    const copyNorm = (name: string, l: LayerNorm): LayerNorm => ({ g: copyVar(`${name}.g`, l.g), b: copyVar(`${name}.b`, l.b) });
    const src = this.head(of);
    const root = this.encoder(src.encoder);
    const encKey = `${h.name}/${src.encoder}`;
    const n = root.ir.name;
    this.encoders.set(encKey, {
      ...root,
      wte: copyVar(`${n}.wte`, root.wte),
      bte: root.bte ? copyVar(`${n}.bte`, root.bte) : null,
      start: copyVar(`${n}.start`, root.start),
      wpe: copyVar(`${n}.wpe`, root.wpe),
      blocks: root.blocks.map((b, i) => {
        const p = `${n}.h.${i}`;
        return {
          ln1: copyNorm(`${p}.ln1`, b.ln1),
          qkv: copyLinear(`${p}.attn.qkv`, b.qkv),
          proj: copyLinear(`${p}.attn.proj`, b.proj),
          ln2: copyNorm(`${p}.ln2`, b.ln2),
          fc: copyLinear(`${p}.mlp.fc`, b.fc),
          out: copyLinear(`${p}.mlp.proj`, b.out),
        };
      }),
      lnf: copyNorm(`${n}.ln_f`, root.lnf),
    });
    // The source's chain of heads, bottom first; the top one becomes this head.
    const chain: Head[] = [];
    for (let x: Head | null = src; x; x = x.input ? this.head(x.input) : null) chain.unshift(x);
    let input: string | null = null;
    let top: Head | null = null;
    for (const x of chain) {
      const copy: Head = { ...x, encoder: encKey, input, layers: x.layers.map((l, i) => copyLinear(`${x.ir.name}.${i}`, l)) };
      if (x === src) top = { ...copy, ir: h };
      else {
        const key = `${h.name}/${x.ir.name}`;
        this.heads.set(key, copy);
        input = key;
      }
    }
    return top!;
  }

  /** A moco loss's queue of Q past keys, seeded random at the start (as MoCo's is). */
  private buildQueue(loss: string, size: number, width: number): tf.Variable {
    const r = this.rng.fork(`${loss}.queue`);
    const values = new Float32Array(size * width);
    for (let i = 0; i < values.length; i++) values[i] = r.normal(0, 1);
    const init = tf.tensor(values, [size, width], "float32");
    const variable = tf.variable(init, false);
    init.dispose();
    this.buffers.push({ name: `${loss}.queue`, shape: [size, width], variable, decay: false });
    return variable;
  }

  private zeros = new Map<number, tf.Tensor1D>();
  /** A kept zero bias for the quantize embedding (which has none), one per width. */
  private zeroBias(width: number): tf.Tensor1D {
    let z = this.zeros.get(width);
    if (!z) {
      z = tf.keep(tf.zeros([width]) as tf.Tensor1D);
      this.zeros.set(width, z);
    }
    return z;
  }

  private encoder(name: string): Encoder {
    const e = this.encoders.get(name);
    if (!e) throw new Error(this.resnets.has(name) ? `encoder ${name} is a resnet: it has no tokens` : `unknown encoder ${name}`);
    return e;
  }

  private head(name: string): Head {
    const h = this.heads.get(name);
    if (!h) throw new Error(`unknown head ${name}`);
    return h;
  }

  // ---- inputs -------------------------------------------------------------------------------

  /** Tokens of n images (h×w, values in [0, 1]) as the encoder reads them; Int32 token values too. */
  tokenize(encoder: string, images: Float32Array, n: number, h: number, w: number): Int32Array {
    return tokenize(this.encoder(encoder).tok, images, n, h, w);
  }

  /** What the encoder reads of n images (h×w, values in [0, 1]): tokens, or a copy of the pixels for a resnet. */
  prepare(encoder: string, images: Float32Array, n: number, h: number, w: number): EncoderData {
    if (this.resnets.has(encoder)) {
      this.imageSizes.set(encoder, [h, w]);
      return images.slice(0, n * h * w);
    }
    return this.tokenize(encoder, images, n, h, w);
  }

  /**
   * The encoder's input for n prepared images (call inside tf.tidy): the embedding's input
   * [n·L, inWidth] for a transformer, optionally with a token mask (masked: `rows`; reconstruct:
   * `visible`, and then only the visible tokens' rows); [n, h, w, 1] images for a resnet.
   */
  input(encoder: string, data: EncoderData, n: number, mask?: TokenMask): EncodedInput {
    const r = this.resnets.get(encoder);
    if (r) {
      const size = this.imageSizes.get(encoder) ?? square(data.length / n);
      return { x: tf.tensor4d(data as Float32Array, [n, size[0], size[1], 1]), n };
    }
    const tokens = data as Int32Array;
    const e = this.encoder(encoder);
    const L = e.tok.length;
    const x = e.tok.kind === "quantize" ? oneHot(tokens, e.tok.vocab) : tf.tensor2d(tokenInputs(e.tok, tokens, n), [n * L, e.inWidth]);
    if (!mask) return { x, n };
    if (!mask.visible) return { x, n, mask: tf.tensor2d(mask.rows, [n * L, 1]) };
    const V = mask.visible.length / n;
    const rows = new Int32Array(n * V);
    for (let i = 0; i < n; i++) for (let j = 0; j < V; j++) rows[i * V + j] = i * L + mask.visible[i * V + j]!;
    return { x: tf.matMul(oneHot(rows, n * L), x) as tf.Tensor2D, n, visible: { V, positions: mask.visible, pick: oneHot(mask.visible, L) } };
  }

  // ---- forward ------------------------------------------------------------------------------

  /**
   * The encoder over n prepared inputs (call inside tf.tidy). With `dropout` (training only) and
   * a `dropout` rate in the IR, the embeddings and each residual branch are dropped GPT-style,
   * with masks drawn from the given stream (so a step's masks are reproducible).
   */
  encode(encoder: string, input: EncodedInput, dropout?: Rng, opts: { blocks?: boolean } = {}): EncoderOutput {
    const r = this.resnets.get(encoder);
    if (r) return r.forward(input.x as tf.Tensor4D, opts);
    const e = this.encoder(encoder);
    const { n } = input;
    // With a visible set the sequence holds the V visible tokens only.
    const L = input.visible ? input.visible.V : e.tok.length;
    const T = L + 1;
    const D = e.ir.width;
    const p = dropout ? e.ir.dropout : 0;
    const drop = (x: tf.Tensor2D): tf.Tensor2D => (p > 0 ? tf.mul(x, dropoutMask(x.shape[0], x.shape[1], p, dropout!)) : x);
    let emb = affineOp(input.x as tf.Tensor2D, e.wte, e.bte ?? this.zeroBias(D)) as tf.Tensor2D; // [n·L, D]
    if (input.mask) {
      if (!e.maskToken) throw new Error(`encoder ${encoder} has no mask vector (no masked loss reads it)`);
      emb = tf.add(tf.mul(emb, tf.sub(1, input.mask)), tf.mul(input.mask, e.maskToken)) as tf.Tensor2D;
    }
    const start = tf.add(tf.zeros([n, 1, D]), e.start); // [n, 1, D]
    const seq = tf.concat([start, tf.reshape(emb, [n, L, D])], 1); // [n, T, D]
    let positions: tf.Tensor = e.wpe;
    if (input.visible) {
      const rest = tf.slice(e.wpe, [1, 0], [e.tok.length, D]); // the token positions' embeddings [L_full, D]
      const picked = tf.reshape(tf.matMul(input.visible.pick, rest), [n, L, D]);
      positions = tf.concat([tf.add(tf.zeros([n, 1, D]), tf.slice(e.wpe, [0, 0], [1, D])), picked], 1); // [n, T, D]
    }
    let x = drop(tf.reshape(tf.add(seq, positions), [n * T, D]) as tf.Tensor2D); // [n·T, D]
    // Per-block outputs are read off the residual stream for probes only; training never asks, so
    // its graph (and its numbers) are unchanged.
    const blocks: tf.Tensor2D[] | undefined = opts.blocks ? [] : undefined;
    // A causal mask for a shorter (visible) sequence is made here; the full one is kept.
    const mask = e.mask && input.visible ? causalMask(T) : e.mask;
    for (const b of e.blocks) {
      x = block(x, b, n, T, e.ir.heads, mask, drop);
      blocks?.push(pool(e.ir.pool, tf.reshape(x, [n, T, D]) as tf.Tensor3D, L));
    }
    const out = tf.reshape(layerNorm(x, e.lnf), [n, T, D]) as tf.Tensor3D; // [n, T, D]
    // Causal: position i predicts t_i from s, t_0 … t_{i-1}; otherwise each token's own position.
    const first = e.ir.causal && !input.visible ? 0 : 1;
    const tokens = tf.slice(out, [0, first, 0], [n, L, D]) as tf.Tensor3D; // [n, L, D]
    const pooled = pool(e.ir.pool, out, L);
    const visible = input.visible ? { V: input.visible.V, positions: input.visible.positions } : undefined;
    return { tokens, pooled, ...(blocks ? { blocks } : {}), ...(visible ? { visible } : {}) };
  }

  /**
   * A head over an encoder output (call inside tf.tidy). Pooled heads give [n, out]; per-token
   * heads give logits [n·L·groups, out] — one row per predicted value, in token order.
   */
  applyHead(head: string, enc: EncoderOutput): tf.Tensor2D {
    const h = this.head(head);
    if (h.decoder) return this.decode(h, enc);
    let x: tf.Tensor2D;
    if (h.input) x = this.applyHead(h.input, enc); // a head on a head: [n, in]
    else if (h.ir.perToken) {
      if (!enc.tokens) throw new Error(`head ${head} reads tokens, but its encoder has none`);
      const [n, L, D] = enc.tokens.shape;
      x = tf.reshape(enc.tokens, [n * L, D]) as tf.Tensor2D; // [n·L, D]
    } else x = enc.pooled; // [n, D]
    h.layers.forEach((layer, i) => {
      x = affine(x, layer);
      if (i + 1 < h.layers.length) x = tf.relu(x);
    });
    if (h.groups > 1) x = tf.reshape(x, [x.shape[0] * h.groups, h.ir.out]) as tf.Tensor2D; // [n·L·P², levels]
    return x;
  }

  /**
   * A decoder head over the visible tokens' outputs [n, V, D]: [n·L, out], one prediction per
   * token of the full sequence (the masked ones are what `reconstruct` scores).
   */
  private decode(h: Head, enc: EncoderOutput): tf.Tensor2D {
    const d = h.decoder!;
    const tok = this.tokenizerOf(h.ir.input.encoder);
    const L = tok.length;
    const Dd = h.decoder!.maskToken.shape[0]!;
    if (!enc.tokens || !enc.visible) throw new Error(`decoder ${h.ir.name} reads an encoder pass over visible tokens (a reconstruct loss)`);
    const [n, V, D] = enc.tokens.shape;
    const vis = tf.reshape(affine(tf.reshape(enc.tokens, [n * V, D]) as tf.Tensor2D, d.embed), [n, V, Dd]);
    // scatter[i, l, j] = 1 where image i's visible token j sits at position l; filled[i, l] = 1 at visible positions.
    const scatter = new Float32Array(n * L * V);
    const filled = new Float32Array(n * L);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < V; j++) {
        const l = enc.visible.positions[i * V + j]!;
        scatter[(i * L + l) * V + j] = 1;
        filled[i * L + l] = 1;
      }
    }
    const placed = tf.matMul(tf.tensor3d(scatter, [n, L, V]), vis); // [n, L, Dd]
    const holes = tf.mul(tf.sub(1, tf.tensor3d(filled, [n, L, 1])), d.maskToken); // [n, L, Dd]
    let x = tf.reshape(tf.add(tf.add(placed, holes), d.wpe), [n * L, Dd]) as tf.Tensor2D;
    for (const b of d.blocks) x = block(x, b, n, L, d.heads, null, (y) => y);
    return affine(layerNorm(x, d.lnf), h.layers[0]!); // [n·L, out]
  }

  /** Release every variable and constant. */
  dispose(): void {
    for (const p of this.params) p.variable.dispose();
    for (const b of this.buffers) b.variable.dispose();
    this.buffers.length = 0;
    this.momentum.length = 0;
    this.queues.clear();
    // Momentum copies share their source's causal mask: dispose each mask once.
    for (const [key, e] of this.encoders) if (this.ir.encoders[key]) e.mask?.dispose();
    for (const z of this.zeros.values()) z.dispose();
    this.zeros.clear();
    this.params.length = 0;
  }

  // ---- weights in and out --------------------------------------------------------------------

  /** All weights and buffers, name → values (copies), in parameter order, then the buffers. */
  async readWeights(): Promise<{ name: string; shape: number[]; data: Float32Array }[]> {
    const out: { name: string; shape: number[]; data: Float32Array }[] = [];
    for (const p of this.saved) out.push({ name: p.name, shape: p.shape, data: (await p.variable.data()) as Float32Array });
    return out;
  }

  /** Set weights and buffers by name; every one must be present with its shape. */
  writeWeights(weights: Map<string, Float32Array>): void {
    for (const p of this.saved) {
      const data = weights.get(p.name);
      const size = p.shape.reduce((a, b) => a * b, 1);
      if (!data || data.length !== size) throw new Error(`checkpoint has no weights for ${p.name} of ${size} values`);
      tf.tidy(() => p.variable.assign(tf.tensor(data, p.shape, "float32")));
    }
  }
}

// ---- building blocks (pure functions of tensors) --------------------------------------------

/** One pre-LayerNorm block over a [n·T, D] sequence batch: x += attn(ln1(x)); x += mlp(ln2(x)). */
function block(x: tf.Tensor2D, b: Block, n: number, T: number, heads: number, mask: tf.Tensor2D | null, drop: (x: tf.Tensor2D) => tf.Tensor2D): tf.Tensor2D {
  const qkv = affine(layerNorm(x, b.ln1), b.qkv); // [n·T, 3D]
  // One native kernel where registered, the composite ops elsewhere (runtime/kernels/fused.ts).
  const y = fusedAttention(qkv, n, T, heads, mask !== null) ?? attentionComposite(qkv, n, T, heads, mask);
  x = tf.add(x, drop(affine(y, b.proj)));
  const hdn = gelu(affine(layerNorm(x, b.ln2), b.fc)); // [n·T, mlp·D]
  return tf.add(x, drop(affine(hdn, b.out)));
}

/** Additive causal mask [T, T]: 0 on and below the diagonal, -1e9 above. */
function causalMask(T: number): tf.Tensor2D {
  const m = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) m[i * T + j] = -1e9;
  return tf.tensor2d(m, [T, T]);
}

/** The h×w of a square image of `size` pixels. */
function square(size: number): [number, number] {
  const side = Math.round(Math.sqrt(size));
  if (side * side !== size) throw new Error(`cannot tell the height and width of images of ${size} pixels`);
  return [side, side];
}

/**
 * `.pooled` of a [n, T, D] sequence: the mean (or max) over positions 1 … L — the positions that
 * read an image token — or the output at the last position.
 */
function pool(kind: IRTransformerEncoder["pool"], out: tf.Tensor3D, L: number): tf.Tensor2D {
  const [n, , D] = out.shape;
  if (kind === "last") return tf.reshape(tf.slice(out, [0, L, 0], [n, 1, D]), [n, D]) as tf.Tensor2D;
  const body = tf.slice(out, [0, 1, 0], [n, L, D]); // [n, L, D]: positions that read t_0 … t_{L-1}
  return (kind === "max" ? tf.max(body, 1) : tf.mean(body, 1)) as tf.Tensor2D;
}

/**
 * x·W + b for a [rows, in] batch, with a hand-written gradient that keeps every product in the
 * canonical (untransposed) layout: dx = dy·(Wᵀ), dW = (xᵀ)·dy with the transposes made explicit.
 * The wasm backend's matmul is ~10× slower on the transposed-operand paths tfjs's own gradient
 * takes (22 ms against 2–3 ms for a [3200, 192]·[192, 64] product here), and the transposes of
 * x and W are cheap copies. With the native BLAS matmul a transposed operand costs nothing, so
 * matMulT passes the flags there instead (runtime/kernels/fused.ts).
 */
const affineOp = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const g = dy as tf.Tensor2D; // [rows, out]
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [
        matMulT(g, ws, false, true), // [rows, in]
        matMulT(xs, g, true, false), // [in, out]
        tf.sum(g, 0), // [out]
      ];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/** x·W + b for a [rows, in] batch. */
function affine(x: tf.Tensor2D, l: Linear): tf.Tensor2D {
  return affineOp(x, l.w, l.b) as tf.Tensor2D;
}

/**
 * LayerNorm over the last axis of [rows, width]: (x − mean)/√(var + ε)·g + b. One fused op where
 * the native kernels are registered, the composite tf ops elsewhere (runtime/kernels/fused.ts).
 */
function layerNorm(x: tf.Tensor2D, ln: LayerNorm): tf.Tensor2D {
  return fusedLayerNorm(x, ln.g, ln.b, LN_EPS);
}

/** GELU, tanh approximation (GPT-2's): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))); fused where available. */
export function gelu(x: tf.Tensor2D): tf.Tensor2D {
  return fusedGelu(x);
}

/** One-hot rows [values.length, depth] built in JS (no gather, no OneHot kernel needed). */
export function oneHot(values: Int32Array, depth: number): tf.Tensor2D {
  const m = new Float32Array(values.length * depth);
  for (let i = 0; i < values.length; i++) m[i * depth + values[i]!] = 1;
  return tf.tensor2d(m, [values.length, depth]);
}

/** Inverted-dropout mask [rows, cols]: 0 with probability p, else 1/(1−p). */
function dropoutMask(rows: number, cols: number, p: number, rng: Rng): tf.Tensor2D {
  const m = new Float32Array(rows * cols);
  const keep = 1 / (1 - p);
  for (let i = 0; i < m.length; i++) m[i] = rng.next() < p ? 0 : keep;
  return tf.tensor2d(m, [rows, cols]);
}
