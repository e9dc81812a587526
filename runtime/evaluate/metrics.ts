// Scores → numbers: the ranking metrics of OOD detection and the calibration of a classifier.
// Everything here is exact and deterministic; ties are handled explicitly so that a hand
// computation on a small ranking gives the same figure (see docs/evaluation.md).

/** Higher score = "more in-distribution". `pos` are the in-distribution scores, `neg` the outliers'. */
export interface RankingMetrics {
  /** P(score(in) > score(out)) + ½·P(equal): the Mann–Whitney U statistic over |in|·|out|. */
  auroc: number;
  /** Average precision with the in-distribution set as the positives. */
  auprIn: number;
  /** Average precision with the outliers as the positives and the score negated. */
  auprOut: number;
  /** Fraction of outliers accepted at the highest threshold that accepts ≥ 95% of the in-distribution set. */
  fpr95: number;
}

/** A comparator that is exact for ±Infinity (an infinitely unlikely image is a valid score); NaN is refused. */
function ascending(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) throw new Error("a score is NaN: the model produced a non-number");
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Exact AUROC by midranks: ties (within or across the two sets) count one half. */
export function auroc(pos: ArrayLike<number>, neg: ArrayLike<number>): number {
  const np = pos.length;
  const nn = neg.length;
  if (np === 0 || nn === 0) throw new Error("auroc needs at least one score in each set");
  const all: { s: number; p: boolean }[] = [];
  for (let i = 0; i < np; i++) all.push({ s: pos[i]!, p: true });
  for (let i = 0; i < nn; i++) all.push({ s: neg[i]!, p: false });
  all.sort((a, b) => ascending(a.s, b.s));
  // Sum of the positives' (1-based, mid-)ranks.
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j]!.s === all[i]!.s) j++;
    const mid = (i + 1 + j) / 2; // mean of ranks i+1 … j
    for (let t = i; t < j; t++) if (all[t]!.p) rankSum += mid;
    i = j;
  }
  const u = rankSum - (np * (np + 1)) / 2;
  return u / (np * nn);
}

/**
 * Average precision: Σ over distinct thresholds t (descending) of (R_t − R_{t−1})·P_t, where a
 * threshold accepts every score ≥ t, so tied scores enter together (as scikit-learn's
 * average_precision_score).
 */
export function averagePrecision(pos: ArrayLike<number>, neg: ArrayLike<number>): number {
  const np = pos.length;
  if (np === 0) throw new Error("average precision needs at least one positive");
  const all: { s: number; p: boolean }[] = [];
  for (let i = 0; i < np; i++) all.push({ s: pos[i]!, p: true });
  for (let i = 0; i < neg.length; i++) all.push({ s: neg[i]!, p: false });
  all.sort((a, b) => ascending(b.s, a.s));
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let prevRecall = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j]!.s === all[i]!.s) {
      if (all[j]!.p) tp++;
      else fp++;
      j++;
    }
    const recall = tp / np;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
    i = j;
  }
  return ap;
}

/**
 * False positive rate at 95% true positive rate: the in-distribution set are the positives; the
 * threshold is the highest distinct score t such that at least 95% of them score ≥ t; the figure is
 * the fraction of outliers that score ≥ t.
 */
export function fprAtTpr(pos: ArrayLike<number>, neg: ArrayLike<number>, tpr = 0.95): number {
  const np = pos.length;
  const nn = neg.length;
  if (np === 0 || nn === 0) throw new Error("fpr at tpr needs at least one score in each set");
  const sorted = Array.from(pos).sort((a, b) => ascending(b, a));
  // Smallest count of accepted positives that reaches the rate; the threshold is that positive's
  // score, and every positive tied with it is accepted too.
  const needed = Math.max(1, Math.ceil(tpr * np - 1e-9));
  const threshold = sorted[needed - 1]!;
  let fp = 0;
  for (let i = 0; i < nn; i++) if (neg[i]! >= threshold) fp++;
  return fp / nn;
}

export function rankingMetrics(pos: ArrayLike<number>, neg: ArrayLike<number>): RankingMetrics {
  const negate = (xs: ArrayLike<number>) => Float64Array.from(xs as ArrayLike<number>, (x) => -x);
  return {
    auroc: auroc(pos, neg),
    auprIn: averagePrecision(pos, neg),
    auprOut: averagePrecision(negate(neg), negate(pos)),
    fpr95: fprAtTpr(pos, neg, 0.95),
  };
}

export const ECE_BINS = 15;

/**
 * Expected calibration error (Guo et al., 2017): the predictions are put in `bins` equal-width
 * bins of confidence ((m−1)/M, m/M]; ECE = Σ_m |B_m|/n · |accuracy(B_m) − mean confidence(B_m)|.
 * `confidence[i]` is the probability the model gave its predicted class; `correct[i]` whether
 * that prediction was right.
 */
export function expectedCalibrationError(
  confidence: ArrayLike<number>,
  correct: ArrayLike<boolean | number>,
  bins = ECE_BINS,
): number {
  const n = confidence.length;
  if (n === 0) throw new Error("ECE needs at least one prediction");
  const count = new Float64Array(bins);
  const conf = new Float64Array(bins);
  const acc = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const c = confidence[i]!;
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(c * bins) - 1));
    count[b]! += 1;
    conf[b]! += c;
    acc[b]! += correct[i] ? 1 : 0;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    if (count[b] === 0) continue;
    ece += Math.abs(acc[b]! / count[b]! - conf[b]! / count[b]!) * (count[b]! / n);
  }
  return ece;
}

/** Fraction of positions where the two label arrays agree. */
export function accuracy(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (predicted.length !== labels.length) throw new Error("accuracy: length mismatch");
  if (labels.length === 0) throw new Error("accuracy needs at least one label");
  let hit = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) hit++;
  return hit / labels.length;
}

export function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) throw new Error("mean of nothing");
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}
