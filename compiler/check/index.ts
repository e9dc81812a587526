// The checker: kinds, shapes, ranges and units, objective typing and protocols of one flattened
// experiment, one module per item kind over a shared CheckContext. It reports every mistake it
// can find (never only the first) and, when there are none, returns the experiment as IR parts
// with every default filled in. Sweeps are checked too: their statements and each trial.
export type { CheckExperimentOptions, IRBody, ItemInfo, Reference } from "./context.js";
export { checkExperiment, type ExperimentCheck } from "./experiment.js";
export { checkSweep, gridPoints, MAX_TRIALS, simplexPoints, type GridAxis, type SweepCheck } from "./sweep.js";
export { MAX_SEQUENCE } from "./tokens.js";
