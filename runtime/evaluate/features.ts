// Plain-array helpers over row-major feature matrices ([n, width] as a Float32Array).
// The protocols run in plain JS: a few thousand rows of a hundred features are cheap, and plain
// loops are exactly reproducible on every tfjs backend. The one large product, the kNN's
// similarities, is screened by the addon's GEMM where it is built, with the same answer.
import { type EvaluationKernels, evaluationKernels } from "../kernels/index.js";

/** A row-major matrix: `data[i * width + j]`. */
export interface FeatureMatrix {
  data: Float32Array;
  n: number;
  width: number;
}

export function matrix(data: Float32Array, n: number): FeatureMatrix {
  if (n <= 0) throw new Error("a feature matrix needs at least one row");
  if (data.length % n !== 0) throw new Error(`features: ${data.length} values do not split into ${n} rows`);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) throw new Error(`features: value ${i} is ${data[i]} (the encoder produced a non-number)`);
  }
  return { data, n, width: data.length / n };
}

export interface Standardizer {
  mean: Float64Array;
  std: Float64Array;
}

/** Per-feature mean and standard deviation (a constant feature gets std 1, so it maps to 0). */
export function fitStandardizer(x: FeatureMatrix): Standardizer {
  const { data, n, width } = x;
  const mean = new Float64Array(width);
  const std = new Float64Array(width);
  for (let i = 0; i < n; i++) for (let j = 0; j < width; j++) mean[j]! += data[i * width + j]!;
  for (let j = 0; j < width; j++) mean[j]! /= n;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < width; j++) {
      const d = data[i * width + j]! - mean[j]!;
      std[j]! += d * d;
    }
  for (let j = 0; j < width; j++) {
    const s = Math.sqrt(std[j]! / n);
    std[j] = s > 1e-8 ? s : 1;
  }
  return { mean, std };
}

export function standardize(x: FeatureMatrix, s: Standardizer): FeatureMatrix {
  const { data, n, width } = x;
  if (s.mean.length !== width) throw new Error(`standardize: width ${width} but the statistics have ${s.mean.length}`);
  const out = new Float32Array(data.length);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < width; j++) out[i * width + j] = (data[i * width + j]! - s.mean[j]!) / s.std[j]!;
  return { data: out, n, width };
}

/** Each row scaled to unit L2 norm (a zero row stays zero). */
export function l2Normalize(x: FeatureMatrix): FeatureMatrix {
  const { data, n, width } = x;
  const out = new Float32Array(data.length);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < width; j++) s += data[i * width + j]! ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < width; j++) out[i * width + j] = data[i * width + j]! * inv;
  }
  return { data: out, n, width };
}

export interface Neighbours {
  k: number;
  /** [nQuery, k] indices into the base, most similar first (ties: lower index first). */
  index: Int32Array;
  /** [nQuery, k] cosine similarities, descending. */
  similarity: Float32Array;
}

/**
 * The k most cosine-similar base rows of every query row. The similarities are float64 sums, in
 * feature order, of the float32 unit vectors' products; where the addon is built, a float32 GEMM
 * screens the candidates first (nearestByGemm) and the answer is the same to the bit.
 */
export function nearestByCosine(query: FeatureMatrix, base: FeatureMatrix, k: number): Neighbours {
  if (query.width !== base.width) throw new Error(`knn: query width ${query.width} but base width ${base.width}`);
  if (!Number.isInteger(k) || k < 1) throw new Error(`knn: k must be a positive integer, got ${k}`);
  const kk = Math.min(k, base.n);
  const q = l2Normalize(query);
  const b = l2Normalize(base);
  const native = evaluationKernels();
  // The addon takes int32 offsets into one Float32Array holding both sets and a block of products.
  const fits = (q.n + b.n) * q.width + 2 ** 22 + b.n < 2 ** 31 - 1;
  return native && fits ? nearestByGemm(native, q, b, kk) : nearestPlain(q, b, kk);
}

/** Cosine similarity of unit rows: Σ_j q_j·b_j in float64, in feature order (both paths use this sum). */
function exactDot(qd: Float32Array, qo: number, bd: Float32Array, bo: number, w: number): number {
  let s = 0;
  for (let j = 0; j < w; j++) s += qd[qo + j]! * bd[bo + j]!;
  return s;
}

/** Insert (s, r) into a top list sorted descending; strictly greater, so the lower index wins a tie. */
function insertTop(ts: Float64Array, ti: Int32Array, s: number, r: number): void {
  const kk = ts.length;
  if (s <= ts[kk - 1]!) return;
  let p = kk - 1;
  while (p > 0 && s > ts[p - 1]!) {
    ts[p] = ts[p - 1]!;
    ti[p] = ti[p - 1]!;
    p--;
  }
  ts[p] = s;
  ti[p] = r;
}

/**
 * Neighbours by a float32 GEMM screen: the products of a block of query rows with every base row
 * (addon sgemm), then, per query row, the exact float64 similarity of the candidates only. A float32
 * dot product of two unit vectors of width w is off by at most γ_w ≈ w·2⁻²⁴ in any summation order,
 * so a row of the true top k lies within 2·eps of the k-th largest float32 product (eps bounds that
 * error with room to spare); every row that close is a candidate, and the candidates, taken in index
 * order through the same insertion as nearestPlain, give exactly its answer.
 */
function nearestByGemm(native: EvaluationKernels, q: FeatureMatrix, b: FeatureMatrix, kk: number): Neighbours {
  const w = q.width;
  const nb = b.n;
  // Query rows per block: at most 2²² products (16 MB) at a time.
  const block = Math.max(1, Math.min(q.n, Math.floor(2 ** 22 / nb)));
  const qOff = 0;
  const bOff = q.n * w;
  const out = bOff + nb * w;
  const heap = new Float32Array(out + block * nb);
  heap.set(q.data, qOff);
  heap.set(b.data, bOff);
  const eps = (w + 4) * 2 ** -23;
  const index = new Int32Array(q.n * kk);
  const similarity = new Float32Array(q.n * kk);
  const screen = new Float64Array(kk);
  const ts = new Float64Array(kk);
  const ti = new Int32Array(kk);
  const dummy = new Int32Array(kk);
  for (let i0 = 0; i0 < q.n; i0 += block) {
    const m = Math.min(block, q.n - i0);
    native.sgemm(heap, false, true, m, nb, w, Int32Array.of(qOff + i0 * w), Int32Array.of(bOff), out);
    for (let t = 0; t < m; t++) {
      const row = out + t * nb;
      screen.fill(-Infinity);
      for (let r = 0; r < nb; r++) insertTop(screen, dummy, heap[row + r]!, r);
      const floor = screen[kk - 1]! - 2 * eps;
      ts.fill(-Infinity);
      ti.fill(-1);
      const qo = (i0 + t) * w;
      for (let r = 0; r < nb; r++) if (heap[row + r]! >= floor) insertTop(ts, ti, exactDot(q.data, qo, b.data, r * w, w), r);
      index.set(ti, (i0 + t) * kk);
      for (let u = 0; u < kk; u++) similarity[(i0 + t) * kk + u] = ts[u]!;
    }
  }
  return { k: kk, index, similarity };
}

/** Neighbours by plain loops over every (query, base) pair: the fallback without the addon. */
function nearestPlain(q: FeatureMatrix, b: FeatureMatrix, kk: number): Neighbours {
  const w = q.width;
  const index = new Int32Array(q.n * kk);
  const similarity = new Float32Array(q.n * kk);
  // Four query rows at a time share each pass over a base row (the base is the large side).
  const B = 4;
  const topS = Array.from({ length: B }, () => new Float64Array(kk));
  const topI = Array.from({ length: B }, () => new Int32Array(kk));
  const sims = new Float64Array(B);
  const qd = q.data;
  const bd = b.data;
  for (let i0 = 0; i0 < q.n; i0 += B) {
    const m = Math.min(B, q.n - i0);
    for (let t = 0; t < m; t++) {
      topS[t]!.fill(-Infinity);
      topI[t]!.fill(-1);
    }
    const o0 = i0 * w;
    const o1 = o0 + w;
    const o2 = o1 + w;
    const o3 = o2 + w;
    for (let r = 0; r < b.n; r++) {
      const bo = r * w;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      if (m === B) {
        for (let j = 0; j < w; j++) {
          const v = bd[bo + j]!;
          s0 += qd[o0 + j]! * v;
          s1 += qd[o1 + j]! * v;
          s2 += qd[o2 + j]! * v;
          s3 += qd[o3 + j]! * v;
        }
      } else {
        for (let j = 0; j < w; j++) {
          const v = bd[bo + j]!;
          s0 += qd[o0 + j]! * v;
          if (m > 1) s1 += qd[o1 + j]! * v;
          if (m > 2) s2 += qd[o2 + j]! * v;
        }
      }
      sims[0] = s0;
      sims[1] = s1;
      sims[2] = s2;
      sims[3] = s3;
      for (let t = 0; t < m; t++) insertTop(topS[t]!, topI[t]!, sims[t]!, r);
    }
    for (let t = 0; t < m; t++)
      for (let u = 0; u < kk; u++) {
        index[(i0 + t) * kk + u] = topI[t]![u]!;
        similarity[(i0 + t) * kk + u] = topS[t]![u]!;
      }
  }
  return { k: kk, index, similarity };
}

/** The first k of each row's neighbours (k ≤ nb.k). */
export function firstNeighbours(nb: Neighbours, k: number): Neighbours {
  if (k >= nb.k) return nb;
  const n = nb.index.length / nb.k;
  const index = new Int32Array(n * k);
  const similarity = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    index.set(nb.index.subarray(i * nb.k, i * nb.k + k), i * k);
    similarity.set(nb.similarity.subarray(i * nb.k, i * nb.k + k), i * k);
  }
  return { k, index, similarity };
}
