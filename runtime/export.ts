// The safetensors format (https://github.com/huggingface/safetensors), which PyTorch's
// `safetensors.torch.load_file` reads:
//   8 bytes   little-endian u64: N, the length of the header
//   N bytes   JSON: { name: { dtype: "F32", shape: [...], data_offsets: [begin, end] }, …,
//             "__metadata__": { string: string } }, padded with spaces to a multiple of 8
//   rest      the tensors' bytes, little-endian, back to back; offsets are relative to here
// Used for `hgc export` (export-run.ts) and for the weights and optimizer state inside checkpoints.

import fs from "node:fs";
import { UserError } from "../common/errors.js";

export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Encode tensors (float32) with optional string metadata. */
export function encodeSafetensors(tensors: NamedTensor[], metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) throw new Error(`safetensors: ${t.name} has ${t.data.length} values for shape [${t.shape}]`);
    if (t.name in header) throw new Error(`safetensors: duplicate tensor name ${t.name}`);
    header[t.name] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + size * 4] };
    offset += size * 4;
  }
  let json = JSON.stringify(header);
  const pad = (8 - (Buffer.byteLength(json) % 8)) % 8;
  json += " ".repeat(pad);
  const headerBytes = Buffer.from(json, "utf8");
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let pos = 8 + headerBytes.length;
  for (const t of tensors) {
    // Float32Array is in the platform's byte order; write each value explicitly as little-endian.
    for (let i = 0; i < t.data.length; i++, pos += 4) out.writeFloatLE(t.data[i]!, pos);
  }
  return out;
}

/** Decode a safetensors buffer holding F32 tensors. `what` names the file in errors. */
export function decodeSafetensors(buf: Buffer, what = "safetensors file"): { tensors: NamedTensor[]; metadata: Record<string, string> } {
  const bad = (why: string) => new UserError(`${what} is not a valid safetensors file: ${why}`, "the file may be truncated or corrupt; re-create it", 1);
  if (buf.length < 8) throw bad(`only ${buf.length} bytes`);
  const n = Number(buf.readBigUInt64LE(0));
  if (n <= 0 || 8 + n > buf.length) throw bad(`header length ${n} exceeds the ${buf.length}-byte file`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + n).toString("utf8"));
  } catch (err) {
    throw bad(`header is not JSON (${(err as Error).message})`);
  }
  const base = 8 + n;
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const tensors: NamedTensor[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const e = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (e.dtype !== "F32") throw bad(`${name} has dtype ${e.dtype}; only F32 is supported`);
    const [begin, end] = e.data_offsets;
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (end - begin !== size * 4 || base + end > buf.length) throw bad(`${name}'s data [${begin}, ${end}) does not fit its shape or the file`);
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = buf.readFloatLE(base + begin + 4 * i);
    tensors.push({ name, shape: e.shape, data });
  }
  return { tensors, metadata };
}

export function readSafetensorsFile(file: string): { tensors: NamedTensor[]; metadata: Record<string, string> } {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    throw new UserError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, undefined, 2);
  }
  return decodeSafetensors(buf, file);
}
