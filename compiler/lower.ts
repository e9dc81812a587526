// Checked experiment → IR: the estimates (parameters, FLOPs, images per step) and the content
// hash are added to the checked body, and sweeps are expanded into their trials. The result is
// validated against ir.schema.json before anyone sees it.
import { gridPoints, type IRBody, type SweepCheck } from "./check/index.js";
import { hashIR, trialId } from "./hash.js";
import type { IRExperiment, IRSweep, IRTrial } from "./ir.js";
import { estimate } from "./shapes.js";

export { canonicalJSON, hashIR, trialId } from "./hash.js";

/** The full IR of a checked experiment body. */
export function lowerExperiment(body: IRBody, seed?: number): IRExperiment {
  const withSeed: IRBody = seed === undefined ? body : { ...body, seed };
  const estimates = estimate(withSeed);
  const ir: Omit<IRExperiment, "hash"> = { ...withSeed, estimates };
  return { ...ir, hash: hashIR(ir) };
}


/**
 * The trials of a checked sweep: experiments × grid points × seeds, in that nesting order. `bodyOf`
 * returns the checked body of an experiment at a grid point (the caller checks each point).
 */
export function lowerSweep(sc: SweepCheck, bodyOf: (experiment: string, point: Record<string, number>) => IRBody | null): IRSweep | null {
  const trials: IRTrial[] = [];
  // a search's points are drawn when it runs (runtime/sweep/search.ts); its trials come then
  const points = sc.search ? [] : gridPoints(sc.axes);
  for (const experiment of sc.experiments) {
    for (const point of points) {
      const body = bodyOf(experiment, point);
      if (!body) return null;
      for (const seed of sc.seeds ?? [body.seed]) {
        const ir = lowerExperiment(body, seed);
        trials.push({ id: trialId(ir.hash, seed), experiment, point, seed, ir });
      }
    }
  }
  return {
    irVersion: 1,
    name: sc.name,
    jobs: sc.jobs,
    objectives: sc.objectives,
    params: sc.search ? Object.keys(sc.search.space).sort() : sc.axes.flatMap((a) => a.names),
    trials,
    ...(sc.slurm ? { slurm: sc.slurm } : {}),
    ...(sc.search ? { search: sc.search } : {}),
    ...(sc.prune ? { prune: sc.prune } : {}),
  };
}
