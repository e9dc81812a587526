// Seeded image corruptions for the robustness protocol, in the spirit of ImageNet-C / MNIST-C
// (Hendrycks & Dietterich, 2019; Mu & Gilmer, 2019), for grayscale images in [0, 1].
//
// SEVERITY is the one table of strengths (docs/evaluation.md prints the same table). Spatial
// strengths are stated for a 28×28 image and scale with the shorter side. The random draws of a
// corruption depend on the seed and the corruption's name, not on the severity, so the five
// severities of one image differ only in strength (same noise pattern, same direction, same
// erased spot), which keeps "stronger" meaning "more changed".
import { CORRUPTIONS } from "../../compiler/ir.js";
import { Rng } from "../rng.js";
import { adjustContrast, affineAboutCentre, clamp01, gaussianBlur, warpAffine } from "../image.js";

export { CORRUPTIONS };

export type Corruption = (typeof CORRUPTIONS)[number];

export interface CorruptionSpec {
  /** What the five numbers mean. */
  parameter: string;
  /** Strength at severity 1..5. */
  severities: readonly [number, number, number, number, number];
}

export const SEVERITY: Record<Corruption, CorruptionSpec> = {
  gaussian_noise: { parameter: "std of additive gaussian noise", severities: [0.05, 0.1, 0.15, 0.2, 0.3] },
  shot_noise: { parameter: "photons per unit intensity λ: x ← Poisson(λx)/λ", severities: [60, 25, 12, 5, 3] },
  impulse_noise: { parameter: "fraction of pixels set to 0 or 1 (salt and pepper)", severities: [0.03, 0.06, 0.09, 0.17, 0.27] },
  blur: { parameter: "gaussian blur std, pixels at 28×28", severities: [0.5, 0.8, 1.1, 1.5, 2] },
  contrast: { parameter: "factor on the deviation from the image mean", severities: [0.75, 0.5, 0.4, 0.3, 0.15] },
  brightness: { parameter: "value added to every pixel", severities: [0.1, 0.2, 0.3, 0.4, 0.5] },
  rotate: { parameter: "rotation in degrees, random sign", severities: [6, 12, 20, 30, 45] },
  shear: { parameter: "horizontal shear in degrees, random sign", severities: [5, 10, 15, 25, 35] },
  translate: { parameter: "shift as a fraction of the side, random direction", severities: [0.04, 0.08, 0.12, 0.16, 0.2] },
  pixelate: { parameter: "block side (each block becomes its mean), pixels at 28×28", severities: [2, 3, 4, 5, 6] },
  erase: {
    parameter: "fraction of the area replaced by uniform noise (one rectangle, aspect 1:2..2:1)",
    severities: [0.05, 0.1, 0.15, 0.2, 0.3],
  },
};

export function isCorruption(name: string): name is Corruption {
  return (CORRUPTIONS as readonly string[]).includes(name);
}

/**
 * A corrupted copy of a batch of n grayscale h×w images (values clamped to [0, 1]).
 * Deterministic in (images, corruption, severity, seed).
 */
export function corrupt(
  images: Float32Array,
  n: number,
  h: number,
  w: number,
  corruption: string,
  severity: number,
  seed: number,
): Float32Array {
  if (!isCorruption(corruption)) {
    throw new Error(`unknown corruption \`${corruption}\` (known: ${CORRUPTIONS.join(", ")})`);
  }
  if (!(Number.isInteger(severity) && severity >= 1 && severity <= 5)) {
    throw new Error(`corruption severity must be an integer in 1..5, got ${severity}`);
  }
  if (images.length !== n * h * w) throw new Error(`corrupt: expected ${n * h * w} values, got ${images.length}`);
  const s = SEVERITY[corruption].severities[severity - 1]!;
  const rng = new Rng(seed).fork(`corruption/${corruption}`);
  const scale = Math.min(h, w) / 28;
  const size = h * w;
  switch (corruption) {
    case "gaussian_noise": {
      const out = new Float32Array(images.length);
      for (let i = 0; i < out.length; i++) out[i] = images[i]! + s * rng.normal();
      return clamp01(out);
    }
    case "shot_noise": {
      const out = new Float32Array(images.length);
      for (let i = 0; i < out.length; i++) out[i] = poissonInverse(s * Math.max(0, images[i]!), rng.next()) / s;
      return clamp01(out);
    }
    case "impulse_noise": {
      const out = Float32Array.from(images);
      for (let i = 0; i < out.length; i++) {
        const hit = rng.next();
        const salt = rng.next();
        if (hit < s) out[i] = salt < 0.5 ? 0 : 1;
      }
      return clamp01(out);
    }
    case "blur":
      return clamp01(gaussianBlur(images, n, h, w, s * scale));
    case "contrast":
      return clamp01(adjustContrast(images, n, h, w, s));
    case "brightness": {
      const out = new Float32Array(images.length);
      for (let i = 0; i < out.length; i++) out[i] = images[i]! + s;
      return clamp01(out);
    }
    case "rotate":
    case "shear":
    case "translate": {
      const out = new Float32Array(images.length);
      for (let k = 0; k < n; k++) {
        const sign = rng.next() < 0.5 ? -1 : 1;
        const angle = rng.uniform(0, 2 * Math.PI);
        const m =
          corruption === "rotate"
            ? affineAboutCentre(h, w, { rotate: sign * s })
            : corruption === "shear"
              ? affineAboutCentre(h, w, { shear: sign * s })
              : affineAboutCentre(h, w, { translate: [s * w * Math.cos(angle), s * h * Math.sin(angle)] });
        warpAffine(images, h, w, m, 0, out, k * size, k * size);
      }
      return clamp01(out);
    }
    case "pixelate": {
      // Each b×b block (from the top-left; partial blocks at the edges) becomes its mean.
      const b = Math.max(2, Math.round(s * scale));
      const out = new Float32Array(images.length);
      for (let k = 0; k < n; k++)
        for (let by = 0; by < h; by += b)
          for (let bx = 0; bx < w; bx += b) {
            const yEnd = Math.min(h, by + b);
            const xEnd = Math.min(w, bx + b);
            let sum = 0;
            for (let y = by; y < yEnd; y++) for (let x = bx; x < xEnd; x++) sum += images[k * size + y * w + x]!;
            const m = sum / ((yEnd - by) * (xEnd - bx));
            for (let y = by; y < yEnd; y++) for (let x = bx; x < xEnd; x++) out[k * size + y * w + x] = m;
          }
      return clamp01(out);
    }
    case "erase": {
      const out = Float32Array.from(images);
      const noise = new Float32Array(size);
      for (let k = 0; k < n; k++) {
        const logAspect = rng.uniform(Math.log(0.5), Math.log(2));
        const cy = rng.next();
        const cx = rng.next();
        for (let i = 0; i < size; i++) noise[i] = rng.next();
        const aspect = Math.exp(logAspect);
        const area = s * size;
        const eh = Math.max(1, Math.min(h, Math.round(Math.sqrt(area * aspect))));
        const ew = Math.max(1, Math.min(w, Math.round(Math.sqrt(area / aspect))));
        // The rectangle's centre is drawn once per image; it is moved inwards as needed to fit.
        const y0 = Math.min(h - eh, Math.max(0, Math.round(cy * h - eh / 2)));
        const x0 = Math.min(w - ew, Math.max(0, Math.round(cx * w - ew / 2)));
        for (let y = y0; y < y0 + eh; y++)
          for (let x = x0; x < x0 + ew; x++) out[k * size + y * w + x] = noise[y * w + x]!;
      }
      return out;
    }
  }
}

/** The Poisson(mean) quantile at u ∈ [0, 1), by summing the pmf (means here are at most a few hundred). */
function poissonInverse(mean: number, u: number): number {
  if (mean <= 0) return 0;
  let k = 0;
  let p = Math.exp(-mean);
  let cdf = p;
  while (u > cdf && k < 10_000) {
    k++;
    p *= mean / k;
    cdf += p;
    if (p === 0 && cdf < u) break; // float underflow far in the tail
  }
  return k;
}
