// Small data files written to a temp folder, for the loader tests.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IRDataset } from "../../../compiler/ir.js";

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `hgc-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function dataset(source: IRDataset["source"], args: Record<string, unknown>, over: Partial<IRDataset> = {}): IRDataset {
  return { name: "d", source, split: "all", limit: null, size: null, args, shape: { height: null, width: null, channels: 1 }, classes: null, ...over };
}

/** An IDX file of unsigned bytes with the given dimensions. */
export function idxBytes(dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}
