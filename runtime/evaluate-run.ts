// `hgc eval`: the evaluation protocols over a saved checkpoint of a run folder.
import path from "node:path";
import { selectBackend, type BackendChoice, type BackendPreference } from "./backend.js";
import { findCheckpoint, loadCheckpoint } from "./checkpoint.js";
import type { EventBus, Metrics } from "./events.js";
import { writeFileAtomic } from "./atomic.js";
import { datasetLoader, evalContext } from "./inference.js";
import { Model } from "./model.js";
import { readRunIr } from "./run-folder.js";
import { evaluate } from "./evaluate/index.js";

export interface CheckpointEvaluation {
  step: number;
  metrics: Metrics;
  skipped: { protocol: string; reason: string }[];
  backend: BackendChoice;
  elapsedMs: number;
  /** Where the figures were written: RUN/eval-step<N>.json. */
  path: string;
}

/** Evaluate the checkpoint at `step` (default the latest) with the run's own evaluate { } block. */
export async function evaluateCheckpoint(runDir: string, opts: { step?: number; backend?: BackendPreference; bus?: EventBus; cacheDir?: string } = {}): Promise<CheckpointEvaluation> {
  const ir = readRunIr(runDir);
  const ref = findCheckpoint(runDir, opts.step);
  const backend = await selectBackend(opts.backend ?? "auto");
  const t0 = Date.now();
  const ckpt = loadCheckpoint(ref.path);
  const model = new Model(ir, ir.seed);
  try {
    model.writeWeights(ckpt.weights);
    const ctx = evalContext(model, runDir, ref.step, ir.seed, datasetLoader(ir, [], opts.cacheDir));
    const r = await evaluate(ir.evaluate, ctx);
    const elapsedMs = Date.now() - t0;
    opts.bus?.emit({ type: "eval", step: ref.step, metrics: r.metrics, skipped: r.skipped, elapsedMs });
    const out = path.join(runDir, `eval-step${ref.step}.json`);
    writeFileAtomic(out, `${JSON.stringify({ step: ref.step, backend: backend.name, metrics: r.metrics, skipped: r.skipped, elapsedMs }, null, 2)}\n`);
    return { step: ref.step, metrics: r.metrics, skipped: r.skipped, backend, elapsedMs, path: out };
  } finally {
    model.dispose();
  }
}
