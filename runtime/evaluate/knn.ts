// Weighted k-nearest-neighbour classification on frozen features (Wu et al., 2018, "InstDisc"):
// each test feature takes its k most cosine-similar training features, and each neighbour votes
// for its label with weight exp(similarity / τ).
import { type FeatureMatrix, nearestByCosine, type Neighbours } from "./features.js";

/** τ of the InstDisc kNN monitor. */
export const DEFAULT_KNN_TEMPERATURE = 0.07;

export interface KnnResult {
  predicted: Int32Array;
  neighbours: Neighbours;
}

export function knnClassify(
  train: FeatureMatrix,
  trainLabels: ArrayLike<number>,
  test: FeatureMatrix,
  k: number,
  temperature = DEFAULT_KNN_TEMPERATURE,
): KnnResult {
  if (trainLabels.length !== train.n) throw new Error("knn: one label per training feature");
  const neighbours = nearestByCosine(test, train, k);
  return { predicted: knnVote(neighbours, trainLabels, temperature), neighbours };
}

/** The weighted vote over precomputed neighbours (indices into `trainLabels`). */
export function knnVote(nb: Neighbours, trainLabels: ArrayLike<number>, temperature = DEFAULT_KNN_TEMPERATURE): Int32Array {
  if (!(temperature > 0)) throw new Error(`knn: temperature must be > 0, got ${temperature}`);
  let classes = 0;
  for (let i = 0; i < trainLabels.length; i++) classes = Math.max(classes, trainLabels[i]! + 1);
  const n = nb.index.length / nb.k;
  const predicted = new Int32Array(n);
  const votes = new Float64Array(classes);
  for (let i = 0; i < n; i++) {
    votes.fill(0);
    const top = nb.similarity[i * nb.k]!;
    for (let t = 0; t < nb.k; t++) {
      // exp((s − s_max)/τ) ∝ exp(s/τ): the shift cancels in the argmax and keeps exp finite.
      const s = nb.similarity[i * nb.k + t]!;
      votes[trainLabels[nb.index[i * nb.k + t]!]!]! += Math.exp((s - top) / temperature);
    }
    let best = 0;
    for (let c = 1; c < classes; c++) if (votes[c]! > votes[best]!) best = c;
    predicted[i] = best;
  }
  return predicted;
}

/**
 * The kNN OOD score (Sun et al., 2022): the negative cosine distance from each query to its k-th
 * nearest training feature, −(1 − cos); higher means closer to the training data.
 */
export function knnOodScore(train: FeatureMatrix, query: FeatureMatrix, k: number): Float64Array {
  return kthNeighbourScore(nearestByCosine(query, train, k), k);
}

/** −(1 − cos) to the k-th neighbour, from neighbour lists of at least k (fewer if the base is smaller). */
export function kthNeighbourScore(nb: Neighbours, k: number): Float64Array {
  const kk = Math.min(k, nb.k);
  const n = nb.index.length / nb.k;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = -(1 - nb.similarity[i * nb.k + kk - 1]!);
  return out;
}
