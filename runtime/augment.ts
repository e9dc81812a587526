// The contrastive views: each image of a batch is transformed independently, in this order:
//   1. geometry, as one bilinear resampling (outside the image reads 0, the background):
//      random resized crop (area fraction ~ U(crop), aspect ratio log-uniform in [3/4, 4/3],
//      up to 10 tries, else the whole image, as torchvision does), horizontal flip with
//      probability `flip`, rotation by U(-rotate, +rotate) degrees about the centre;
//   2. brightness then contrast jitter: x·b, then mean + (x - mean)·c, with b, c ~ U(1-j, 1+j);
//   3. random erasing with probability `erase`: a rectangle of area U(0.02, 0.33) of the image
//      and aspect ratio log-uniform in [0.3, 3.3] is replaced by uniform noise;
//   4. gaussian noise of std `noise`;
//   5. clamp to [0, 1].
// A component that is switched off draws nothing from the stream, and with every component off
// the output equals the input exactly.

import type { IRViews } from "../compiler/ir.js";
import { composeAffine, IDENTITY, warpAffine, type Affine } from "./image.js";
import { Rng } from "./rng.js";

/** The crop rectangle (in source pixels): torchvision's RandomResizedCrop sampling rule. */
function sampleCrop(rng: Rng, h: number, w: number, lo: number, hi: number): { x: number; y: number; cw: number; ch: number } {
  const area = h * w;
  const logLo = Math.log(3 / 4);
  const logHi = Math.log(4 / 3);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * rng.uniform(lo, hi);
    const ratio = Math.exp(rng.uniform(logLo, logHi));
    const cw = Math.sqrt(target * ratio);
    const ch = Math.sqrt(target / ratio);
    if (cw <= w && ch <= h) {
      return { x: rng.uniform(0, w - cw), y: rng.uniform(0, h - ch), cw, ch };
    }
  }
  return { x: 0, y: 0, cw: w, ch: h };
}

/** Draw the geometric part of one view as an output→source map; null when it is the identity. */
function sampleGeometry(v: IRViews, rng: Rng, h: number, w: number): Affine | null {
  let m: Affine = IDENTITY;
  let identity = true;
  if (v.crop) {
    const { x, y, cw, ch } = sampleCrop(rng, h, w, v.crop[0], v.crop[1]);
    if (!(x === 0 && y === 0 && cw === w && ch === h)) {
      // Output pixel centre i maps to the crop's continuous coordinate x + (i + 0.5)·cw/w - 0.5.
      const sx = cw / w;
      const sy = ch / h;
      m = { a: sx, b: 0, c: 0, d: sy, tx: x + 0.5 * sx - 0.5, ty: y + 0.5 * sy - 0.5 };
      identity = false;
    }
  }
  if (v.flip > 0 && rng.next() < v.flip) {
    m = composeAffine(m, { a: -1, b: 0, c: 0, d: 1, tx: w - 1, ty: 0 });
    identity = false;
  }
  if (v.rotate > 0) {
    const deg = rng.uniform(-v.rotate, v.rotate);
    const th = (deg * Math.PI) / 180;
    const cx = (w - 1) / 2;
    const cy = (h - 1) / 2;
    const cos = Math.cos(th);
    const sin = Math.sin(th);
    // Inverse rotation about the centre: where in the (cropped, flipped) frame each output pixel comes from.
    const rot: Affine = { a: cos, b: -sin, c: sin, d: cos, tx: cx - cos * cx + sin * cy, ty: cy - sin * cx - cos * cy };
    m = composeAffine(m, rot);
    identity = false;
  }
  return identity ? null : m;
}

/** Transform one h×w image (src[srcOff..]) into out[outOff..]. */
function augmentOne(v: IRViews, src: Float32Array, srcOff: number, out: Float32Array, outOff: number, h: number, w: number, rng: Rng): void {
  const size = h * w;
  const geo = sampleGeometry(v, rng, h, w);
  if (geo) warpAffine(src, h, w, geo, 0, out, srcOff, outOff);
  else out.set(src.subarray(srcOff, srcOff + size), outOff);

  if (v.jitter > 0) {
    const b = rng.uniform(Math.max(0, 1 - v.jitter), 1 + v.jitter);
    const c = rng.uniform(Math.max(0, 1 - v.jitter), 1 + v.jitter);
    let mean = 0;
    for (let i = 0; i < size; i++) {
      out[outOff + i] *= b;
      mean += out[outOff + i];
    }
    mean /= size;
    for (let i = 0; i < size; i++) out[outOff + i] = mean + (out[outOff + i] - mean) * c;
  }

  if (v.erase > 0 && rng.next() < v.erase) {
    const area = size * rng.uniform(0.02, 0.33);
    const ratio = Math.exp(rng.uniform(Math.log(0.3), Math.log(3.3)));
    const eh = Math.max(1, Math.min(h, Math.round(Math.sqrt(area * ratio))));
    const ew = Math.max(1, Math.min(w, Math.round(Math.sqrt(area / ratio))));
    const y0 = rng.int(h - eh + 1);
    const x0 = rng.int(w - ew + 1);
    for (let y = y0; y < y0 + eh; y++) for (let x = x0; x < x0 + ew; x++) out[outOff + y * w + x] = rng.next();
  }

  if (v.noise > 0) for (let i = 0; i < size; i++) out[outOff + i] += v.noise * rng.normal();

  for (let i = 0; i < size; i++) {
    const x = out[outOff + i];
    out[outOff + i] = x < 0 ? 0 : x > 1 ? 1 : x;
  }
}

/**
 * One augmented view of every image of a batch (n·h·w values in [0, 1]). Each image draws its
 * own transformation from `rng`, in image order, so the result is a pure function of the
 * stream's state; the stream is advanced.
 */
export function augmentBatch(v: IRViews, images: Float32Array, n: number, h: number, w: number, rng: Rng): Float32Array {
  if (images.length !== n * h * w) throw new RangeError(`augmentBatch: expected ${n}·${h}·${w} values, got ${images.length}`);
  if (v.crop && !(v.crop[0] > 0 && v.crop[0] <= v.crop[1] && v.crop[1] <= 1)) {
    throw new RangeError(`views ${v.name}: crop must be a range inside (0, 1], got ${v.crop[0]}..${v.crop[1]}`);
  }
  const out = new Float32Array(images.length);
  const size = h * w;
  for (let k = 0; k < n; k++) augmentOne(v, images, k * size, out, k * size, h, w, rng);
  return out;
}

/**
 * The two contrastive views of a batch, from two child streams forked off `rng` ("view1",
 * "view2"). The parent is then advanced by one draw so the next batch gets fresh views.
 */
export function twoViews(v: IRViews, images: Float32Array, n: number, h: number, w: number, rng: Rng): [Float32Array, Float32Array] {
  const a = augmentBatch(v, images, n, h, w, rng.fork("view1"));
  const b = augmentBatch(v, images, n, h, w, rng.fork("view2"));
  rng.nextUint32();
  return [a, b];
}
