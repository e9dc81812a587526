// `synthetic`: procedurally drawn labelled images with real class structure, for tests and demos.
// Ten shape classes (disk, ring, square, triangle, cross, horizontal bars, vertical bars,
// diagonal stroke, four dots, L), each drawn with a random position, scale, rotation, stroke
// thickness, intensity and background level, plus gaussian pixel noise. Shapes are rendered from
// signed distance functions with one pixel of anti-aliasing. Scale and intensity vary enough that
// the mean brightness of an image says little about its class; its layout says a lot.

import { UserError } from "../../common/errors.js";
import { Rng } from "../rng.js";
import type { ImageSet } from "./types.js";

export const SYNTHETIC_CLASS_NAMES = ["disk", "ring", "square", "triangle", "cross", "hbars", "vbars", "diagonal", "dots", "L"];

export interface SyntheticOptions {
  name?: string;
  /** Images to draw. */
  count: number;
  /** Number of classes, 1..10 (the first `classes` shapes of SYNTHETIC_CLASS_NAMES). */
  classes: number;
  /** [height, width] in pixels. */
  size: [number, number];
  /** Std of the additive gaussian pixel noise. */
  noise: number;
  seed: number;
  /** Each split is drawn from its own stream, so train, val and test never share an image. */
  split: string;
}

/** Distance from (px, py) to the segment (ax, ay)–(bx, by). */
function segDist(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const vx = bx - ax;
  const vy = by - ay;
  let t = ((px - ax) * vx + (py - ay) * vy) / (vx * vx + vy * vy);
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const dx = px - ax - t * vx;
  const dy = py - ay - t * vy;
  return Math.sqrt(dx * dx + dy * dy);
}

const S3 = Math.sqrt(3) / 2;
// Equilateral triangle pointing up, circumradius 1: edges as (nx, ny, offset) with outward normals.
const TRI_EDGES: [number, number, number][] = [
  [0, 1, 0.5],
  [S3, -0.5, 0.5],
  [-S3, -0.5, 0.5],
];

/** Signed distance (in shape units, negative inside) of local point (u, v) to shape `cls`; t is the stroke width. */
function shapeDist(cls: number, u: number, v: number, t: number): number {
  const half = t / 2;
  switch (cls) {
    case 0: // disk
      return Math.sqrt(u * u + v * v) - 0.9;
    case 1: // ring
      return Math.abs(Math.sqrt(u * u + v * v) - 0.85) - half;
    case 2: // filled square
      return Math.max(Math.abs(u), Math.abs(v)) - 0.75;
    case 3: {
      // filled triangle
      let d = -Infinity;
      for (const [nx, ny, o] of TRI_EDGES) d = Math.max(d, u * nx + v * ny - o);
      return d;
    }
    case 4: // plus-shaped cross
      return Math.min(segDist(u, v, -1, 0, 1, 0), segDist(u, v, 0, -1, 0, 1)) - half;
    case 5: // three horizontal bars
      return Math.min(segDist(u, v, -1, -0.7, 1, -0.7), segDist(u, v, -1, 0, 1, 0), segDist(u, v, -1, 0.7, 1, 0.7)) - half;
    case 6: // three vertical bars
      return Math.min(segDist(u, v, -0.7, -1, -0.7, 1), segDist(u, v, 0, -1, 0, 1), segDist(u, v, 0.7, -1, 0.7, 1)) - half;
    case 7: // one diagonal stroke, thicker
      return segDist(u, v, -0.9, -0.9, 0.9, 0.9) - half * 1.5;
    case 8: {
      // four dots on a square
      const du = Math.abs(u) - 0.55;
      const dv = Math.abs(v) - 0.55;
      return Math.sqrt(du * du + dv * dv) - 0.28;
    }
    default: // L
      return Math.min(segDist(u, v, -0.6, -1, -0.6, 0.85), segDist(u, v, -0.6, 0.85, 0.8, 0.85)) - half;
  }
}

/** Draw `count` images with balanced, shuffled labels. Deterministic in (seed, split, count, classes, size, noise). */
export function generateSynthetic(o: SyntheticOptions): ImageSet {
  const [h, w] = o.size;
  if (!Number.isInteger(o.count) || o.count < 1) throw new UserError(`synthetic: count must be a positive integer, got ${o.count}`, "write e.g. synthetic(count: 2000)");
  if (!Number.isInteger(o.classes) || o.classes < 1 || o.classes > SYNTHETIC_CLASS_NAMES.length) {
    throw new UserError(`synthetic: classes must be an integer in 1..${SYNTHETIC_CLASS_NAMES.length}, got ${o.classes}`, `the synthetic source draws ${SYNTHETIC_CLASS_NAMES.length} shape classes`);
  }
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 8 || w < 8 || h > 512 || w > 512) {
    throw new UserError(`synthetic: size must be between 8x8 and 512x512, got ${h}x${w}`, "write e.g. synthetic(size: 28x28)");
  }
  if (!(o.noise >= 0)) throw new UserError(`synthetic: noise must be >= 0, got ${o.noise}`, "noise is the std of gaussian pixel noise, e.g. 0.05");
  const rng = new Rng(o.seed).fork(`synthetic:${o.split}`);
  const n = o.count;
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = i % o.classes;
  rng.shuffle(labels);
  const images = new Float32Array(n * h * w);
  const side = Math.min(h, w);
  for (let k = 0; k < n; k++) {
    const cls = labels[k];
    const r = side * rng.uniform(0.22, 0.4); // shape radius in pixels
    const margin = r * 1.05;
    const cx = w / 2 - 0.5 + rng.uniform(-1, 1) * Math.max(0, w / 2 - margin);
    const cy = h / 2 - 0.5 + rng.uniform(-1, 1) * Math.max(0, h / 2 - margin);
    const angle = rng.uniform(-0.35, 0.35); // about ±20°
    const t = rng.uniform(0.18, 0.34); // stroke width, in shape units
    const fg = rng.uniform(0.55, 1);
    const bg = rng.uniform(0, 0.15);
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const base = k * h * w;
    for (let y = 0; y < h; y++) {
      const dy = y - cy;
      for (let x = 0; x < w; x++) {
        const dx = x - cx;
        const u = (cos * dx + sin * dy) / r;
        const v = (-sin * dx + cos * dy) / r;
        const dPx = shapeDist(cls, u, v, t) * r;
        const cover = dPx <= -0.5 ? 1 : dPx >= 0.5 ? 0 : 0.5 - dPx;
        let val = bg + (fg - bg) * cover;
        if (o.noise > 0) val += o.noise * rng.normal();
        images[base + y * w + x] = val < 0 ? 0 : val > 1 ? 1 : val;
      }
    }
  }
  return {
    name: o.name ?? "synthetic",
    images,
    labels,
    n,
    height: h,
    width: w,
    classes: o.classes,
    classNames: SYNTHETIC_CLASS_NAMES.slice(0, o.classes),
  };
}
