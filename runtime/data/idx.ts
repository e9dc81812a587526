// `idx(images:, labels:)`: the IDX format of the original MNIST distribution, optionally gzipped.
//   magic: two zero bytes, a type byte (0x08 = unsigned byte, the only type hgc reads), the
//   number of dimensions; then one big-endian u32 per dimension; then the data, row-major.
//   Images: 3 dimensions (n, rows, cols). Labels: 1 dimension (n).

import { gunzipSync } from "node:zlib";
import { bytePool, dataError, readDataFile, genericSplits, type Pool } from "./pool.js";

const HINT = "point images: and labels: at IDX files (e.g. train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz)";

/** Read a file, gunzipping it when it starts with the gzip magic. */
export async function readMaybeGzip(file: string, hint: string): Promise<Buffer> {
  let buf = readDataFile(file, hint);
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (err) {
      throw dataError(file, `is a corrupt or truncated gzip file (${(err as Error).message})`, "download the file again");
    }
  }
  return buf;
}

/** Parse an IDX buffer of unsigned bytes: its dimensions and data. */
export function parseIdx(buf: Buffer, file: string, wantDims: number): { dims: number[]; data: Uint8Array } {
  if (buf.length < 4) throw dataError(file, `is ${buf.length} bytes long, too short for an IDX header`, "the file is truncated; download it again");
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw dataError(file, `has a bad magic number 0x${buf.readUInt32BE(0).toString(16).padStart(8, "0")}: not an IDX file`, HINT);
  }
  const type = buf[2];
  const ndims = buf[3];
  if (type !== 0x08) throw dataError(file, `holds IDX type 0x${type.toString(16).padStart(2, "0")}; hgc reads only unsigned bytes (0x08)`, HINT);
  if (ndims !== wantDims) {
    throw dataError(file, `has ${ndims} dimensions, expected ${wantDims} (${wantDims === 3 ? "images: count, rows, columns" : "labels: count"})`, HINT);
  }
  const headerEnd = 4 + 4 * ndims;
  if (buf.length < headerEnd) throw dataError(file, "is truncated inside its header", "download the file again");
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(buf.readUInt32BE(4 + 4 * i));
  const expected = dims.reduce((a, b) => a * b, 1);
  const got = buf.length - headerEnd;
  if (got < expected) throw dataError(file, `is truncated: the header promises ${expected} data bytes but ${got} follow`, "download the file again");
  if (got > expected) throw dataError(file, `has ${got - expected} bytes after the ${expected} data bytes its header declares`, "the file is corrupt; download it again");
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + headerEnd, expected) };
}

export async function idxPool(imagesFile: string, labelsFile: string, declaredClasses: number | null): Promise<Pool> {
  const [ib, lb] = await Promise.all([readMaybeGzip(imagesFile, HINT), readMaybeGzip(labelsFile, HINT)]);
  const img = parseIdx(ib, imagesFile, 3);
  const lab = parseIdx(lb, labelsFile, 1);
  const [n, h, w] = img.dims;
  if (lab.dims[0] !== n) throw dataError(labelsFile, `holds ${lab.dims[0]} labels but ${imagesFile} holds ${n} images`, "pair each images file with its own labels file");
  if (h === 0 || w === 0) throw dataError(imagesFile, `declares empty ${h}x${w} images`, HINT);
  let max = 0;
  for (let i = 0; i < n; i++) if (lab.data[i] > max) max = lab.data[i];
  const classes = declaredClasses ?? max + 1;
  if (max >= classes) {
    const at = lab.data.findIndex((v) => v >= classes);
    throw dataError(labelsFile, `label ${lab.data[at]} at index ${at} is out of range for ${classes} classes`, "check the labels file, or the declared class count");
  }
  return bytePool(img.data, Int32Array.from(lab.data), h, w, classes, (count) => genericSplits(count, "idx"));
}
