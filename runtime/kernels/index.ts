// Native kernels for the wasm backend: matrix products by OpenBLAS (where the system has it) or by
// the addon's built-in GEMM (everywhere else), through the small N-API addon in native/, reading
// and writing the wasm heap in place; a fused attention; and native loops for the other kernels
// the wasm backend runs slowly in a training step.
//
// Why: the wasm backend's BatchMatMul reaches ~20 GFLOP/s on a large square product but only
// 1–5 GFLOP/s on the skinny, transposed and batched products of a Transformer's training step,
// where one core of a packed, vectorized GEMM reaches well over 100. With the products native, what
// remained was Tanh (scalar libm in wasm), Sum over a leading axis (a transpose, then a sum), the
// slices and concats of attention's split, generic transposes, broadcast arithmetic, and
// Identity/Cast copies (every Multiply gradient casts its operands). Each kernel here computes what
// the wasm kernel computes — the same float32 operations, sums in another order, tanh by a rational
// approximation within a few ulps — so results agree to float32 rounding. Anything a kernel here
// does not handle (other dtypes, strided multi-axis slices, broadcasts that do not fold into two
// dimensions) goes to the wasm backend's own kernel.
//
// Six kernels of our own (HgcGelu, HgcLayerNorm, HgcAttention and their gradients) serve the fused
// ops of runtime/kernels/fused.ts, which the model calls; without them it runs the composite ops.
// Five more (HgcConv2D and its two gradients, HgcGroupNorm and its gradient) serve
// runtime/kernels/conv.ts: the wasm backend has no Conv2DBackpropFilter, so the ResNet encoder
// trains on wasm through these or a slower composite.
//
// Optional by design: the addon is built at install time where a C compiler is present
// (scripts/build-native.mjs). It needs no system package: it opens a BLAS library with dlopen when
// one is there and otherwise multiplies with its own GEMM. Where the addon is missing, or the
// backend is not wasm, or HGC_NATIVE=0, registerNativeKernels() changes nothing and says why;
// training runs on the wasm backend's own kernels.
//
// Environment:
//   HGC_NATIVE=0        do not register native kernels (nor use the addon in evaluation)
//   HGC_BLAS=<path>     the BLAS library to open (instead of the sonames below);
//   HGC_BLAS=builtin    open none: every product on the built-in GEMM
//   HGC_GEMM_ISA=AVX2   the built-in GEMM's micro-kernels (AVX-512, AVX2, portable; default the
//                       best this CPU has), for tests and measurements
//   HGC_THREADS=n       threads for large products and the attention (default: 2, or 1 on one core
//                       or a machine already busy; see defaultThreads)
//   HGC_NATIVE_KERNELS=BatchMatMul,Tanh,…   replace only these kernels (for measurements)

import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism, loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
// tfjs itself, not backend.ts: backend.ts registers these kernels, so importing it here would be a cycle.
import * as tf from "@tensorflow/tfjs";

/** What registerNativeKernels() did. */
export interface NativeKernels {
  /** True when the native kernels are registered for the wasm backend. */
  enabled: boolean;
  /** Kernel names now served natively, e.g. ["BatchMatMul (OpenBLAS sgemm)"]; empty when disabled. */
  kernels: string[];
  /** Why they are not enabled. */
  reason?: string;
  /** The BLAS library opened (soname or path). */
  library?: string;
  /** OpenBLAS's kernel family for this CPU, e.g. "Haswell" (OPENBLAS_CORETYPE overrides it). */
  blasCore?: string;
  /** What multiplies, e.g. "built-in GEMM (AVX2)" or "OpenBLAS sgemm, Haswell". */
  gemm?: string;
  /** Threads for large products and the attention. */
  threads?: number;
  /** Why no BLAS library serves (the built-in GEMM does), where one was looked for. */
  blasMissing?: string;
}

/** Library names tried in order: OpenBLAS (Debian, Fedora, Homebrew), then a generic CBLAS. */
export const BLAS_CANDIDATES: readonly string[] = [
  "libopenblas.so.0",
  "libopenblas.so",
  "libopenblasp.so.0",
  "libopenblas.dylib",
  "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
  "/usr/local/opt/openblas/lib/libopenblas.dylib",
  "libcblas.so.3",
  "libblas.so.3",
  "/System/Library/Frameworks/Accelerate.framework/Accelerate",
];

interface Addon {
  open(candidates: string[]): { library?: string; core?: string; error?: string };
  setThreads(n: number, parMinWork: number): number;
  setGemmPolicy(isa: string, blasMinWork: number): boolean;
  gemmInfo(): { isa: string; threads: number; blas: boolean };
  attention(heap: Float32Array, qkv: number, y: number, p: number, n: number, T: number, H: number, dh: number, causal: 0 | 1): void;
  attentionGrad(heap: Float32Array, dy: number, qkv: number, p: number, dqkv: number, n: number, T: number, H: number, dh: number): void;
  conv2d(heap: Float32Array, op: 0 | 1 | 2, a: number, b: number, out: number, shape: Int32Array): void;
  groupNorm(heap: Float32Array, x: number, g: number, b: number, y: number, mean: number, rstd: number, n: number, hw: number, c: number, groups: number, eps: number): void;
  groupNormGrad(heap: Float32Array, dy: number, x: number, g: number, mean: number, rstd: number, dx: number, dg: number, db: number, n: number, hw: number, c: number, groups: number): void;
  sgemm(heap: Float32Array, transA: boolean, transB: boolean, m: number, n: number, k: number, aOffsets: Int32Array, bOffsets: Int32Array, cOffset: number): void;
  tanh(heap: Float32Array, x: number, y: number, n: number): void;
  sum(heap: Float32Array, x: number, y: number, outer: number, reduce: number, inner: number): void;
  copyBlocks(heap: Float32Array, src: number, srcStride: number, dst: number, dstStride: number, block: number, count: number): void;
  transpose(heap: Float32Array, x: number, y: number, shape: Int32Array, perm: Int32Array): void;
  binary(op: number, heap: Float32Array, a: number, b: number, y: number, rows: number, cols: number, aRow: number, aCol: number, bRow: number, bCol: number): void;
  gelu(heap: Float32Array, x: number, y: number, n: number): void;
  geluGrad(heap: Float32Array, x: number, dy: number, dx: number, n: number): void;
  layerNorm(heap: Float32Array, x: number, g: number, b: number, y: number, mean: number, rstd: number, rows: number, cols: number, eps: number): void;
  layerNormGrad(heap: Float32Array, dy: number, x: number, g: number, mean: number, rstd: number, dx: number, dg: number, db: number, rows: number, cols: number): void;
  probeObjective(x: Float64Array, y: Int32Array, n: number, d: number, C: number, theta: Float64Array, l2: number, g: Float64Array): number;
}

/** The parts of tfjs-backend-wasm's BackendWasm the kernels use. */
interface WasmBackend {
  wasm: { HEAPF32: Float32Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  incRef(dataId: object): void;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The kernels replaced, each made from the wasm backend's own (its fallback), with a label. */
const KERNELS: { name: string; label: (gemm: string) => string; make: (fallback: tf.KernelFunc) => tf.KernelFunc }[] = [
  { name: "BatchMatMul", label: (gemm) => `BatchMatMul (${gemm})`, make: batchMatMul },
  { name: "Tanh", label: () => "Tanh (native)", make: tanh },
  { name: "Sum", label: () => "Sum (native)", make: sum },
  { name: "Slice", label: () => "Slice (native)", make: slice },
  { name: "SplitV", label: () => "SplitV (native)", make: splitV },
  { name: "Concat", label: () => "Concat (native)", make: concat },
  { name: "Transpose", label: () => "Transpose (native)", make: transpose },
  { name: "Add", label: () => "Add (native)", make: (f) => binary(0, f) },
  { name: "Sub", label: () => "Sub (native)", make: (f) => binary(1, f) },
  { name: "Multiply", label: () => "Multiply (native)", make: (f) => binary(2, f) },
  { name: "RealDiv", label: () => "RealDiv (native)", make: (f) => binary(3, f) },
  { name: "Identity", label: () => "Identity (zero-copy)", make: identity },
  { name: "Cast", label: () => "Cast (zero-copy to the same dtype)", make: cast },
];

/** Kernels of our own (no wasm counterpart) behind runtime/kernels/fused.ts's gelu and layerNorm. */
const CUSTOM: { name: string; label: string; kernelFunc: tf.KernelFunc }[] = [
  { name: "HgcGelu", label: "GELU (fused, native)", kernelFunc: geluKernel },
  { name: "HgcGeluGrad", label: "GELU gradient (fused, native)", kernelFunc: geluGradKernel },
  { name: "HgcLayerNorm", label: "LayerNorm (fused, native)", kernelFunc: layerNormKernel },
  { name: "HgcLayerNormGrad", label: "LayerNorm gradient (fused, native)", kernelFunc: layerNormGradKernel },
  { name: "HgcAttention", label: "attention (fused, native)", kernelFunc: attentionKernel },
  { name: "HgcAttentionGrad", label: "attention gradient (fused, native)", kernelFunc: attentionGradKernel },
  { name: "HgcConv2D", label: "Conv2D (im2col, native)", kernelFunc: (args) => convKernel(0, args) },
  { name: "HgcConv2DGradInput", label: "Conv2D input gradient (native)", kernelFunc: (args) => convKernel(1, args) },
  { name: "HgcConv2DGradFilter", label: "Conv2D filter gradient (native)", kernelFunc: (args) => convKernel(2, args) },
  { name: "HgcGroupNorm", label: "GroupNorm (fused, native)", kernelFunc: groupNormKernel },
  { name: "HgcGroupNormGrad", label: "GroupNorm gradient (fused, native)", kernelFunc: groupNormGradKernel },
];

const require = createRequire(import.meta.url);

/** native/build/Release/hgc_blas.node from the package root (this file runs from runtime/ or dist/runtime/). */
export function addonPath(): string | null {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, "native", "build", "Release", "hgc_blas.node");
    if (existsSync(candidate)) return candidate;
    if (existsSync(path.join(dir, "package.json"))) return null;
    dir = path.dirname(dir);
  }
  return null;
}

let addon: Addon | null = null;
let library: string | null = null;
let blasCore: string | null = null;
let blasMissing: string | null = null;
/** False while configureGemm({ blas: false }) keeps every product on the built-in GEMM. */
let blasEnabled = true;
/** The wasm backend's own kernel configs, restored by unregisterNativeKernels(). */
const originals = new Map<string, tf.KernelConfig>();
/** Our own kernels registered now. */
const custom = new Set<string>();

/**
 * The inner dimension from which a product goes to the BLAS library rather than the built-in GEMM,
 * measured per shape (docs/performance.md, "Which GEMM"): against OpenBLAS on its AVX-512 kernels,
 * or with the built-in GEMM on AVX2, OpenBLAS wins the products with a long inner dimension (the
 * weight gradients xᵀ·dy, the MLP's output layer of a wide model) and the built-in GEMM the rest;
 * the built-in AVX-512 GEMM wins every product against OpenBLAS on AVX2 kernels (the Haswell family
 * OPENBLAS_CORETYPE may force) or older. The choice depends on the machine only, never on timings,
 * so a run's numbers do not either.
 */
export function blasMinK(isa: string, core: string | null): number {
  // A library we know nothing of may be the reference BLAS, far slower than any packed GEMM.
  if (core === null) return Number.POSITIVE_INFINITY;
  if (isa === "portable") return 0;
  const blas512 = /SkylakeX|Cooperlake|SapphireRapids|Accelerate/i.test(core);
  if (isa === "AVX-512" && !blas512) return Number.POSITIVE_INFINITY;
  return 512;
}

/**
 * Threads for large products and the attention: HGC_THREADS, else 2 where the machine has two
 * cores or more and they are not already busy (a 1-minute load average below the core count). On
 * an oversubscribed machine a split product waits for its slower half, and one thread is faster
 * (docs/performance.md). The numbers do not depend on it: each part computes its rows or matrices
 * in the same order either way.
 */
export function defaultThreads(): number {
  const env = Number.parseInt(process.env.HGC_THREADS ?? "", 10);
  if (Number.isInteger(env) && env > 0) return env;
  const cores = availableParallelism();
  return cores >= 2 && loadavg()[0]! < cores ? 2 : 1;
}
/** Products of at least this many multiply-adds (all matrices of a batch) are split over the threads. */
export const PAR_MIN_WORK = 1 << 19;

/** Load the addon and open a BLAS library once (or settle for the built-in GEMM); a string is the reason the addon cannot be used. */
function loadAddon(): string | null {
  if (addon) return null;
  const file = addonPath();
  if (!file) return "the native addon is not built (native/build/Release/hgc_blas.node; `node scripts/build-native.mjs` builds it)";
  let a: Addon;
  try {
    a = require(file) as Addon;
  } catch (err) {
    return `the native addon does not load: ${String((err as Error).message).split("\n")[0]}`;
  }
  if (typeof a.gemmInfo !== "function") return "the native addon is out of date (`node scripts/build-native.mjs` rebuilds it)";
  const wanted = process.env.HGC_BLAS;
  if (wanted === "builtin") {
    blasMissing = "HGC_BLAS=builtin";
  } else {
    const opened = a.open(wanted ? [wanted] : [...BLAS_CANDIDATES]);
    if (opened.library) {
      library = opened.library;
      blasCore = opened.core ?? null;
    } else {
      blasMissing = `no BLAS library with cblas_sgemm was found (${opened.error ?? "?"})`;
    }
  }
  const isa = process.env.HGC_GEMM_ISA ?? "best";
  if (!a.setGemmPolicy(isa, Number.POSITIVE_INFINITY)) return `HGC_GEMM_ISA=${isa}: this CPU or build has no such GEMM micro-kernels (AVX-512, AVX2, portable)`;
  a.setThreads(defaultThreads(), PAR_MIN_WORK);
  addon = a;
  applyPolicy(isa);
  return null;
}

/** The built-in GEMM's micro-kernels `isa`, and which products the BLAS library (if open and enabled) takes. */
function applyPolicy(isa: string): boolean {
  const ok = addon!.setGemmPolicy(isa, Number.POSITIVE_INFINITY);
  const core = blasCore ?? (/openblas/i.test(library ?? "") ? "" : /Accelerate/.test(library ?? "") ? "Accelerate" : null);
  minK = library && blasEnabled ? blasMinK(addon!.gemmInfo().isa, core) : Number.POSITIVE_INFINITY;
  addon!.setGemmPolicy(isa, minK);
  return ok;
}

/** The inner dimension from which the BLAS library multiplies (Infinity: the built-in GEMM does all). */
let minK = Number.POSITIVE_INFINITY;

/** What multiplies: the built-in GEMM, and the BLAS library for the products it wins where one is open. */
function describeGemm(): string {
  const info = addon!.gemmInfo();
  const builtin = `built-in GEMM (${info.isa})`;
  const threads = `, ${info.threads} thread${info.threads === 1 ? "" : "s"}`;
  if (!library || minK === Number.POSITIVE_INFINITY) return `${builtin}${threads}${library && blasEnabled ? `; faster here than ${describeLibrary()}` : ""}`;
  return `${builtin}, ${describeLibrary()} for inner dimensions from ${minK}${threads}`;
}

function describeLibrary(): string {
  const lib = library!;
  if (/openblas/i.test(lib) || blasCore) return `OpenBLAS sgemm${blasCore ? ` ${blasCore}` : ""}`;
  return /Accelerate/.test(lib) ? "Accelerate sgemm" : `${path.basename(lib)} sgemm`;
}

let status: NativeKernels | null = null;

/** Names of every kernel registerNativeKernels() can register (tfjs's and our own). */
export function nativeKernelNames(): string[] {
  return [...KERNELS.map((k) => k.name), ...CUSTOM.map((k) => k.name)];
}

/**
 * Serve the wasm backend's matrix products natively (OpenBLAS or the built-in GEMM), and the other
 * kernels above by native loops. Idempotent; call after the backend is chosen. A no-op, with the
 * reason, where the addon is missing, the active backend is not wasm, or HGC_NATIVE=0.
 * `only` (or HGC_NATIVE_KERNELS) limits it to the named kernels, for measurements.
 */
export function registerNativeKernels(opts: { only?: readonly string[] } = {}): NativeKernels {
  if (process.env.HGC_NATIVE === "0") return { enabled: false, kernels: [], reason: "disabled by HGC_NATIVE=0" };
  const backend = tf.getBackend();
  if (backend !== "wasm") return { enabled: false, kernels: [], reason: `the backend is ${backend ?? "not chosen yet"}; native kernels serve the wasm backend only` };
  if (status?.enabled) {
    if (!opts.only) return status;
    unregisterNativeKernels();
  }
  const why = loadAddon();
  if (why) return { enabled: false, kernels: [], reason: why };
  const kernels: string[] = [];
  const gemm = describeGemm();
  const only = opts.only ?? process.env.HGC_NATIVE_KERNELS?.split(",").map((k) => k.trim());
  for (const k of KERNELS) {
    if (only && !only.includes(k.name)) continue;
    const original = tf.getKernel(k.name, "wasm");
    if (!original) continue;
    originals.set(k.name, original);
    tf.unregisterKernel(k.name, "wasm");
    // The original's setupFunc stays, so a re-initialised backend still sets up the fallback path.
    tf.registerKernel({ ...original, kernelFunc: k.make(original.kernelFunc) });
    kernels.push(k.label(gemm));
  }
  for (const k of CUSTOM) {
    if (only && !only.includes(k.name)) continue;
    if (tf.getKernel(k.name, "wasm")) tf.unregisterKernel(k.name, "wasm");
    tf.registerKernel({ kernelName: k.name, backendName: "wasm", kernelFunc: k.kernelFunc });
    custom.add(k.name);
    kernels.push(k.label);
  }
  status = {
    enabled: kernels.length > 0,
    kernels,
    gemm,
    threads: addon!.gemmInfo().threads,
    ...(library ? { library } : {}),
    ...(blasCore ? { blasCore } : {}),
    ...(blasMissing ? { blasMissing } : {}),
    ...(kernels.length ? {} : { reason: "the wasm backend registered none of the kernels replaced natively" }),
  };
  return status;
}

/** Put the wasm backend's own kernels back (for A/B measurements and tests). */
export function unregisterNativeKernels(): void {
  for (const [name, original] of originals) {
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel(original);
  }
  originals.clear();
  for (const name of custom) if (tf.getKernel(name, "wasm")) tf.unregisterKernel(name, "wasm");
  custom.clear();
  status = null;
}

/** The native kernels registered now, if any. */
export function nativeKernels(): NativeKernels | null {
  return status;
}

// ---- BatchMatMul --------------------------------------------------------------------------------

/**
 * BatchMatMul over the wasm heap: a [..., m, k]·[..., k, n] product (either operand transposed,
 * leading dimensions broadcast as numpy does), one sgemm per output matrix, all in one addon call.
 * Anything but float32 goes to the wasm backend's own kernel.
 */
function batchMatMul(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const backend = args.backend as unknown as WasmBackend;
    if (a.dtype !== "float32" || b.dtype !== "float32" || a.shape.length < 2 || b.shape.length < 2) return fallback(args);
    const ra = a.shape.length;
    const rb = b.shape.length;
    const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
    const ka = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
    const kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
    const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
    if (ka !== kb) {
      throw new Error(`Error in matMul: inner shapes (${ka}) and (${kb}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
    }
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
    const batches = outer.reduce((s, d) => s * d, 1);
    const out = backend.makeOutput([...outer, m, n], "float32");
    if (batches * m * n === 0) return out;
    // Offsets after makeOutput: its allocation may grow the wasm memory and replace HEAPF32.
    const heap = backend.wasm.HEAPF32;
    const aByte = backend.dataIdMap.get(a.dataId)?.memoryOffset;
    const bByte = backend.dataIdMap.get(b.dataId)?.memoryOffset;
    const cByte = backend.dataIdMap.get(out.dataId)?.memoryOffset;
    if (aByte === undefined || bByte === undefined || cByte === undefined || (aByte | bByte | cByte) % 4 !== 0) {
      throw new Error("native BatchMatMul: an operand is not float32-aligned on the wasm heap");
    }
    const aOffsets = batchOffsets(outer, outerA, aByte / 4, m * ka);
    const bOffsets = batchOffsets(outer, outerB, bByte / 4, ka * n);
    addon!.sgemm(heap, transposeA, transposeB, m, n, ka, aOffsets, bOffsets, cByte / 4);
    return out;
  };
}

/**
 * Element offset of each output batch's operand matrix: output batch index i (row-major over
 * `outer`) maps to the operand's batch index with its size-1 (or missing) leading dims held at 0.
 */
export function batchOffsets(outer: number[], operand: number[], base: number, matrix: number): Int32Array {
  const count = outer.reduce((s, d) => s * d, 1);
  const offsets = new Int32Array(count);
  const operandCount = operand.reduce((s, d) => s * d, 1);
  if (operandCount === count) {
    // Same leading dims (the common case): consecutive matrices.
    for (let i = 0; i < count; i++) offsets[i] = base + i * matrix;
    return offsets;
  }
  if (operandCount === 1) return offsets.fill(base);
  // General broadcasting: align the operand's dims to the right of `outer`.
  const rank = outer.length;
  const dims = new Array<number>(rank).fill(1);
  for (let j = 0; j < operand.length; j++) dims[rank - operand.length + j] = operand[j]!;
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let j = rank - 1; j >= 0; j--) {
    strides[j] = dims[j] === 1 ? 0 : s;
    s *= dims[j]!;
  }
  for (let i = 0; i < count; i++) {
    let rest = i;
    let idx = 0;
    for (let j = rank - 1; j >= 0; j--) {
      const d = outer[j]!;
      idx += (rest % d) * strides[j]!;
      rest = Math.floor(rest / d);
    }
    offsets[i] = base + idx * matrix;
  }
  return offsets;
}

// ---- the other kernels --------------------------------------------------------------------------

/** Element offset of a tensor on the wasm heap (throws if it is not float-aligned). */
function offsetOf(backend: WasmBackend, t: tf.TensorInfo): number {
  const byte = backend.dataIdMap.get(t.dataId)?.memoryOffset;
  if (byte === undefined || byte % 4 !== 0) throw new Error("native kernel: a tensor is not float32-aligned on the wasm heap");
  return byte / 4;
}

const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** The same data under another TensorInfo: what the cpu backend's Identity does (tensors are immutable). */
function alias(backend: WasmBackend, x: tf.TensorInfo): tf.TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

function identity(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === "string") return fallback(args);
    return alias(args.backend as unknown as WasmBackend, x);
  };
}

function cast(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { dtype } = args.attrs as { dtype: tf.DataType };
    if (x.dtype !== dtype || dtype === "string") return fallback(args);
    return alias(args.backend as unknown as WasmBackend, x);
  };
}

function tanh(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype !== "float32") return fallback(args);
    const backend = args.backend as unknown as WasmBackend;
    const out = backend.makeOutput(x.shape, "float32");
    const n = sizeOf(x.shape);
    if (n > 0) addon!.tanh(backend.wasm.HEAPF32, offsetOf(backend, x), offsetOf(backend, out), n);
    return out;
  };
}

/** Sum over axes that form one contiguous block: x as [outer, reduce, inner]. */
function sum(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    if (x.dtype !== "float32") return fallback(args);
    const axes = [...new Set(tf.util.parseAxisParam(axis, x.shape))].sort((a, b) => a - b);
    if (axes.length === 0 || axes[axes.length - 1]! - axes[0]! !== axes.length - 1) return fallback(args);
    const first = axes[0]!;
    const last = axes[axes.length - 1]!;
    const outer = sizeOf(x.shape.slice(0, first));
    const reduce = sizeOf(x.shape.slice(first, last + 1));
    const inner = sizeOf(x.shape.slice(last + 1));
    const shape = keepDims ? x.shape.map((d, i) => (i >= first && i <= last ? 1 : d)) : x.shape.filter((_, i) => i < first || i > last);
    const backend = args.backend as unknown as WasmBackend;
    const out = backend.makeOutput(shape, "float32");
    if (outer * inner > 0) addon!.sum(backend.wasm.HEAPF32, offsetOf(backend, x), offsetOf(backend, out), outer, reduce, inner);
    return out;
  };
}

/** Copy x[begin : begin + size] along `axis` (every other axis whole) into a new tensor. */
function sliceAxis(backend: WasmBackend, x: tf.TensorInfo, axis: number, begin: number, size: number): tf.TensorInfo {
  const shape = x.shape.slice();
  shape[axis] = size;
  const out = backend.makeOutput(shape, x.dtype);
  const outer = sizeOf(x.shape.slice(0, axis));
  const inner = sizeOf(x.shape.slice(axis + 1));
  const block = size * inner;
  if (block > 0 && outer > 0) {
    addon!.copyBlocks(backend.wasm.HEAPF32, offsetOf(backend, x) + begin * inner, x.shape[axis]! * inner, offsetOf(backend, out), block, block, outer);
  }
  return out;
}

function slice(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { begin, size } = args.attrs as { begin: number | number[]; size: number | number[] };
    if (x.dtype !== "float32" && x.dtype !== "int32") return fallback(args);
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.TensorInfo as tf.Tensor, begin, size);
    const partial = s.map((d, i) => i).filter((i) => s[i] !== x.shape[i]);
    const backend = args.backend as unknown as WasmBackend;
    if (partial.length === 0) return alias(backend, x);
    if (partial.length > 1) return fallback(args);
    return sliceAxis(backend, x, partial[0]!, b[partial[0]!]!, s[partial[0]!]!);
  };
}

function splitV(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
    if (x.dtype !== "float32" && x.dtype !== "int32") return fallback(args);
    const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.TensorInfo as tf.Tensor, numOrSizeSplits, ax);
    const backend = args.backend as unknown as WasmBackend;
    let begin = 0;
    return sizes.map((s) => {
      const piece = sliceAxis(backend, x, ax, begin, s);
      begin += s;
      return piece;
    });
  };
}

function concat(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const inputs = Object.values(args.inputs) as tf.TensorInfo[];
    const { axis } = args.attrs as { axis: number };
    if (inputs.length === 0 || inputs.some((t) => t.dtype !== inputs[0]!.dtype) || (inputs[0]!.dtype !== "float32" && inputs[0]!.dtype !== "int32")) return fallback(args);
    const ax = tf.util.parseAxisParam(axis, inputs[0]!.shape)[0]!;
    const shape = tf.backend_util.computeOutShape(inputs.map((t) => t.shape), ax);
    const backend = args.backend as unknown as WasmBackend;
    const out = backend.makeOutput(shape, inputs[0]!.dtype);
    const outer = sizeOf(shape.slice(0, ax));
    const rowLength = sizeOf(shape.slice(ax));
    if (outer * rowLength === 0) return out;
    const heap = backend.wasm.HEAPF32;
    let dst = offsetOf(backend, out);
    for (const t of inputs) {
      const block = sizeOf(t.shape.slice(ax));
      if (block > 0) addon!.copyBlocks(heap, offsetOf(backend, t), block, dst, rowLength, block, outer);
      dst += block;
    }
    return out;
  };
}

function transpose(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { perm } = args.attrs as { perm: number[] };
    if (x.dtype !== "float32" || x.shape.length > 8) return fallback(args);
    const backend = args.backend as unknown as WasmBackend;
    if (perm.every((p, i) => p === i)) return alias(backend, x);
    const out = backend.makeOutput(
      perm.map((p) => x.shape[p]!),
      "float32",
    );
    if (sizeOf(x.shape) > 0) {
      const f = foldPermutation(x.shape, perm);
      addon!.transpose(backend.wasm.HEAPF32, offsetOf(backend, x), offsetOf(backend, out), Int32Array.from(f.shape), Int32Array.from(f.perm));
    }
    return out;
  };
}

/**
 * The same transpose over fewer axes: size-1 axes dropped, and input axes that stay adjacent and
 * in order in the output merged (e.g. [n, T, H, d] by [0, 2, 3, 1] is [n, T, H·d] by [0, 2, 1]).
 */
export function foldPermutation(shape: number[], perm: number[]): { shape: number[]; perm: number[] } {
  const kept = shape.map((_, i) => i).filter((i) => shape[i] !== 1);
  const rankOf = new Map(kept.map((axis, r) => [axis, r]));
  // Output order of the kept input axes, as ranks among them; runs of consecutive ranks merge.
  const order = perm.filter((p) => shape[p] !== 1).map((p) => rankOf.get(p)!);
  const groups: number[][] = [];
  for (const r of order) {
    const g = groups[groups.length - 1];
    if (g && g[g.length - 1]! + 1 === r) g.push(r);
    else groups.push([r]);
  }
  const inputOrder = [...groups].sort((a, b) => a[0]! - b[0]!);
  const folded = inputOrder.map((g) => g.reduce((s, r) => s * shape[kept[r]!]!, 1));
  const index = new Map(inputOrder.map((g, i) => [g, i]));
  const p = groups.map((g) => index.get(g)!);
  return folded.length ? { shape: folded, perm: p } : { shape: [1], perm: [0] };
}

/**
 * a op b with numpy broadcasting, when the broadcast folds into a [rows, cols] product of index
 * spaces (each operand whole, broadcast along rows, along columns, or a scalar). Null otherwise.
 */
export function foldBroadcast(aShape: number[], bShape: number[]): { shape: number[]; rows: number; cols: number; a: [number, number]; b: [number, number] } | null {
  const shape = tf.broadcast_util.assertAndGetBroadcastShape(aShape, bShape);
  const rank = shape.length;
  const pad = (s: number[]) => [...new Array<number>(rank - s.length).fill(1), ...s];
  const ap = pad(aShape);
  const bp = pad(bShape);
  // Groups of adjacent axes over which each operand is either whole or broadcast.
  const groups: { size: number; aWhole: boolean; bWhole: boolean }[] = [];
  for (let i = 0; i < rank; i++) {
    if (shape[i] === 1) continue;
    const aWhole = ap[i] !== 1;
    const bWhole = bp[i] !== 1;
    const g = groups[groups.length - 1];
    if (g && g.aWhole === aWhole && g.bWhole === bWhole) g.size *= shape[i]!;
    else groups.push({ size: shape[i]!, aWhole, bWhole });
  }
  if (groups.length > 2) return null;
  while (groups.length < 2) groups.unshift({ size: 1, aWhole: false, bWhole: false });
  const [r, c] = groups as [(typeof groups)[0], (typeof groups)[0]];
  const strides = (rowWhole: boolean, colWhole: boolean): [number, number] => [rowWhole ? (colWhole ? c.size : 1) : 0, colWhole ? 1 : 0];
  return { shape, rows: r.size, cols: c.size, a: strides(r.aWhole, c.aWhole), b: strides(r.bWhole, c.bWhole) };
}

function binary(op: 0 | 1 | 2 | 3, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (a.dtype !== "float32" || b.dtype !== "float32") return fallback(args);
    const fold = foldBroadcast(a.shape, b.shape);
    if (!fold) return fallback(args);
    const backend = args.backend as unknown as WasmBackend;
    const out = backend.makeOutput(fold.shape, "float32");
    if (fold.rows * fold.cols > 0) {
      addon!.binary(op, backend.wasm.HEAPF32, offsetOf(backend, a), offsetOf(backend, b), offsetOf(backend, out), fold.rows, fold.cols, fold.a[0], fold.a[1], fold.b[0], fold.b[1]);
    }
    return out;
  };
}

// ---- fused GELU and LayerNorm (used through runtime/kernels/fused.ts) ----------------------------

function geluKernel(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const backend = args.backend as unknown as WasmBackend;
  const out = backend.makeOutput(x.shape, "float32");
  const n = sizeOf(x.shape);
  if (n > 0) addon!.gelu(backend.wasm.HEAPF32, offsetOf(backend, x), offsetOf(backend, out), n);
  return out;
}

function geluGradKernel(args: KernelArgs): tf.TensorInfo {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const backend = args.backend as unknown as WasmBackend;
  const out = backend.makeOutput(x.shape, "float32");
  const n = sizeOf(x.shape);
  if (n > 0) addon!.geluGrad(backend.wasm.HEAPF32, offsetOf(backend, x), offsetOf(backend, dy), offsetOf(backend, out), n);
  return out;
}

/** [y, mean, rstd] of a LayerNorm over the last axis of x [rows, cols]. */
function layerNormKernel(args: KernelArgs): tf.TensorInfo[] {
  const { x, g, b } = args.inputs as { x: tf.TensorInfo; g: tf.TensorInfo; b: tf.TensorInfo };
  const { eps } = args.attrs as { eps: number };
  const backend = args.backend as unknown as WasmBackend;
  const cols = x.shape[x.shape.length - 1]!;
  const rows = sizeOf(x.shape) / cols;
  const y = backend.makeOutput(x.shape, "float32");
  const mean = backend.makeOutput([rows], "float32");
  const rstd = backend.makeOutput([rows], "float32");
  if (rows > 0) {
    addon!.layerNorm(backend.wasm.HEAPF32, offsetOf(backend, x), offsetOf(backend, g), offsetOf(backend, b), offsetOf(backend, y), offsetOf(backend, mean), offsetOf(backend, rstd), rows, cols, eps);
  }
  return [y, mean, rstd];
}

/** [dx, dg, db] of a LayerNorm, from dy and what the forward kernel kept. */
function layerNormGradKernel(args: KernelArgs): tf.TensorInfo[] {
  const { dy, x, g, mean, rstd } = args.inputs as Record<"dy" | "x" | "g" | "mean" | "rstd", tf.TensorInfo>;
  const backend = args.backend as unknown as WasmBackend;
  const cols = x.shape[x.shape.length - 1]!;
  const rows = sizeOf(x.shape) / cols;
  const dx = backend.makeOutput(x.shape, "float32");
  const dg = backend.makeOutput([cols], "float32");
  const db = backend.makeOutput([cols], "float32");
  addon!.layerNormGrad(
    backend.wasm.HEAPF32,
    offsetOf(backend, dy),
    offsetOf(backend, x),
    offsetOf(backend, g),
    offsetOf(backend, mean),
    offsetOf(backend, rstd),
    offsetOf(backend, dx),
    offsetOf(backend, dg),
    offsetOf(backend, db),
    rows,
    cols,
  );
  return [dx, dg, db];
}

// ---- fused attention (used through runtime/kernels/fused.ts) --------------------------------------

/** [y [n·T, D], p [n, H, T, T]] of multi-head self-attention over qkv [n·T, 3D]. */
function attentionKernel(args: KernelArgs): tf.TensorInfo[] {
  const { qkv } = args.inputs as { qkv: tf.TensorInfo };
  const { n, T, heads, causal } = args.attrs as { n: number; T: number; heads: number; causal: boolean };
  const backend = args.backend as unknown as WasmBackend;
  const D = qkv.shape[1]! / 3;
  const y = backend.makeOutput([n * T, D], "float32");
  const p = backend.makeOutput([n, heads, T, T], "float32");
  if (n * T * D > 0) addon!.attention(backend.wasm.HEAPF32, offsetOf(backend, qkv), offsetOf(backend, y), offsetOf(backend, p), n, T, heads, D / heads, causal ? 1 : 0);
  return [y, p];
}

/** dqkv [n·T, 3D] of the fused attention, from dy [n·T, D], qkv and the forward's weights p. */
function attentionGradKernel(args: KernelArgs): tf.TensorInfo {
  const { dy, qkv, p } = args.inputs as Record<"dy" | "qkv" | "p", tf.TensorInfo>;
  const backend = args.backend as unknown as WasmBackend;
  const [n, heads, T] = p.shape as [number, number, number, number];
  const D = qkv.shape[1]! / 3;
  const dqkv = backend.makeOutput(qkv.shape, "float32");
  if (n * T * D > 0) addon!.attentionGrad(backend.wasm.HEAPF32, offsetOf(backend, dy), offsetOf(backend, qkv), offsetOf(backend, p), offsetOf(backend, dqkv), n, T, heads, D / heads);
  return dqkv;
}

// ---- 2-D convolution (used through runtime/kernels/conv.ts) ---------------------------------------

/**
 * op 0: y = conv(x, w); op 1: dx from dy and w; op 2: dw from x and dy. The attrs carry the
 * geometry tfjs computes for the forward convolution (conv.ts), so all three agree on it.
 */
function convKernel(op: 0 | 1 | 2, args: KernelArgs): tf.TensorInfo {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { shape, outShape } = args.attrs as { shape: number[]; outShape: number[] };
  const backend = args.backend as unknown as WasmBackend;
  const out = backend.makeOutput(outShape, "float32");
  if (sizeOf(outShape) > 0) addon!.conv2d(backend.wasm.HEAPF32, op, offsetOf(backend, a), offsetOf(backend, b), offsetOf(backend, out), Int32Array.from(shape));
  return out;
}

/** [y, mean, rstd] of a GroupNorm over x [n, h, w, c] in `groups` groups of channels. */
function groupNormKernel(args: KernelArgs): tf.TensorInfo[] {
  const { x, g, b } = args.inputs as { x: tf.TensorInfo; g: tf.TensorInfo; b: tf.TensorInfo };
  const { groups, eps } = args.attrs as { groups: number; eps: number };
  const backend = args.backend as unknown as WasmBackend;
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const y = backend.makeOutput(x.shape, "float32");
  const mean = backend.makeOutput([n * groups], "float32");
  const rstd = backend.makeOutput([n * groups], "float32");
  if (n * h * w * c > 0) {
    addon!.groupNorm(backend.wasm.HEAPF32, offsetOf(backend, x), offsetOf(backend, g), offsetOf(backend, b), offsetOf(backend, y), offsetOf(backend, mean), offsetOf(backend, rstd), n, h * w, c, groups, eps);
  }
  return [y, mean, rstd];
}

/** [dx, dg, db] of a GroupNorm, from dy and what the forward kernel kept. */
function groupNormGradKernel(args: KernelArgs): tf.TensorInfo[] {
  const { dy, x, g, mean, rstd } = args.inputs as Record<"dy" | "x" | "g" | "mean" | "rstd", tf.TensorInfo>;
  const { groups } = args.attrs as { groups: number };
  const backend = args.backend as unknown as WasmBackend;
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const dx = backend.makeOutput(x.shape, "float32");
  const dg = backend.makeOutput([c], "float32");
  const db = backend.makeOutput([c], "float32");
  if (n * h * w * c > 0) {
    const o = (t: tf.TensorInfo) => offsetOf(backend, t);
    addon!.groupNormGrad(backend.wasm.HEAPF32, o(dy), o(x), o(g), o(mean), o(rstd), o(dx), o(dg), o(db), n, h * w, c, groups);
  }
  return [dx, dg, db];
}

/**
 * Choose the built-in GEMM's micro-kernels and which products go to the BLAS library, for tests
 * and measurements: `isa` one of AVX-512, AVX2, portable or best; `blas` false sends every product
 * to the built-in GEMM (as HGC_BLAS=builtin does), true restores the default split; `threads` sets
 * the threads. False when the
 * addon is not loaded or the CPU lacks the micro-kernels.
 */
export function configureGemm(opts: { isa?: string; blas?: boolean; threads?: number }): boolean {
  if (loadAddon()) return false;
  if (opts.blas !== undefined) blasEnabled = opts.blas;
  if (opts.threads !== undefined) addon!.setThreads(opts.threads, PAR_MIN_WORK);
  const ok = applyPolicy(opts.isa ?? process.env.HGC_GEMM_ISA ?? "best");
  if (status) status = { ...status, gemm: describeGemm() };
  return ok;
}

/** The addon's kernels the evaluation protocols use (runtime/evaluate): the probe's objective and sgemm for kNN. */
export type EvaluationKernels = Pick<Addon, "probeObjective" | "sgemm">;

/**
 * The addon for the evaluation protocols, whatever the tfjs backend; null where it is missing or
 * out of date, or HGC_NATIVE=0 (the protocols then run their plain-JS loops).
 */
export function evaluationKernels(): EvaluationKernels | null {
  if (process.env.HGC_NATIVE === "0" || loadAddon()) return null;
  return typeof addon!.probeObjective === "function" ? addon : null;
}

/** The built-in GEMM's micro-kernels, the threads, and whether a BLAS library is open; null without the addon. */
export function gemmInfo(): { isa: string; threads: number; blas: boolean } | null {
  return loadAddon() ? null : addon!.gemmInfo();
}
