// Native kernels for the wasm backend: matrix products by the system's BLAS (OpenBLAS's
// cblas_sgemm) through the small N-API addon in native/, reading and writing the wasm heap in
// place.
//
// Why: the wasm backend's BatchMatMul reaches ~20 GFLOP/s on a large square product but only
// 1–5 GFLOP/s on the skinny, transposed and batched products of a Transformer's training step,
// where one core of OpenBLAS reaches well over 100. The products are the same float32 sums in
// another order, so results agree with the wasm kernels to float32 rounding.
//
// Optional by design: the addon is built at install time where a C compiler is present
// (scripts/build-native.mjs), and it opens the BLAS library with dlopen when first used. Where
// either is missing, or the backend is not wasm, or HGC_NATIVE=0, registerNativeKernels() changes
// nothing and says why; training runs on the wasm backend's own kernels.
//
// Environment:
//   HGC_NATIVE=0        do not register native kernels
//   HGC_BLAS=<path>     the BLAS library to open (instead of the sonames below)
//   HGC_BLAS_THREADS=n  OpenBLAS threads (default 1: tfjs's wasm backend is single-threaded
//                       under Node, and the small products of training do not pay for more)

import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { tf } from "../backend.js";

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

/** The tfjs kernels replaced natively. */
const KERNEL_NAMES = ["BatchMatMul"] as const;

interface Addon {
  open(candidates: string[]): { library?: string; error?: string };
  setThreads(n: number): number;
  sgemm(heap: Float32Array, transA: boolean, transB: boolean, m: number, n: number, k: number, aOffsets: Int32Array, bOffsets: Int32Array, cOffset: number): void;
}

/** The parts of tfjs-backend-wasm's BackendWasm the kernels use. */
interface WasmBackend {
  wasm: { HEAPF32: Float32Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

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
/** The wasm backend's own kernel configs, restored by unregisterNativeKernels(). */
const originals = new Map<string, tf.KernelConfig>();

/** Load the addon and open the BLAS library once; a string is the reason it cannot be used. */
function loadBlas(): string | null {
  if (addon && library) return null;
  const file = addonPath();
  if (!file) return "the native addon is not built (native/build/Release/hgc_blas.node; `node scripts/build-native.mjs` builds it)";
  let a: Addon;
  try {
    a = require(file) as Addon;
  } catch (err) {
    return `the native addon does not load: ${String((err as Error).message).split("\n")[0]}`;
  }
  const wanted = process.env.HGC_BLAS ? [process.env.HGC_BLAS] : [...BLAS_CANDIDATES];
  const opened = a.open(wanted);
  if (!opened.library) return `no BLAS library with cblas_sgemm was found (${opened.error ?? "?"})`;
  const threads = Number.parseInt(process.env.HGC_BLAS_THREADS ?? "1", 10);
  a.setThreads(Number.isInteger(threads) && threads > 0 ? threads : 1);
  addon = a;
  library = opened.library;
  return null;
}

function describeLibrary(lib: string): string {
  return /openblas/i.test(lib) ? "OpenBLAS sgemm" : /Accelerate/.test(lib) ? "Accelerate sgemm" : `${path.basename(lib)} sgemm`;
}

let status: NativeKernels | null = null;

/**
 * Serve the wasm backend's matrix products by the native BLAS. Idempotent; call after the
 * backend is chosen. A no-op, with the reason, where the addon or the BLAS library is missing,
 * the active backend is not wasm, or HGC_NATIVE=0.
 */
export function registerNativeKernels(): NativeKernels {
  if (process.env.HGC_NATIVE === "0") return { enabled: false, kernels: [], reason: "disabled by HGC_NATIVE=0" };
  const backend = tf.getBackend();
  if (backend !== "wasm") return { enabled: false, kernels: [], reason: `the backend is ${backend ?? "not chosen yet"}; native kernels serve the wasm backend only` };
  if (status?.enabled) return status;
  const why = loadBlas();
  if (why) return { enabled: false, kernels: [], reason: why };
  const kernels: string[] = [];
  const kind = describeLibrary(library!);
  for (const name of KERNEL_NAMES) {
    const original = tf.getKernel(name, "wasm");
    if (!original) continue;
    originals.set(name, original);
    tf.unregisterKernel(name, "wasm");
    // The original's setupFunc stays, so a re-initialised backend still sets up the fallback path.
    tf.registerKernel({ ...original, kernelFunc: batchMatMul(original.kernelFunc) });
    kernels.push(`${name} (${kind})`);
  }
  status = { enabled: kernels.length > 0, kernels, library: library!, ...(kernels.length ? {} : { reason: "the wasm backend registered none of the kernels replaced natively" }) };
  return status;
}

/** Put the wasm backend's own kernels back (for A/B measurements and tests). */
export function unregisterNativeKernels(): void {
  for (const [name, original] of originals) {
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel(original);
  }
  originals.clear();
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
