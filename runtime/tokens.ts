// Images → token sequences, as Image GPT reads them. Two tokenizers:
//   quantize: resize to tok.imageSize, quantize each pixel to `levels` values, raster order;
//             one token per pixel (pixelsPerToken = 1).
//   patches:  resize to tok.imageSize (normally already the dataset's size), cut P×P patches in
//             raster order; a token is its patch's P·P quantized pixels, row-major inside the patch.
// Token arrays are laid out [n, length, pixelsPerToken] (for quantize simply [n, length]).

import type { IRTokenizer } from "../compiler/ir.js";
import { resize } from "./image.js";

/** The quantization level of one pixel value: min(levels-1, floor(v·levels)), v clamped to [0, 1]. */
export function quantizeValue(v: number, levels: number): number {
  if (!(v > 0)) return 0; // also maps NaN to 0
  const q = Math.floor(v * levels);
  return q >= levels ? levels - 1 : q;
}

/** Tokenize a batch of n h×w images: n·length·pixelsPerToken integers in [0, levels). */
export function tokenize(tok: IRTokenizer, images: Float32Array, n: number, h: number, w: number): Int32Array {
  checkTokenizer(tok);
  const [th, tw] = tok.imageSize;
  const src = resize(images, n, h, w, th, tw);
  const levels = tok.levels;
  const per = th * tw;
  const out = new Int32Array(n * per);
  if (tok.kind === "quantize") {
    for (let i = 0; i < out.length; i++) out[i] = quantizeValue(src[i], levels);
    return out;
  }
  const order = patchOrder(th, tw, tok.patch);
  for (let k = 0; k < n; k++) {
    const base = k * per;
    for (let i = 0; i < per; i++) out[base + order[i]!] = quantizeValue(src[base + i]!, levels);
  }
  return out;
}

/**
 * Tokens back to images at tok.imageSize: each token value t becomes its level's centre
 * (t + 0.5) / levels, patches put back in place. For sample sheets and bits/dim sanity checks.
 */
export function detokenize(tok: IRTokenizer, tokens: Int32Array, n: number): Float32Array {
  checkTokenizer(tok);
  const [th, tw] = tok.imageSize;
  const per = th * tw;
  if (tokens.length !== n * per) throw new RangeError(`detokenize: expected ${n}·${per} tokens, got ${tokens.length}`);
  const levels = tok.levels;
  const out = new Float32Array(n * per);
  if (tok.kind === "quantize") {
    for (let i = 0; i < out.length; i++) out[i] = (tokens[i] + 0.5) / levels;
    return out;
  }
  const order = patchOrder(th, tw, tok.patch);
  for (let k = 0; k < n; k++) {
    const base = k * per;
    for (let i = 0; i < per; i++) out[base + i] = (tokens[base + order[i]!]! + 0.5) / levels;
  }
  return out;
}

/**
 * What a linear token embedding reads: every quantized value t scaled to t / (levels - 1) in
 * [0, 1], same layout as the tokens ([n, length, pixelsPerToken]). Used for patches, whose
 * tokens are vectors rather than vocabulary indices.
 */
export function tokenInputs(tok: IRTokenizer, tokens: Int32Array, n: number): Float32Array {
  checkTokenizer(tok);
  const total = n * tok.length * tok.pixelsPerToken;
  if (tokens.length !== total) throw new RangeError(`tokenInputs: expected ${total} values, got ${tokens.length}`);
  const scale = 1 / (tok.levels - 1);
  const out = new Float32Array(total);
  for (let i = 0; i < total; i++) out[i] = tokens[i] * scale;
  return out;
}

function checkTokenizer(tok: IRTokenizer): void {
  const [th, tw] = tok.imageSize;
  const p = tok.kind === "patches" ? tok.patch : 1;
  if (!(tok.levels >= 2 && tok.levels <= 256)) throw new RangeError(`tokenizer ${tok.name}: levels must be in 2..256, got ${tok.levels}`);
  if (th % p !== 0 || tw % p !== 0) throw new RangeError(`tokenizer ${tok.name}: patch ${p} does not divide ${th}x${tw}`);
  const length = (th / p) * (tw / p);
  if (tok.length !== length || tok.pixelsPerToken !== p * p) {
    throw new RangeError(`tokenizer ${tok.name}: length ${tok.length} / pixelsPerToken ${tok.pixelsPerToken} do not match ${th}x${tw} with patch ${p}`);
  }
}

/** For each pixel in raster order, its index in the patches layout [patch (raster), dy, dx]. */
function patchOrder(th: number, tw: number, p: number): Int32Array {
  const order = new Int32Array(th * tw);
  const cols = tw / p;
  for (let y = 0; y < th; y++) {
    const pr = (y / p) | 0;
    const dy = y - pr * p;
    for (let x = 0; x < tw; x++) {
      const pc = (x / p) | 0;
      order[y * tw + x] = (pr * cols + pc) * p * p + dy * p + (x - pc * p);
    }
  }
  return order;
}
