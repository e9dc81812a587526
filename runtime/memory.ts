// Memory of a training step: recognising a backend that ran out of it, and (for micro-batching)
// an estimate of a step's peak activation bytes.
//
// The wasm backend keeps every tensor in one WebAssembly heap (at most 4 GiB, 32-bit offsets).
// A step whose activations and attention matrices do not fit fails inside a kernel or an
// allocation with `RuntimeError: memory access out of bounds` (or an abort); after that the heap
// is in an unknown state, so nothing may be disposed on it any more: the run writes its result
// and the process exits.

import { UserError } from "../compiler/errors.js";

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
