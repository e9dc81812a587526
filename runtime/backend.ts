// Choosing the tfjs backend. `auto` takes the fastest one that loads here:
//   1. tensorflow (GPU)  — @tensorflow/tfjs-node-gpu, libtensorflow with CUDA
//   2. tensorflow (CPU)  — @tensorflow/tfjs-node, libtensorflow
//   3. wasm              — @tensorflow/tfjs-backend-wasm (XNNPACK + SIMD; single-threaded under Node)
//   4. cpu               — the plain-JS reference backend
// The native packages are optional dependencies whose install may fail; a failed import just
// moves on to the next candidate. Every other module imports tfjs from here (`tf`), so there is
// exactly one tfjs engine in the process.

import * as tf from "@tensorflow/tfjs";
import { createRequire } from "node:module";
import path from "node:path";
import { UserError } from "../common/errors.js";
import { registerNativeKernels, unregisterNativeKernels } from "./kernels/index.js";

export { tf };

export type BackendPreference = "auto" | "tensorflow" | "wasm" | "cpu";
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ["auto", "tensorflow", "wasm", "cpu"];

export interface BackendChoice {
  /** The tfjs backend name in use: "tensorflow", "wasm" or "cpu". */
  name: string;
  /** Which package and variant, e.g. "@tensorflow/tfjs-backend-wasm 4.22.0 (simd, 1 thread)". */
  detail: string;
  /** Extra kernels in use beyond the backend's own (none yet). */
  kernels: string[];
}

export interface BackendStatus {
  name: string;
  package: string;
  version: string | null;
  available: boolean;
  /** Why it is not available (the import or initialisation error's first line). */
  reason?: string;
}

const require = createRequire(import.meta.url);

function packageVersion(pkg: string): string | null {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split("\n")[0]!.slice(0, 200);
}

/** Import a native tfjs-node package; it registers the "tensorflow" backend as a side effect. */
async function tryNative(pkg: string): Promise<string | null> {
  try {
    await import(pkg);
    return tf.findBackend("tensorflow") || tf.findBackendFactory("tensorflow") ? null : "loaded but registered no tensorflow backend";
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND" ? "not installed" : firstLine(err);
  }
}

let wasmPathsSet = false;
async function loadWasm(): Promise<void> {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  if (!wasmPathsSet) {
    // Under Node the .wasm binaries are read from disk: point the loader at the package's dist/
    // directory as a file path (with the trailing separator the loader concatenates onto).
    const dist = path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist") + path.sep;
    wasm.setWasmPaths(dist);
    wasmPathsSet = true;
  }
}

async function activate(name: string): Promise<boolean> {
  try {
    const ok = await tf.setBackend(name);
    // The cpu backend's first write prints an advert for tfjs-node; we chose cpu knowingly.
    if (ok && name === "cpu") (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
    return ok;
  } catch {
    return false;
  }
}

function describe(name: string): string {
  const v = packageVersion("@tensorflow/tfjs-core") ?? "?";
  if (name === "wasm") {
    const simd = tf.env().getBool("WASM_HAS_SIMD_SUPPORT");
    return `@tensorflow/tfjs-backend-wasm ${packageVersion("@tensorflow/tfjs-backend-wasm") ?? "?"} (${simd ? "simd" : "no simd"}, 1 thread)`;
  }
  if (name === "tensorflow") {
    const gpu = packageVersion("@tensorflow/tfjs-node-gpu");
    return gpu ? `@tensorflow/tfjs-node-gpu ${gpu}` : `@tensorflow/tfjs-node ${packageVersion("@tensorflow/tfjs-node") ?? "?"}`;
  }
  return `@tensorflow/tfjs-backend-cpu ${v} (plain JavaScript)`;
}

/**
 * Make `pref` the active tfjs backend (auto: the fastest that loads). An explicit preference that
 * cannot load is a UserError naming the package and the reason.
 */
export async function selectBackend(pref: BackendPreference = "auto", opts: { native?: boolean } = {}): Promise<BackendChoice> {
  if (!BACKEND_PREFERENCES.includes(pref)) {
    throw new UserError(`unknown backend \`${pref}\``, `use one of ${BACKEND_PREFERENCES.join(", ")}`, 2);
  }
  const reasons: string[] = [];
  const done = (name: string): BackendChoice => ({ name, detail: describe(name), kernels: [] });
  if (pref === "auto" || pref === "tensorflow") {
    for (const pkg of ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]) {
      const why = await tryNative(pkg);
      if (why === null && (await activate("tensorflow"))) return done("tensorflow");
      reasons.push(`${pkg}: ${why ?? "failed to initialise"}`);
    }
    if (pref === "tensorflow") {
      throw new UserError(`the tensorflow backend is not available (${reasons.join("; ")})`, "install @tensorflow/tfjs-node, or use --backend wasm", 1);
    }
  }
  if (pref === "auto" || pref === "wasm") {
    try {
      await loadWasm();
      if (await activate("wasm")) {
        if (opts.native === false) unregisterNativeKernels();
        return { ...done("wasm"), kernels: opts.native === false ? [] : nativeKernels() };
      }
      reasons.push("@tensorflow/tfjs-backend-wasm: failed to initialise");
    } catch (err) {
      reasons.push(`@tensorflow/tfjs-backend-wasm: ${firstLine(err)}`);
    }
    if (pref === "wasm") throw new UserError(`the wasm backend is not available (${reasons.join("; ")})`, "use --backend cpu", 1);
  }
  if (await activate("cpu")) return done("cpu");
  throw new Error(`no tfjs backend could be initialised: ${reasons.join("; ")}`);
}

/**
 * The native kernels for the wasm backend (runtime/kernels: BLAS matmul, fused GELU/LayerNorm, …),
 * where the addon and a BLAS library are present and HGC_NATIVE is not 0; none otherwise. Results
 * agree with the plain wasm kernels to float32 rounding.
 */
function nativeKernels(): string[] {
  const status = registerNativeKernels();
  return status.enabled ? status.kernels : [];
}

/** Turn the native kernels off again (the plain wasm backend), e.g. for A/B measurements. */
export async function disableNativeKernels(): Promise<void> {
  unregisterNativeKernels();
}

/** Every backend hgc knows, whether it loads here, and its package version (for `hgc doctor`). */
export async function listBackends(): Promise<BackendStatus[]> {
  const out: BackendStatus[] = [];
  const previous = tf.getBackend();
  for (const pkg of ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]) {
    const version = packageVersion(pkg);
    const why = version === null ? "not installed" : await tryNative(pkg);
    out.push({ name: "tensorflow", package: pkg, version, available: why === null, ...(why ? { reason: why } : {}) });
  }
  const wasmVersion = packageVersion("@tensorflow/tfjs-backend-wasm");
  let wasmWhy: string | undefined;
  try {
    await loadWasm();
    if (!(await activate("wasm"))) wasmWhy = "failed to initialise";
  } catch (err) {
    wasmWhy = firstLine(err);
  }
  out.push({ name: "wasm", package: "@tensorflow/tfjs-backend-wasm", version: wasmVersion, available: !wasmWhy, ...(wasmWhy ? { reason: wasmWhy } : {}) });
  out.push({ name: "cpu", package: "@tensorflow/tfjs-backend-cpu", version: packageVersion("@tensorflow/tfjs-backend-cpu"), available: await activate("cpu") });
  if (previous) await activate(previous);
  return out;
}

/** Versions of tfjs itself, for the record. */
export function tfVersions(): Record<string, string> {
  return { ...(tf.version as Record<string, string>) };
}
