// The Pareto front over a sweep's objectives. A point dominates another when it is at least as
// good on every objective and strictly better on one; points equal on every objective do not
// dominate each other, so ties stay on the front together.

export interface Objective {
  direction: "maximize" | "minimize";
  metric: string;
}

export interface ParetoInput {
  key: string;
  /** One value per objective, in the objectives' order; null (or NaN) where the metric is missing. */
  values: (number | null)[];
}

export type ParetoStatus = "front" | "dominated" | "unranked";

export interface ParetoMark {
  status: ParetoStatus;
  /** Keys of the points that dominate this one (empty on the front). */
  dominatedBy: string[];
}

/** True when `a` dominates `b` under the given directions. */
export function dominates(a: number[], b: number[], directions: Objective["direction"][]): boolean {
  let strictly = false;
  for (let i = 0; i < directions.length; i++) {
    const better = directions[i] === "maximize" ? a[i]! - b[i]! : b[i]! - a[i]!;
    if (better < 0) return false;
    if (better > 0) strictly = true;
  }
  return strictly;
}

/**
 * Marks every point as on the front, dominated (with the points dominating it), or unranked
 * when one of its objective values is missing. With no objectives every point is unranked.
 */
export function paretoFront(points: ParetoInput[], objectives: Objective[]): Map<string, ParetoMark> {
  const marks = new Map<string, ParetoMark>();
  const directions = objectives.map((o) => o.direction);
  const ranked: { key: string; values: number[] }[] = [];
  for (const p of points) {
    const complete =
      objectives.length > 0 &&
      p.values.length === objectives.length &&
      p.values.every((v) => v !== null && Number.isFinite(v));
    if (complete) ranked.push({ key: p.key, values: p.values as number[] });
    else marks.set(p.key, { status: "unranked", dominatedBy: [] });
  }
  for (const p of ranked) {
    const by = ranked.filter((q) => q !== p && dominates(q.values, p.values, directions)).map((q) => q.key);
    marks.set(p.key, { status: by.length ? "dominated" : "front", dominatedBy: by });
  }
  return marks;
}
