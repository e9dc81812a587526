// `prune = asha(metric: M, grace: g, reduction: η)`: asynchronous successive halving (Li et al.,
// "A System for Massively Parallel Hyperparameter Tuning", MLSys 2020), in its stopping form.
// Rung k sits at g·η^k training steps. The first evaluation of a trial at or past a rung records
// the trial's M there; the trial goes on only when that value is among the top ⌊n/η⌋ of the n
// values recorded at the rung so far (its own included), and while fewer than η trials have
// reached the rung, only when it is the best of them — the rule of Optuna's
// SuccessiveHalvingPruner (`_is_trial_promotable_to_next_rung`), which stops trials rather than
// pausing them. Decisions depend on the order trials reach a rung, as in every asynchronous
// scheme; the rungs are saved (asha.json in the sweep folder) so a resumed sweep judges the
// remaining trials against the same record.
import { readFileSync } from "node:fs";
import { writeJsonAtomic } from "../atomic.js";

export interface PruneSpec {
  method: "asha";
  metric: string;
  direction: "maximize" | "minimize";
  /** Steps before the first rung. */
  grace: number;
  /** η: each rung keeps about 1/η of the trials that reach it. */
  reduction: number;
}

export interface PruneDecision {
  rung: number;
  /** The rung's step (g·η^rung). */
  at: number;
  step: number;
  value: number;
  /** The values the trial was ranked among (its own included), best first. */
  competing: number[];
}

interface AshaFile {
  spec: PruneSpec;
  /** rung → trial id → the value recorded there. */
  rungs: Record<string, number>[];
}

/** The index of the highest rung at or below `step` (−1 before the grace period ends). */
export function rungOf(spec: PruneSpec, step: number): number {
  if (step < spec.grace) return -1;
  let k = 0;
  while (spec.grace * spec.reduction ** (k + 1) <= step) k++;
  return k;
}

/** Optuna's promotion rule: is `value` among the top ⌊n/η⌋ (at least the top 1) of `competing`? */
export function promotable(value: number, competing: readonly number[], reduction: number, direction: PruneSpec["direction"]): boolean {
  const sorted = [...competing].sort((a, b) => a - b);
  const idx = Math.max(0, Math.floor(sorted.length / reduction) - 1);
  return direction === "maximize" ? value >= sorted[sorted.length - 1 - idx]! : value <= sorted[idx]!;
}

export class Asha {
  private readonly rungs: Map<string, number>[] = [];

  constructor(
    readonly spec: PruneSpec,
    private readonly file?: string,
  ) {
    if (!file) return;
    try {
      const saved = JSON.parse(readFileSync(file, "utf8")) as AshaFile;
      if (JSON.stringify(saved.spec) === JSON.stringify(spec)) for (const r of saved.rungs) this.rungs.push(new Map(Object.entries(r)));
    } catch {
      // no record yet (or another rule's): start one
    }
  }

  /**
   * An evaluation of trial `id` at `step` gave `value`: null to go on, or why it stops. A trial is
   * judged once per rung (its first evaluation there); a non-finite value stops it at once.
   */
  report(id: string, step: number, value: number | null | undefined): PruneDecision | null {
    const k = rungOf(this.spec, step);
    if (k < 0) return null;
    while (this.rungs.length <= k) this.rungs.push(new Map());
    const rung = this.rungs[k]!;
    if (rung.has(id)) return null;
    const v = typeof value === "number" && Number.isFinite(value) ? value : this.spec.direction === "maximize" ? -Infinity : Infinity;
    rung.set(id, v);
    this.save();
    const competing = [...rung.values()];
    if (Number.isFinite(v) && promotable(v, competing, this.spec.reduction, this.spec.direction)) return null;
    const best = competing.sort((a, b) => (this.spec.direction === "maximize" ? b - a : a - b));
    return { rung: k, at: this.spec.grace * this.spec.reduction ** k, step, value: v, competing: best };
  }

  private save(): void {
    if (!this.file) return;
    writeJsonAtomic(this.file, { spec: this.spec, rungs: this.rungs.map((r) => Object.fromEntries(r)) } satisfies AshaFile);
  }
}
