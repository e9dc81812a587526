// Image helpers on plain Float32Arrays: a batch of n grayscale images of h×w pixels is stored
// image after image, each row-major, values nominally in [0, 1]. Used by the data loaders
// (`size`), the tokenizers (resize before quantizing), the augmentations and the robustness
// corruptions. Everything here is deterministic and allocation-light; nothing touches tfjs.

import { deflateSync } from "node:zlib";

/** One axis of a separable resampling: for output index i, taps [start[i], start[i]+count[i]) with weights. */
interface AxisPlan {
  start: Int32Array;
  count: Int32Array;
  weights: Float32Array; // count[i] weights for output i, packed at offset[i]
  offset: Int32Array;
}

/**
 * Plan one axis: area averaging (each output pixel is the mean of the source interval it
 * covers, fractional pixels weighted by overlap) when shrinking; bilinear with half-pixel
 * centres and replicated edges when enlarging; the identity when the sizes match.
 */
function planAxis(src: number, dst: number): AxisPlan {
  const start = new Int32Array(dst);
  const count = new Int32Array(dst);
  const offset = new Int32Array(dst);
  const w: number[] = [];
  if (dst <= src) {
    const scale = src / dst;
    for (let i = 0; i < dst; i++) {
      const lo = i * scale;
      const hi = (i + 1) * scale;
      const first = Math.floor(lo);
      const last = Math.min(src - 1, Math.ceil(hi) - 1);
      start[i] = first;
      offset[i] = w.length;
      for (let s = first; s <= last; s++) {
        const overlap = Math.min(hi, s + 1) - Math.max(lo, s);
        w.push(overlap / scale);
      }
      count[i] = last - first + 1;
    }
  } else {
    const scale = src / dst;
    for (let i = 0; i < dst; i++) {
      let x = (i + 0.5) * scale - 0.5;
      if (x < 0) x = 0;
      if (x > src - 1) x = src - 1;
      const x0 = Math.floor(x);
      const x1 = Math.min(src - 1, x0 + 1);
      const f = x - x0;
      start[i] = x0;
      offset[i] = w.length;
      if (x1 === x0 || f === 0) {
        w.push(1);
        count[i] = 1;
      } else {
        w.push(1 - f, f);
        count[i] = 2;
      }
    }
  }
  return { start, count, offset, weights: Float32Array.from(w) };
}

/**
 * Resize a batch from h×w to outH×outW, separably: per axis, area averaging when shrinking and
 * bilinear interpolation when enlarging. Returns the input itself when the size is unchanged.
 */
export function resize(images: Float32Array, n: number, h: number, w: number, outH: number, outW: number): Float32Array {
  checkBatch(images, n, h, w);
  if (!(Number.isInteger(outH) && Number.isInteger(outW) && outH > 0 && outW > 0)) {
    throw new RangeError(`resize: output size must be positive integers, got ${outH}x${outW}`);
  }
  if (outH === h && outW === w) return images;
  const px = planAxis(w, outW);
  const py = planAxis(h, outH);
  const out = new Float32Array(n * outH * outW);
  const tmp = new Float32Array(h * outW); // rows resampled horizontally
  for (let k = 0; k < n; k++) {
    const base = k * h * w;
    for (let y = 0; y < h; y++) {
      const row = base + y * w;
      for (let x = 0; x < outW; x++) {
        const s = px.start[x];
        const o = px.offset[x];
        let acc = 0;
        for (let t = 0; t < px.count[x]; t++) acc += px.weights[o + t] * images[row + s + t];
        tmp[y * outW + x] = acc;
      }
    }
    const obase = k * outH * outW;
    for (let y = 0; y < outH; y++) {
      const s = py.start[y];
      const o = py.offset[y];
      const c = py.count[y];
      for (let x = 0; x < outW; x++) {
        let acc = 0;
        for (let t = 0; t < c; t++) acc += py.weights[o + t] * tmp[(s + t) * outW + x];
        out[obase + y * outW + x] = acc;
      }
    }
  }
  return out;
}

/**
 * A 2-D affine map from output pixel coordinates to source coordinates (both measured at pixel
 * centres, x to the right, y down): src = [a b; c d]·[x; y] + [tx; ty].
 */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  tx: number;
  ty: number;
}

export const IDENTITY: Affine = { a: 1, b: 0, c: 0, d: 1, tx: 0, ty: 0 };

/** p ↦ outer(inner(p)). */
export function composeAffine(outer: Affine, inner: Affine): Affine {
  return {
    a: outer.a * inner.a + outer.b * inner.c,
    b: outer.a * inner.b + outer.b * inner.d,
    c: outer.c * inner.a + outer.d * inner.c,
    d: outer.c * inner.b + outer.d * inner.d,
    tx: outer.a * inner.tx + outer.b * inner.ty + outer.tx,
    ty: outer.c * inner.tx + outer.d * inner.ty + outer.ty,
  };
}

export interface AffineParams {
  /** Rotation in degrees, counter-clockwise as seen on screen. */
  rotate?: number;
  /** Horizontal shear in degrees. */
  shear?: number;
  /** Uniform zoom factor (>1 enlarges the content). */
  scale?: number;
  /** Translation of the content in pixels, [dx, dy]. */
  translate?: [number, number];
}

/**
 * The output→source map that rotates, shears, zooms and translates the content of an h×w image
 * about its centre. Feed it to `warpAffine`.
 */
export function affineAboutCentre(h: number, w: number, p: AffineParams): Affine {
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const th = ((p.rotate ?? 0) * Math.PI) / 180;
  const sh = Math.tan(((p.shear ?? 0) * Math.PI) / 180);
  const s = p.scale ?? 1;
  const [dx, dy] = p.translate ?? [0, 0];
  // Forward map (content → output): translate ∘ rotate ∘ shear ∘ scale about the centre.
  // Screen y points down, so a counter-clockwise rotation on screen is R(-θ) in these axes.
  const cos = Math.cos(th);
  const sin = Math.sin(th);
  const fa = s * cos;
  const fb = s * (cos * sh + sin);
  const fc = -s * sin;
  const fd = s * (-sin * sh + cos);
  // Invert the 2x2 part.
  const det = fa * fd - fb * fc;
  const ia = fd / det;
  const ib = -fb / det;
  const ic = -fc / det;
  const id = fa / det;
  // src = inv·(out - c - t) + c
  const ox = cx + dx;
  const oy = cy + dy;
  return { a: ia, b: ib, c: ic, d: id, tx: cx - (ia * ox + ib * oy), ty: cy - (ic * ox + id * oy) };
}

/**
 * Resample one h×w image (at `src[srcOffset..]`) through an output→source affine map into
 * `out[outOffset..]` (outH×outW, default h×w), bilinear; samples outside the source read `fill`.
 */
export function warpAffine(
  src: Float32Array,
  h: number,
  w: number,
  m: Affine,
  fill = 0,
  out?: Float32Array,
  srcOffset = 0,
  outOffset = 0,
  outH = h,
  outW = w,
): Float32Array {
  const dst = out ?? new Float32Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    let sx = m.b * y + m.tx;
    let sy = m.d * y + m.ty;
    for (let x = 0; x < outW; x++, sx += m.a, sy += m.c) {
      dst[outOffset + y * outW + x] = sampleBilinear(src, h, w, sx, sy, fill, srcOffset);
    }
  }
  return dst;
}

/** Bilinear sample at (x, y) in pixel-centre coordinates; the outside of the image reads `fill`. */
export function sampleBilinear(src: Float32Array, h: number, w: number, x: number, y: number, fill: number, offset = 0): number {
  if (x <= -1 || y <= -1 || x >= w || y >= h) return fill;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const i = offset + y0 * w + x0;
  let v00: number;
  let v01: number;
  let v10: number;
  let v11: number;
  if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
    // Interior: all four taps exist (the common case; no bounds checks).
    v00 = src[i];
    v01 = src[i + 1];
    v10 = src[i + w];
    v11 = src[i + w + 1];
  } else {
    const inX0 = x0 >= 0 && x0 < w;
    const inX1 = x0 + 1 >= 0 && x0 + 1 < w;
    const inY0 = y0 >= 0 && y0 < h;
    const inY1 = y0 + 1 >= 0 && y0 + 1 < h;
    v00 = inY0 && inX0 ? src[i] : fill;
    v01 = inY0 && inX1 ? src[i + 1] : fill;
    v10 = inY1 && inX0 ? src[i + w] : fill;
    v11 = inY1 && inX1 ? src[i + w + 1] : fill;
  }
  if (fx === 0 && fy === 0) return v00;
  return (v00 * (1 - fx) + v01 * fx) * (1 - fy) + (v10 * (1 - fx) + v11 * fx) * fy;
}

/** Apply one affine map (with `fill` outside) to every image of a batch. */
export function warpBatch(images: Float32Array, n: number, h: number, w: number, m: Affine, fill = 0): Float32Array {
  checkBatch(images, n, h, w);
  const out = new Float32Array(n * h * w);
  for (let k = 0; k < n; k++) warpAffine(images, h, w, m, fill, out, k * h * w, k * h * w);
  return out;
}

/** Normalised 1-D gaussian kernel of standard deviation sigma, radius ceil(3σ). */
export function gaussianKernel(sigma: number): Float32Array {
  if (!(sigma > 0)) return Float32Array.of(1);
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    k[i + r] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** Separable gaussian blur of every image (edges replicated); sigma ≤ 0 returns a copy. */
export function gaussianBlur(images: Float32Array, n: number, h: number, w: number, sigma: number): Float32Array {
  checkBatch(images, n, h, w);
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) / 2;
  const out = new Float32Array(images.length);
  if (r === 0) {
    out.set(images);
    return out;
  }
  const tmp = new Float32Array(h * w);
  for (let im = 0; im < n; im++) {
    const base = im * h * w;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let acc = 0;
        for (let t = -r; t <= r; t++) {
          const xx = Math.min(w - 1, Math.max(0, x + t));
          acc += k[t + r] * images[base + y * w + xx];
        }
        tmp[y * w + x] = acc;
      }
    }
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let acc = 0;
        for (let t = -r; t <= r; t++) {
          const yy = Math.min(h - 1, Math.max(0, y + t));
          acc += k[t + r] * tmp[yy * w + x];
        }
        out[base + y * w + x] = acc;
      }
    }
  }
  return out;
}

/** Scale each image's deviation from its own mean by `factor` (contrast), in a new array. */
export function adjustContrast(images: Float32Array, n: number, h: number, w: number, factor: number): Float32Array {
  checkBatch(images, n, h, w);
  const size = h * w;
  const out = new Float32Array(images.length);
  for (let k = 0; k < n; k++) {
    let mean = 0;
    for (let i = 0; i < size; i++) mean += images[k * size + i];
    mean /= size;
    for (let i = 0; i < size; i++) out[k * size + i] = mean + (images[k * size + i] - mean) * factor;
  }
  return out;
}

/** Clamp every value to [0, 1] in place; returns the same array. */
export function clamp01(values: Float32Array): Float32Array {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    values[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return values;
}

/**
 * Tile a batch into one grid image (cols per row, `pad` pixels of `padValue` between and around
 * tiles), e.g. for sample sheets. Returns the grid and its size.
 */
export function makeGrid(
  images: Float32Array,
  n: number,
  h: number,
  w: number,
  cols = Math.ceil(Math.sqrt(n)),
  pad = 1,
  padValue = 1,
): { pixels: Float32Array; height: number; width: number } {
  checkBatch(images, n, h, w);
  const rows = Math.max(1, Math.ceil(n / cols));
  const height = rows * h + (rows + 1) * pad;
  const width = cols * w + (cols + 1) * pad;
  const pixels = new Float32Array(height * width).fill(padValue);
  for (let k = 0; k < n; k++) {
    const gy = pad + Math.floor(k / cols) * (h + pad);
    const gx = pad + (k % cols) * (w + pad);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) pixels[(gy + y) * width + gx + x] = images[k * h * w + y * w + x];
    }
  }
  return { pixels, height, width };
}

/** Encode one grayscale image (values clamped to [0, 1]) as an 8-bit grayscale PNG. */
export function encodePng(pixels: Float32Array, height: number, width: number): Buffer {
  if (pixels.length !== height * width) throw new RangeError(`encodePng: ${pixels.length} values for ${height}x${width}`);
  // Filter byte 0 (None) per scanline, then zlib: the PNG spec's simplest valid encoding.
  const raw = Buffer.alloc(height * (width + 1));
  for (let y = 0; y < height; y++) {
    raw[y * (width + 1)] = 0;
    for (let x = 0; x < width; x++) {
      const v = pixels[y * width + x];
      raw[y * (width + 1) + 1 + x] = Math.round(255 * (v < 0 ? 0 : v > 1 ? 1 : v));
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // colour type: grayscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", deflateSync(raw)),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

let crcTable: Uint32Array | null = null;

/** CRC-32 (IEEE 802.3, as in PNG and zlib) of a byte array. */
export function crc32(bytes: Uint8Array, seed = 0): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[i] = c >>> 0;
    }
  }
  let c = (seed ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function checkBatch(images: Float32Array, n: number, h: number, w: number): void {
  if (images.length !== n * h * w) {
    throw new RangeError(`expected ${n}·${h}·${w} = ${n * h * w} values, got ${images.length}`);
  }
}
