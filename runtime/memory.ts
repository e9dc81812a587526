// Memory of a training step: recognising a backend that ran out of it, and (for micro-batching)
// an estimate of a step's peak activation bytes.
//
// The wasm backend keeps every tensor in one WebAssembly heap (at most 4 GiB, 32-bit offsets).
// A step whose activations and attention matrices do not fit fails inside a kernel or an
// allocation with `RuntimeError: memory access out of bounds` (or an abort); after that the heap
// is in an unknown state, so nothing may be disposed on it any more: the run writes its result
// and the process exits.

import { UserError } from "../common/errors.js";

/** Whether an error is the backend running out of memory (wasm heap or typed-array allocation). */
export function isOutOfMemory(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const msg = err.message ?? "";
  if (typeof WebAssembly !== "undefined" && err instanceof WebAssembly.RuntimeError) {
    return /memory access out of bounds|out of memory|\bOOM\b|Cannot enlarge memory/i.test(msg);
  }
  if (err instanceof RangeError) return /Array buffer allocation failed|allocation failed|Invalid typed array length|out of memory/i.test(msg);
  return /Aborted\(OOM\)|Cannot enlarge memory|out of memory|failed to allocate/i.test(msg);
}

/** The hint of a step that did not fit. */
export const OUT_OF_MEMORY_HINT =
  "lower `batch` in train(…), use `patches(…)` instead of `quantize(…)` for fewer tokens per image, or fewer `layers` (or a smaller `width`)";

/** A training step ran out of the backend's memory; the heap must not be touched any more. */
export class OutOfMemoryError extends UserError {
  constructor(
    readonly step: number,
    backend: string,
    /** The backend's own error. */
    readonly original?: unknown,
  ) {
    super(`the training step at step ${step} ran out of the ${backend} backend's memory`, OUT_OF_MEMORY_HINT, 1);
    this.name = "OutOfMemoryError";
  }
}

// ---- how much a step needs ------------------------------------------------------------------
//
// A training step keeps every forward activation of its passes alive until the gradients are
// taken (one tf.tidy), and the backward pass adds about a layer's worth of gradients. Per
// sequence of T = L + 1 positions, per layer, float32:
//   attention   scores, masked scores and softmax [heads, T, T] kept, and their gradients while
//               the layer is back-propagated: ATT_COPIES · heads · T²
//   tokens      LayerNorms, qkv and its split and transposed copies, the attention output and
//               projection, residuals, dropout masks, the MLP's hidden layer before and after
//               GELU (composite ops where the fused kernels are absent), and gradients:
//               (TOKEN_COPIES + MLP_COPIES · mlp) · width · T
// plus the embedding's input (T · inWidth) and per-token heads' logits (L · outWidth, a few
// copies). A masked pass is such a pass (its mask adds a column); a reconstruct pass is its
// encoder over the V + 1 positions of the visible tokens plus the decoder head's own stack over
// the L positions (`decoder`). A resnet pass keeps, per convolution, its output and the
// GroupNorm's, ReLU's and the residual's intermediates and their gradients: with the native
// kernels (wasm) NATIVE_CONV_COPIES values of the output's size, plus the largest im2col matrix
// one convolution makes; with the composite ops (plain wasm, cpu) the GroupNorm's intermediates
// are tensors too, and the filter gradient's shifted windows (every convolution's im2col values)
// live until the backward pass ends: COMPOSITE_CONV_COPIES, plus every im2col matrix. (Measured
// with tf.profile on Fashion-MNIST's 28×28, depth 8 and 18, width 16: about 8 and 32 copies with
// the composites; with the native kernels, 2·256 images in one pass, 6.0 (depth 8, width 16) and
// 6.4 (depth 10, width 64, stem stride 2) copies besides the largest im2col matrix: eight.)
// Without the fused Transformer kernels (plain wasm, cpu) a Transformer pass keeps the composite
// GELU's, LayerNorm's and attention's intermediates too: measured 2.65× the fused count
// (examples/quickstart.hgc, batch 64), so the composite estimate is COMPOSITE_TOKEN_FACTOR times it.
// It is an estimate with a margin, not an allocator's account: it says whether the
// single pass fits and, when not, how many sequences a micro-batch may hold.

const ATT_COPIES = 4;
const TOKEN_COPIES = 32;
const MLP_COPIES = 8;
const NATIVE_CONV_COPIES = 8;
const COMPOSITE_CONV_COPIES = 40;
const COMPOSITE_TOKEN_FACTOR = 3;
const BYTES = 4;

/** The shape of one Transformer stack's pass (an encoder's, or a decoder head's), as the estimate reads it. */
export interface TransformerShape {
  /** Positions per sequence: tokens + the start position (L + 1; V + 1 over the visible tokens). */
  positions: number;
  width: number;
  heads: number;
  /** MLP expansion factor. */
  mlp: number;
  layers: number;
  /** Width of one token's embedding input (vocab for quantize, P·P for patches). */
  inWidth: number;
  /** Summed output width of the per-token heads read from this pass (logits per position). */
  tokenOut: number;
  /** A reconstruct pass: the decoder head's stack over the full sequence. */
  decoder?: TransformerShape;
  /** Whether GELU, LayerNorm and attention run as composite ops (no fused kernels: plain wasm, cpu). */
  composite?: boolean;
}

/** The shape of one resnet pass over one image. */
export interface ResNetShape {
  kind: "resnet";
  /** Pixels of the image. */
  pixels: number;
  /** Every convolution: its output's values and its im2col matrix's (runtime/resnet.ts convShapes). */
  convs: { out: number; taps: number }[];
  /** Whether the convolutions and GroupNorms run as native kernels (runtime/kernels/conv.ts). */
  native: boolean;
}

/** The shape of one encoder's pass, as the estimate reads it. */
export type PassShape = TransformerShape | ResNetShape;

/** Estimated peak bytes of one sequence's (or image's) forward and backward pass through an encoder. */
export function sequenceBytes(s: PassShape): number {
  if ("kind" in s) {
    const outputs = s.convs.reduce((sum, c) => sum + c.out, 0);
    const taps = s.convs.map((c) => c.taps);
    if (s.native) return BYTES * (s.pixels + NATIVE_CONV_COPIES * outputs + Math.max(0, ...taps));
    return BYTES * (s.pixels + COMPOSITE_CONV_COPIES * outputs + taps.reduce((a, b) => a + b, 0));
  }
  const T = s.positions;
  const perLayer = ATT_COPIES * s.heads * T * T + (TOKEN_COPIES + MLP_COPIES * s.mlp) * s.width * T;
  const own = BYTES * (s.layers * perLayer + T * s.inWidth + 4 * T * s.tokenOut);
  return (s.composite ? COMPOSITE_TOKEN_FACTOR : 1) * own + (s.decoder ? sequenceBytes(s.decoder) : 0);
}

/** Estimated peak activation bytes of a step whose passes all run in one tape. */
export function stepBytes(passes: { sequences: number; shape: PassShape }[]): number {
  return passes.reduce((sum, p) => sum + p.sequences * sequenceBytes(p.shape), 0);
}

/**
 * Bytes of activations a step may use on a backend. wasm's heap is at most 4 GiB and fragments;
 * half of it leaves the other half to the data, the weights, the optimizer's moments and the
 * allocator (the estimates above are at or above the measured peaks: 0.8–0.9 of them). The cpu
 * backend is the tests' reference, where a step of more than 1 GiB would take minutes.
 */
export function memoryBudget(backend: string): number {
  const GiB = 1024 ** 3;
  return backend === "wasm" ? 2 * GiB : backend === "cpu" ? 1 * GiB : 4 * GiB;
}

/**
 * Sequences per micro-batch for a step, or null when the whole step fits the budget (the single
 * pass). `HGC_MICROBATCH=n` (or `forced`) forces micro-batches of n sequences.
 */
export function planMicroBatch(
  passes: { sequences: number; shape: PassShape }[],
  budget: number,
  forced: number | undefined = envMicroBatch(),
): number | null {
  if (forced !== undefined) return forced;
  if (stepBytes(passes) <= budget) return null;
  const worst = Math.max(...passes.map((p) => sequenceBytes(p.shape)));
  return Math.max(1, Math.floor(budget / worst));
}

function envMicroBatch(): number | undefined {
  const v = process.env.HGC_MICROBATCH;
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`HGC_MICROBATCH must be a positive integer, got ${v}`, "unset it to let the step's memory estimate choose", 2);
  return n;
}

/**
 * Split `copies` blocks of n sequences (view 1 rows, then view 2 rows) into micro-batches of at
 * most `size`, as even as possible, never crossing a block: [start, count] pairs.
 */
export function microBatches(copies: number, n: number, size: number): { start: number; count: number }[] {
  const out: { start: number; count: number }[] = [];
  const k = Math.ceil(n / size);
  for (let c = 0; c < copies; c++) {
    let start = c * n;
    for (let i = 0; i < k; i++) {
      const count = Math.floor((n * (i + 1)) / k) - Math.floor((n * i) / k);
      if (count > 0) out.push({ start, count });
      start += count;
    }
  }
  return out;
}
