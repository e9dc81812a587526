// `hgc eval`: the evaluation protocols over a saved checkpoint of a run folder.
import path from "node:path";
import { selectBackend, type BackendChoice, type BackendPreference } from "./backend.js";
import { checkWeightsFit, findCheckpoint, loadCheckpoint } from "./checkpoint.js";
import { jsonDiff } from "../compiler/diff.js";
import { duringIo } from "./faults.js";
import type { EventBus, Metrics } from "./events.js";
import { writeFileAtomic } from "./atomic.js";
import { datasetLoader, evalContext, runBaselines } from "./inference.js";
import { Model } from "./model.js";
import { bestCheckpoint } from "./best.js";
import { readRunIr, runFile } from "./run-folder.js";
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
export async function evaluateCheckpoint(runDir: string, opts: { step?: number; best?: boolean; backend?: BackendPreference; bus?: EventBus; cacheDir?: string; warn?: (message: string) => void } = {}): Promise<CheckpointEvaluation> {
  const runIr = readRunIr(runDir);
  // --best: the top checkpoint of keep_best (checkpoints/best/), else the step asked for or the latest
  const ref = opts.best ? bestCheckpoint(runDir) : findCheckpoint(runDir, opts.step);
  // Verified before anything else: a damaged checkpoint is refused, never evaluated.
  const ckpt = loadCheckpoint(ref.path);
  const warn = opts.warn ?? (() => {});
  if (!ckpt.verified) warn(`the checkpoint ${ckpt.path} has no checksums (written by an older hgc): it is used unverified`);
  // The weights belong to the experiment that wrote them: the checkpoint's own copy of it wins.
  const ir = ckpt.ir ?? runIr;
  const edited = ckpt.ir ? jsonDiff(ckpt.ir, runIr).map((c) => c.path) : [];
  if (edited.length) warn(`${runFile(runDir, "ir")} differs from the checkpoint's own experiment (${edited.slice(0, 5).join(", ")}${edited.length > 5 ? ", …" : ""}): evaluating with the checkpoint's`);
  const backend = await selectBackend(opts.backend ?? "auto");
  const t0 = Date.now();
  const model = new Model(ir, ir.seed);
  try {
    checkWeightsFit(ckpt, model.saved);
    model.writeWeights(ckpt.weights);
    const baselines = runBaselines(ir, ir.seed);
    const ctx = evalContext(model, runDir, ref.step, ir.seed, datasetLoader(ir, [], opts.cacheDir), baselines);
    let r: Awaited<ReturnType<typeof evaluate>>;
    try {
      r = await evaluate(ir.evaluate, ctx);
    } finally {
      baselines.release();
    }
    const elapsedMs = Date.now() - t0;
    opts.bus?.emit({ type: "eval", step: ref.step, metrics: r.metrics, skipped: r.skipped, elapsedMs });
    const out = path.join(runDir, `eval-step${ref.step}.json`);
    duringIo(`writing ${out}`, () => writeFileAtomic(out, `${JSON.stringify({ step: ref.step, backend: backend.name, metrics: r.metrics, skipped: r.skipped, probes: r.probes, elapsedMs }, null, 2)}\n`));
    return { step: ref.step, metrics: r.metrics, skipped: r.skipped, backend, elapsedMs, path: out };
  } finally {
    model.dispose();
  }
}
