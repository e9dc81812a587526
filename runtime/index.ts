// The runtime's public surface: what the CLI, the sweep runner and the bench use.
export { selectBackend, listBackends, tfVersions, BACKEND_PREFERENCES, type BackendChoice, type BackendPreference, type BackendStatus } from "./backend.js";
export { Model, type Param } from "./model.js";
export { ntxent, bitsPerDim, bitsPerDimPerImage } from "./losses.js";
export { learningRate, evalScalar, lossWeights } from "./schedule.js";
export { Optimizer } from "./optimizer.js";
export { Trainer, Sampler, NonFiniteError, type StepResult } from "./train.js";
export { saveCheckpoint, loadCheckpoint, listCheckpoints, latestCheckpoint, findCheckpoint, type Checkpoint, type CheckpointState } from "./checkpoint.js";
export { runExperiment, defaultRunDir, effectiveIr, type RunOptions, type RunOutcome } from "./run.js";
export { RUN_FILES, readRunEvents, readRunIr, readRunResult, runFile, type RunResult, type RunResultFile, type RunStatus } from "./run-folder.js";
export { evaluateCheckpoint } from "./evaluate-run.js";
export { encodeSafetensors, decodeSafetensors, readSafetensorsFile, type NamedTensor } from "./export.js";
export { exportRun } from "./export-run.js";
export { writeFileAtomic } from "./atomic.js";
export { features, bitsPerDim as imageBitsPerDim, sample, evalContext, datasetLoader } from "./inference.js";
export { EventBus, type RunEvent } from "./events.js";
