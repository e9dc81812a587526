// Plain-array helpers over row-major feature matrices ([n, width] as a Float32Array).
// The protocols run in plain JS: a few thousand rows of a hundred features are cheap, and plain
// loops are exactly reproducible on every tfjs backend.

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

/** The k most cosine-similar base rows of every query row. */
export function nearestByCosine(query: FeatureMatrix, base: FeatureMatrix, k: number): Neighbours {
  if (query.width !== base.width) throw new Error(`knn: query width ${query.width} but base width ${base.width}`);
  if (!Number.isInteger(k) || k < 1) throw new Error(`knn: k must be a positive integer, got ${k}`);
  const kk = Math.min(k, base.n);
  const q = l2Normalize(query);
  const b = l2Normalize(base);
  const w = q.width;
  const index = new Int32Array(query.n * kk);
  const similarity = new Float32Array(query.n * kk);
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
      for (let t = 0; t < m; t++) {
        const s = sims[t]!;
        const ts = topS[t]!;
        // Insertion into the sorted top list; strictly greater, so the lower index wins a tie.
        if (s <= ts[kk - 1]!) continue;
        const ti = topI[t]!;
        let p = kk - 1;
        while (p > 0 && s > ts[p - 1]!) {
          ts[p] = ts[p - 1]!;
          ti[p] = ti[p - 1]!;
          p--;
        }
        ts[p] = s;
        ti[p] = r;
      }
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
