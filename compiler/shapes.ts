// Shapes and sizes: what each source holds, how long a token sequence is, how many parameters a
// component has and what a training step costs. Pure arithmetic over IR parts, shared by the
// checker (to report mismatches), the lowering (to fill the IR) and the language server (hover).
import type { DatasetSource, IREncoder, IRExperiment, IRHead, IRLoss, IRResNetEncoder, IRTokenizer, IRTransformerEncoder } from "./ir.js";

export interface SourceFacts {
  /** Image height and width as stored, null where only the files tell. */
  size: [number, number] | null;
  /** Channels as stored (every source is converted to one grey channel by the runtime). */
  channels: number | null;
  classes: number | null;
  /** Images per split (for `epochs`), null where only the files tell. */
  splitSizes: Record<"train" | "test" | "val" | "all", number> | null;
  /** The splits whose size above is exact (the others are estimates). */
  exactSplits?: readonly ("train" | "test" | "val" | "all")[];
}

/** What the compiler knows about each source before reading any file. */
export function sourceFacts(source: DatasetSource, args: Record<string, unknown>): SourceFacts {
  switch (source) {
    case "mnist":
      // The `mnist` package ships 10,000 digits; the runtime holds out 2,000 for test and 1,000 for val.
      return { size: [28, 28], channels: 1, classes: 10, splitSizes: { train: 7000, val: 1000, test: 2000, all: 10000 }, exactSplits: ["train", "val", "test", "all"] };
    case "fashion_mnist":
      // The `fashion-mnist` package ships about 70,000 images; test 10,000, val 5,000.
      return { size: [28, 28], channels: 1, classes: 10, splitSizes: { train: 55000, val: 5000, test: 10000, all: 70000 }, exactSplits: ["val", "test"] };
    case "cifar": {
      const classes = typeof args.classes === "number" ? args.classes : 10;
      // Stored in colour; the runtime converts to grey, so the model sees one channel.
      return { size: [32, 32], channels: 3, classes, splitSizes: { train: 45000, val: 5000, test: 10000, all: 60000 }, exactSplits: ["train", "val", "test", "all"] };
    }
    case "synthetic": {
      const size = Array.isArray(args.size) ? (args.size as [number, number]) : [28, 28];
      const count = typeof args.count === "number" ? args.count : 2000;
      const classes = typeof args.classes === "number" ? args.classes : 10;
      return { size: [size[0]!, size[1]!], channels: 1, classes, splitSizes: { train: count, val: count, test: count, all: count }, exactSplits: ["train", "val", "test", "all"] };
    }
    case "idx":
    case "folder":
      return { size: null, channels: null, classes: null, splitSizes: null };
  }
}

// ---------------------------------------------------------------------------------------------
// Tokenizers

/** `quantize(size: HxW, levels: L)`: one token per pixel of the resized image. */
export function quantizeShape(h: number, w: number, levels: number): Pick<IRTokenizer, "imageSize" | "patch" | "length" | "vocab" | "pixelsPerToken"> {
  return { imageSize: [h, w], patch: 1, length: h * w, vocab: levels, pixelsPerToken: 1 };
}

/** `patches(size: P, levels: L)` over an H×W image (P divides both): one token per P×P patch. */
export function patchesShape(h: number, w: number, p: number, levels: number): Pick<IRTokenizer, "imageSize" | "patch" | "length" | "vocab" | "pixelsPerToken"> {
  return { imageSize: [h, w], patch: p, length: (h / p) * (w / p), vocab: levels, pixelsPerToken: p * p };
}

// ---------------------------------------------------------------------------------------------
// Parameter counts (a standard pre-LayerNorm Transformer, every Dense layer with a bias)

export interface EncoderDims {
  width: number;
  layers: number;
  /** MLP multiple: the hidden size is round(mlp · width). */
  mlp: number;
  length: number;
}

export function mlpHidden(width: number, mlp: number): number {
  return Math.round(mlp * width);
}

/** Token embedding: a vocab×width table for quantize; a linear map of the P·P pixels (+ bias) for patches. */
export function embeddingParameters(tok: Pick<IRTokenizer, "kind" | "vocab" | "pixelsPerToken">, width: number): number {
  return tok.kind === "quantize" ? tok.vocab * width : tok.pixelsPerToken * width + width;
}

/** One block: two LayerNorms, the qkv and output projections, the two MLP layers. */
export function blockParameters(width: number, mlp: number): number {
  const hidden = mlpHidden(width, mlp);
  const norms = 2 * (2 * width);
  const qkv = 3 * width * width + 3 * width;
  const proj = width * width + width;
  const ffn = width * hidden + hidden + hidden * width + width;
  return norms + qkv + proj + ffn;
}

/** Token embedding, the learned start vector that opens the sequence, learned position
 *  embeddings for its length + 1 positions, every block and the final LayerNorm
 *  (as runtime/model.ts builds it). */
export function encoderParameters(tok: Pick<IRTokenizer, "kind" | "vocab" | "pixelsPerToken">, dims: EncoderDims): number {
  const positions = dims.length + 1;
  return embeddingParameters(tok, dims.width) + dims.width + positions * dims.width + dims.layers * blockParameters(dims.width, dims.mlp) + 2 * dims.width;
}

/** The Dense layers of a head, `in → hidden… → out`, each with a bias. */
export function headParameters(inWidth: number, hidden: readonly number[], out: number): number {
  const dims = [inWidth, ...hidden, out];
  let n = 0;
  for (let i = 0; i + 1 < dims.length; i++) n += dims[i]! * dims[i + 1]! + dims[i + 1]!;
  return n;
}

// ---------------------------------------------------------------------------------------------
// Cost of a training step

/** Multiply-adds × 2 of one image through the encoder. */
export function encoderForwardFlops(enc: Pick<IRTransformerEncoder, "width" | "layers" | "mlp" | "length">, tok: Pick<IRTokenizer, "kind" | "pixelsPerToken">): number {
  const { width: w, length: L } = enc;
  const hidden = mlpHidden(w, enc.mlp);
  const embed = tok.kind === "patches" ? 2 * L * tok.pixelsPerToken * w : 0;
  const perBlock = 2 * L * (4 * w * w + 2 * w * hidden) + 2 * 2 * L * L * w;
  return embed + enc.layers * perBlock;
}

/** Multiply-adds × 2 of one image through a head (at every position when per-token). */
export function headForwardFlops(head: Pick<IRHead, "inWidth" | "hidden" | "out" | "perToken">, length: number, pixelsPerToken: number): number {
  const out = head.perToken ? head.out * pixelsPerToken : head.out;
  const dims = [head.inWidth, ...head.hidden, out];
  let f = 0;
  for (let i = 0; i + 1 < dims.length; i++) f += 2 * dims[i]! * dims[i + 1]!;
  return head.perToken ? f * length : f;
}

/**
 * Parameters, FLOPs and images of one training step. A two-view loss pushes 2·batch views through
 * its encoder and heads (once per encoder and views, however many losses read them); an `ema`
 * head's momentum copy pushes the same views through forward only (no backward); the generative
 * pass pushes batch clean images (or reuses the first view when the loss reads a view). Backward
 * ≈ 2× forward, so a trained pass ≈ 3× forward.
 */
export function estimate(ir: Pick<IRExperiment, "encoders" | "heads" | "losses" | "tokenizers" | "objective" | "train">): IRExperiment["estimates"] {
  let parameters = 0;
  for (const e of Object.values(ir.encoders)) parameters += e.parameters;
  for (const h of Object.values(ir.heads)) parameters += h.parameters;
  // An encoder a masked loss reads has a learned mask vector (one per encoder, of its width).
  const maskedEncoders = new Set(Object.values(ir.losses).flatMap((l) => (l.kind === "masked" && ir.heads[l.head] ? [ir.heads[l.head]!.input.encoder] : [])));
  for (const e of maskedEncoders) parameters += ir.encoders[e]?.width ?? 0;
  const batch = ir.train.batch;
  const used = new Set(ir.objective.terms.map((t) => t.loss));
  let forward = 0;
  let momentum = 0;
  let images = 0;
  let cleanPass = false;
  const viewPasses = new Set<string>();
  for (const loss of Object.values(ir.losses)) {
    if (!used.has(loss.name)) continue;
    const head = ir.heads[loss.head];
    if (!head) continue;
    const enc = ir.encoders[head.input.encoder];
    if (!enc) continue;
    if (enc.kind === "resnet") {
      const [h, w] = enc.imageSize ?? [28, 28];
      forward += 2 * batch * (2 * resnetMacs(enc.blocks, enc.channels[0]!, h, w, enc.stemStride ?? 1) + headForwardFlops(head, 1, 1));
      images += 2 * batch;
      continue;
    }
    const tok = ir.tokenizers[enc.tokens];
    const ppt = tok?.pixelsPerToken ?? 1;
    const encF = encoderForwardFlops(enc, tok ?? { kind: "quantize", pixelsPerToken: 1 });
    if (loss.kind === "masked" || loss.kind === "reconstruct") {
      // Their own pass: the masked sequence, or (reconstruct) the visible tokens only.
      const headF = head.decoder
        ? encoderForwardFlops({ width: head.decoder.width, layers: head.decoder.layers, mlp: head.decoder.mlp, length: enc.length }, { kind: "quantize", pixelsPerToken: 1 }) + 2 * enc.length * head.decoder.width * (enc.width + head.out)
        : headForwardFlops(head, enc.length, ppt);
      const visible = loss.kind === "reconstruct" ? 1 - loss.ratio : 1;
      forward += batch * (encF * visible + headF);
      images += batch;
    } else if (loss.kind !== "autoregressive") {
      const reads = [loss.head, ...(loss.kind === "moco" ? [loss.key] : loss.kind === "byol" || loss.kind === "simsiam" ? [loss.target] : [])];
      for (const name of new Set(reads)) {
        const h = ir.heads[name];
        if (!h) continue;
        const copy = h.kind === "ema";
        const pass = `${copy ? name : h.input.encoder}\u0000${loss.views}`;
        const headF = 2 * batch * headChainFlops(ir.heads, h, enc.length, ppt);
        const encoderF = viewPasses.has(pass) ? 0 : 2 * batch * encF;
        if (!viewPasses.has(pass)) images += 2 * batch;
        viewPasses.add(pass);
        if (copy) momentum += encoderF + headF;
        else forward += encoderF + headF;
      }
      forward += lossFlops(loss, batch, head.out);
    } else if (loss.input === "clean") {
      if (!cleanPass) {
        forward += batch * encF;
        images += batch;
        cleanPass = true;
      }
      forward += batch * headForwardFlops(head, enc.length, ppt);
    } else {
      forward += batch * headForwardFlops(head, enc.length, ppt);
    }
  }
  return { parameters, flopsPerStep: 3 * forward + momentum, imagesPerStep: images };
}

/** A head's FLOPs with those of the heads under it (a predictor on a projection); an `ema` head costs its source's. */
function headChainFlops(heads: Record<string, IRHead>, head: IRHead, length: number, pixelsPerToken: number): number {
  let f = 0;
  const seen = new Set<string>();
  for (let h: IRHead | undefined = head; h && !seen.has(h.name); ) {
    seen.add(h.name);
    if (h.kind === "ema") {
      h = h.ema ? heads[h.ema.of] : undefined;
      continue;
    }
    f += headForwardFlops(h, length, pixelsPerToken);
    h = h.input.head ? heads[h.input.head] : undefined;
  }
  return f;
}

/**
 * Multiply-adds × 2 of a two-view loss itself, for 2N = 2·batch rows of d features: the (2N)²
 * similarities of NT-Xent and supcon, N·(1+Q) logits of moco, the row cosines of byol and simsiam,
 * the d×d cross-correlation of barlow_twins and the two d×d covariances of vicreg. NT-Xent's is
 * left out, as the first edition's estimates always did (it is small beside the encoder).
 */
export function lossFlops(loss: IRLoss, batch: number, d: number): number {
  switch (loss.kind) {
    case "supcon":
      return 2 * (2 * batch) ** 2 * d;
    case "moco":
      return 2 * batch * (1 + loss.queue) * d;
    case "byol":
    case "simsiam":
      return 2 * 2 * batch * d * 2;
    case "barlow_twins":
      return 2 * batch * d * d;
    case "vicreg":
      return 2 * 2 * batch * d * d;
    default:
      return 0;
  }
}

// ---------------------------------------------------------------------------------------------
// What a run needs (for the checker's "too large" check, HGC047)

export interface Resources {
  parameters: number;
  /** Weights, gradients and two optimizer moments, float32. */
  parameterBytes: number;
  /** Activations one training step keeps for its backward pass, float32. */
  activationBytes: number;
  /** Every dataset's images as float32 (those whose size is known before reading). */
  dataBytes: number;
  flopsPerStep: number;
  steps: number;
}

/**
 * Floats one image keeps per block for the backward pass: LayerNorm inputs, q/k/v, the attention
 * output and projection, the residuals (≈ 9·L·w), the MLP's two hidden activations (2·L·h) and the
 * attention scores and probabilities of every head (2·heads·L²).
 */
function blockActivations(enc: Pick<IRTransformerEncoder, "width" | "mlp" | "length" | "heads">): number {
  const L = enc.length;
  return L * (9 * enc.width + 2 * mlpHidden(enc.width, enc.mlp)) + 2 * enc.heads * L * L;
}

export function resources(ir: Pick<IRExperiment, "encoders" | "heads" | "losses" | "tokenizers" | "objective" | "train" | "datasets">): Resources {
  const est = estimate(ir);
  let perImage = 0;
  for (const e of Object.values(ir.encoders)) perImage = Math.max(perImage, e.kind === "resnet" ? resnetActivations(e) : e.layers * blockActivations(e));
  let dataBytes = 0;
  for (const d of Object.values(ir.datasets)) {
    const n = d.limit ?? sourceFacts(d.source, d.args).splitSizes?.[d.split];
    if (n !== undefined && d.shape.height !== null && d.shape.width !== null) dataBytes += 4 * n * d.shape.height * d.shape.width;
  }
  return {
    parameters: est.parameters,
    parameterBytes: 16 * est.parameters,
    activationBytes: 4 * perImage * Math.max(est.imagesPerStep, ir.train.batch),
    dataBytes,
    flopsPerStep: est.flopsPerStep,
    steps: ir.train.steps,
  };
}

/** "1.2 GB" */
export function formatBytes(n: number): string {
  const units = ["bytes", "KB", "MB", "GB", "TB", "PB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return i === 0 ? `${Math.round(n)} bytes` : `${n >= 100 || i === units.length - 1 ? Math.round(n) : n.toFixed(1)} ${units[i]}`;
}

export { metricPrefixes, metricNames as protocolMetrics, experimentMetrics } from "./metrics.js";

/** "1,234,567" */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** "[batch, 196, 8]" */
export function formatShape(shape: readonly (string | number)[]): string {
  return `[${shape.join(", ")}]`;
}

// ---- resnet (issue 16; the network is runtime/resnet.ts) ------------------------------------------

/** Floats one image keeps for the backward pass: about six tensors of each stage's size per block (convolutions, norms, ReLUs). */
function resnetActivations(enc: Pick<IRResNetEncoder, "blocks" | "channels" | "imageSize" | "stemStride">): number {
  const s0 = enc.stemStride ?? 1;
  const [h, w] = (enc.imageSize ?? [28, 28]).map((v) => Math.ceil(v / s0)) as [number, number];
  let total = 2 * h * w * enc.channels[0]!;
  enc.blocks.forEach((count, s) => (total += count * 6 * Math.ceil(h / 2 ** s) * Math.ceil(w / 2 ** s) * enc.channels[s]!));
  return total;
}

/** Stage plan of a depth: basic blocks per stage. */
export function resnetBlocks(depth: 8 | 10 | 18): number[] {
  return depth === 8 ? [1, 1, 1] : depth === 10 ? [1, 1, 1, 1] : [2, 2, 2, 2];
}

/** Trainable parameters of a resnet with these stages (no conv biases; a GN gain and bias per conv's channels). */
export function resnetParameters(blocks: number[], width: number): number {
  const convNorm = (k: number, cin: number, cout: number) => k * k * cin * cout + 2 * cout;
  let total = convNorm(3, 1, width);
  let cin = width;
  blocks.forEach((count, s) => {
    const cout = width * 2 ** s;
    for (let i = 0; i < count; i++) {
      const stride = s > 0 && i === 0 ? 2 : 1;
      total += convNorm(3, cin, cout) + convNorm(3, cout, cout) + (stride !== 1 || cin !== cout ? convNorm(1, cin, cout) : 0);
      cin = cout;
    }
  });
  return total;
}

/** Multiply-adds of one forward pass over one h×w image (the stem's stride dividing the size first). */
export function resnetMacs(blocks: number[], width: number, h: number, w: number, stemStride = 1): number {
  let [hh, ww] = [Math.ceil(h / stemStride), Math.ceil(w / stemStride)];
  let macs = 9 * width * hh * ww;
  let cin = width;
  blocks.forEach((count, s) => {
    const cout = width * 2 ** s;
    for (let i = 0; i < count; i++) {
      const stride = s > 0 && i === 0 ? 2 : 1;
      const [oh, ow] = [Math.ceil(hh / stride), Math.ceil(ww / stride)];
      macs += 9 * cin * cout * oh * ow + 9 * cout * cout * oh * ow + (stride !== 1 || cin !== cout ? cin * cout * oh * ow : 0);
      [hh, ww, cin] = [oh, ow, cout];
    }
  });
  return macs;
}
