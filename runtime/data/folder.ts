// `folder(path:)`: one sub-folder of PNG files per class. Classes are the sub-folder names in
// sorted order (label = index); images are the *.png files of each, in sorted order. PNGs are
// decoded with pngjs and converted to grayscale with the BT.601 weights (0.299 R + 0.587 G +
// 0.114 B), composited over black by their alpha. Every image is resized to the first image's size.

import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { PNG } from "pngjs";
import { resize } from "../image.js";
import { dataError, genericSplits, readDataFile, type Pool } from "./pool.js";

const HINT = "lay the folder out as <path>/<class name>/<image>.png, one sub-folder per class";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * pngjs's messages, in hgc's words: some are about its stream plumbing rather than the file, and
 * two carry typos ("waitng", "beggining") that should not reach the user as ours.
 */
function pngProblem(message: string): string {
  if (/read requests|Ran out of data|Unexpected end of input/i.test(message)) return "is truncated (it ends before its image data does)";
  if (/^Crc error/i.test(message)) return "is damaged (a chunk fails its CRC check)";
  if (/IHDR/.test(message)) return "is damaged (it does not start with an IHDR header chunk)";
  if (/unrecognised content at end of stream|extra data found/i.test(message)) return "is damaged (unreadable data after or inside its chunks)";
  if (/invalid (compressed|inflate) data|incorrect header check|invalid (distance|block|stored)/i.test(message)) return "is damaged (its compressed image data is corrupt)";
  return `cannot be decoded (${message.toLowerCase()})`;
}

/** Decode one PNG file to grayscale floats in [0, 1]. */
export function decodePngGray(buf: Buffer, file: string): { pixels: Float32Array; height: number; width: number } {
  const HINT_PNG = "re-export the image as PNG, or remove it";
  if (buf.length < 8 || !buf.subarray(0, 8).equals(PNG_SIGNATURE)) throw dataError(file, "is not a decodable PNG: it lacks the PNG signature (is it a PNG file at all?)", HINT_PNG);
  let png: { width: number; height: number; data: Buffer };
  try {
    png = PNG.sync.read(buf);
  } catch (err) {
    throw dataError(file, `is not a decodable PNG: it ${pngProblem((err as Error).message)}`, HINT_PNG);
  }
  const { width, height, data } = png;
  if (width === 0 || height === 0) throw dataError(file, "is an empty image", "remove it");
  const pixels = new Float32Array(width * height);
  for (let i = 0; i < width * height; i++) {
    const r = data[4 * i];
    const g = data[4 * i + 1];
    const b = data[4 * i + 2];
    const a = data[4 * i + 3];
    pixels[i] = ((0.299 * r + 0.587 * g + 0.114 * b) / 255) * (a / 255);
  }
  return { pixels, height, width };
}

export async function folderPool(path: string): Promise<Pool> {
  let entries: string[];
  try {
    if (!statSync(path).isDirectory()) throw dataError(path, "is not a folder", HINT);
    entries = readdirSync(path).sort();
  } catch (err) {
    if ((err as Error).name === "UserError") throw err;
    throw dataError(path, "no such folder", HINT);
  }
  const classNames = entries.filter((e) => !e.startsWith(".") && statSync(join(path, e)).isDirectory());
  if (classNames.length === 0) throw dataError(path, "holds no class sub-folders", HINT);
  const files: { file: string; label: number }[] = [];
  classNames.forEach((c, label) => {
    const pngs = readdirSync(join(path, c))
      .filter((f) => f.toLowerCase().endsWith(".png"))
      .sort();
    if (pngs.length === 0) throw dataError(join(path, c), "holds no .png files (every class folder needs at least one image)", HINT);
    for (const f of pngs) files.push({ file: join(path, c, f), label });
  });
  let height = 0;
  let width = 0;
  const images: Float32Array[] = [];
  for (const { file } of files) {
    const img = decodePngGray(readDataFile(file, HINT), file);
    if (images.length === 0) {
      height = img.height;
      width = img.width;
    }
    images.push(img.height === height && img.width === width ? img.pixels : resize(img.pixels, 1, img.height, img.width, height, width));
  }
  const labels = Int32Array.from(files.map((f) => f.label));
  return {
    n: files.length,
    height,
    width,
    classes: classNames.length,
    classNames,
    labels,
    read(i, out, offset) {
      out.set(images[i], offset);
    },
    splits: genericSplits(files.length, "folder"),
  };
}
