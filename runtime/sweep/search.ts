// `search random(trials: N)` and `search tpe(trials: N)`: where a sweep's next points come from,
// over the params declared with a range (`param lr = 1e-4..1e-2 log`).
//
// random: point i is drawn uniformly (log-uniformly for `log`) from a generator seeded by the
// search's seed and i alone, so the points do not depend on results, order or `jobs`.
//
// tpe: the Tree-structured Parzen Estimator of Bergstra, Bardenet, Bengio & Kégl, "Algorithms for
// Hyper-Parameter Optimization" (NeurIPS 2011), in hyperopt's form (no npm package implements it
// for Node; optuna and hyperopt are Python). The first `startup` points are random; after that,
// the observed points are split into the best γ = 25% ("good", at least one) and the rest. For each
// param on its own (the "independent" TPE of the paper and of hyperopt), in log space for `log`
// params, a Parzen estimator is fitted to each group: a Gaussian at every observation plus one
// at the middle of the range as the prior, each as wide as the larger gap to its sorted neighbours
// (clipped to [range / min(100, n + 1), range]), truncated to the range, the prior weighted
// like one observation. 24 candidates are drawn from the good density l(x); the one maximising
// l(x) / g(x) (expected improvement under TPE's model) is the next value.
//
// Several objectives (a sweep's `objectives`): observations are ordered by Pareto rank (non-
// dominated sorting), ties broken by the sum of each objective's normalised rank, so "good" is the
// front first — the split of MOTPE (Ozaki et al. 2020) without its hypervolume tie-break.
//
// Determinism: candidate draws for point i come from a generator seeded by (seed, i); results
// arrive in batches of `jobs` (runtime/sweep/run.ts), so the same file, seed and jobs give the
// same points, and a resumed search proposes again exactly the points it proposed before.
import { Rng } from "../rng.js";

export interface SearchParam {
  low: number;
  high: number;
  /** Searched on a log scale (`1e-4..1e-2 log`). */
  log: boolean;
  /** Both bounds written as integers: the values are rounded. */
  int: boolean;
}

export interface SearchSpec {
  method: "random" | "tpe";
  /** Points to try (each run once per seed). */
  trials: number;
  seed: number;
  /** Param → its range. */
  space: Record<string, SearchParam>;
}

/** One tried point and its objective values, each oriented so that lower is better. */
export interface Observation {
  point: Record<string, number>;
  losses: number[];
}

/** TPE's defaults (hyperopt): random points first, the good fraction, candidates per draw. */
export const TPE = { gamma: 0.25, candidates: 24, startup: (trials: number) => Math.max(2, Math.min(10, Math.floor(trials / 3))) };

function toInternal(p: SearchParam, v: number): number {
  return p.log ? Math.log(v) : v;
}

function fromInternal(p: SearchParam, x: number): number {
  const v = p.log ? Math.exp(x) : x;
  const r = p.int ? Math.round(v) : v;
  return Math.min(p.high, Math.max(p.low, r));
}

function bounds(p: SearchParam): [number, number] {
  return [toInternal(p, p.low), toInternal(p, p.high)];
}

/** Point i of a random search: uniform in each param's (log) range, from (seed, i) alone. */
export function randomPoint(spec: SearchSpec, i: number): Record<string, number> {
  const rng = new Rng(`search:${spec.seed}:${i}`);
  const point: Record<string, number> = {};
  for (const name of Object.keys(spec.space).sort()) {
    const p = spec.space[name]!;
    const [lo, hi] = bounds(p);
    point[name] = fromInternal(p, rng.uniform(lo, hi));
  }
  return point;
}

// ---- ranking -----------------------------------------------------------------------------------

function dominates(a: number[], b: number[]): boolean {
  let strictly = false;
  for (let k = 0; k < a.length; k++) {
    if (a[k]! > b[k]!) return false;
    if (a[k]! < b[k]!) strictly = true;
  }
  return strictly;
}

/** The observations best first: Pareto rank, then the sum of per-objective ranks, then order tried. */
export function rankObservations(obs: readonly Observation[]): Observation[] {
  const n = obs.length;
  const rank = new Array<number>(n).fill(-1);
  let left = n;
  for (let r = 0; left > 0; r++) {
    // the next front: the unranked observations no other unranked one dominates
    const front = [...obs.keys()].filter((i) => rank[i]! < 0 && !obs.some((o, j) => j !== i && rank[j]! < 0 && dominates(o.losses, obs[i]!.losses)));
    for (const i of front) rank[i] = r;
    left -= front.length;
  }
  const m = obs[0]?.losses.length ?? 0;
  const sumRank = new Array<number>(n).fill(0);
  for (let k = 0; k < m; k++) {
    const order = [...obs.keys()].sort((a, b) => obs[a]!.losses[k]! - obs[b]!.losses[k]!);
    order.forEach((i, r) => (sumRank[i]! += r));
  }
  return [...obs.keys()].sort((a, b) => rank[a]! - rank[b]! || sumRank[a]! - sumRank[b]! || a - b).map((i) => obs[i]!);
}

// ---- the Parzen estimator ----------------------------------------------------------------------

interface Parzen {
  mus: number[];
  sigmas: number[];
  weights: number[];
  lo: number;
  hi: number;
}

/** hyperopt's adaptive Parzen estimator of `xs` on [lo, hi], with a prior at the middle. */
export function parzen(xs: readonly number[], lo: number, hi: number): Parzen {
  const prior = (lo + hi) / 2;
  const range = hi - lo;
  const all = [...xs.map((x, i) => ({ x, prior: false, i })), { x: prior, prior: true, i: -1 }].sort((a, b) => a.x - b.x);
  const minSigma = range / Math.min(100, xs.length + 1);
  const mus: number[] = [];
  const sigmas: number[] = [];
  for (let k = 0; k < all.length; k++) {
    const left = k > 0 ? all[k]!.x - all[k - 1]!.x : all[k]!.x - lo;
    const right = k < all.length - 1 ? all[k + 1]!.x - all[k]!.x : hi - all[k]!.x;
    mus.push(all[k]!.x);
    sigmas.push(all[k]!.prior ? range : Math.min(range, Math.max(minSigma, left, right)));
  }
  const weights = all.map(() => 1 / all.length);
  return { mus, sigmas, weights, lo, hi };
}

function normalCdf(z: number): number {
  // Abramowitz & Stegun 7.1.26 via erf: ample for ratios of densities
  const t = 1 / (1 + 0.3275911 * Math.abs(z / Math.SQRT2));
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** log density of the truncated mixture at x. */
export function logDensity(p: Parzen, x: number): number {
  let total = 0;
  for (let k = 0; k < p.mus.length; k++) {
    const mu = p.mus[k]!;
    const s = p.sigmas[k]!;
    const mass = normalCdf((p.hi - mu) / s) - normalCdf((p.lo - mu) / s);
    const z = (x - mu) / s;
    total += (p.weights[k]! * Math.exp(-0.5 * z * z)) / (s * Math.sqrt(2 * Math.PI) * Math.max(mass, 1e-12));
  }
  return Math.log(Math.max(total, 1e-300));
}

/** One draw from the truncated mixture (rejection inside the range). */
function sample(p: Parzen, rng: Rng): number {
  for (;;) {
    let u = rng.next();
    let k = 0;
    while (k < p.weights.length - 1 && u >= p.weights[k]!) u -= p.weights[k++]!;
    const x = rng.normal(p.mus[k]!, p.sigmas[k]!);
    if (x >= p.lo && x <= p.hi) return x;
  }
}

/**
 * The next point of a TPE search given what has been observed. With fewer than `startup`
 * observations it is the random search's point i.
 */
export function tpePoint(spec: SearchSpec, i: number, observed: readonly Observation[]): Record<string, number> {
  if (observed.length < TPE.startup(spec.trials)) return randomPoint(spec, i);
  const ranked = rankObservations(observed);
  const nGood = Math.max(1, Math.ceil(TPE.gamma * ranked.length));
  const good = ranked.slice(0, nGood);
  const bad = ranked.slice(nGood);
  const rng = new Rng(`tpe:${spec.seed}:${i}`);
  const point: Record<string, number> = {};
  for (const name of Object.keys(spec.space).sort()) {
    const p = spec.space[name]!;
    const [lo, hi] = bounds(p);
    const l = parzen(good.map((o) => toInternal(p, o.point[name]!)), lo, hi);
    const g = parzen(bad.map((o) => toInternal(p, o.point[name]!)), lo, hi);
    let best = NaN;
    let bestScore = -Infinity;
    for (let c = 0; c < TPE.candidates; c++) {
      const x = sample(l, rng);
      const score = logDensity(l, x) - logDensity(g, x);
      if (score > bestScore) (bestScore = score), (best = x);
    }
    point[name] = fromInternal(p, best);
  }
  return point;
}

/** Point i of a search, given the observations so far (ignored by random). */
export function nextPoint(spec: SearchSpec, i: number, observed: readonly Observation[]): Record<string, number> {
  return spec.method === "random" ? randomPoint(spec, i) : tpePoint(spec, i, observed);
}

/** The points known before any result: all of a random search's, the random start of a TPE search. */
export function initialPoints(spec: SearchSpec): Record<string, number>[] {
  const n = spec.method === "random" ? spec.trials : Math.min(spec.trials, TPE.startup(spec.trials));
  return Array.from({ length: n }, (_, i) => randomPoint(spec, i));
}
