// The IR's content hash, on its own (no compiler passes): the compiler stamps it, and the runtime
// checks an IR file and a checkpoint's manifest against it.
import { createHash } from "node:crypto";
import type { IRExperiment } from "./ir.js";

/** JSON with object keys sorted at every level: the normal form the hash is taken over. */
export function canonicalJSON(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJSON(v === undefined ? null : v)).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJSON(v)}`).join(",")}}`;
}

/** sha256 (hex) of the canonical IR without `source` and `hash`: equal for equal experiments wherever they are written. */
export function hashIR(ir: Omit<IRExperiment, "hash"> | IRExperiment): string {
  const { source: _source, hash: _hash, ...rest } = ir as IRExperiment;
  return createHash("sha256").update(canonicalJSON(rest)).digest("hex");
}

/**
 * A run's identity, and a sweep trial's: sha256 of its IR hash and seed. Every command names runs
 * by it (`hgc runs`, the sweep view, folder names, the database), so one prefix finds one run.
 */
export function trialId(irHash: string, seed: number): string {
  return createHash("sha256").update(`${irHash}:${seed}`).digest("hex");
}
