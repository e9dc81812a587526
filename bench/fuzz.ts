// The whole front end on mutated programs: check → compile (every experiment and sweep, IR
// validated against ir.schema.json) → fmt → check. A crash is any exception; a hang is an input
// that takes longer than HANG_MS. The suite runs a few thousand (test/compiler/pipeline.test.ts);
// `npm run bench` runs 100,000.
import { checkSource, compileExperiment, compileSweep, type CheckResult } from "../compiler/index.js";
import { format } from "../compiler/format.js";
import { renderDiagnostics } from "../compiler/diagnostics.js";

/** An input slower than this counts as a hang. */
export const HANG_MS = 5000;

export interface PipelineOutcome {
  /** The exception's message when any stage threw. */
  crash?: string;
  ms: number;
  /** Experiments and sweeps compiled to schema-valid IR. */
  compiled: number;
  /** The formatted text checks differently from the input (errors appear or vanish). */
  fmtChanged: boolean;
}

function errorCodes(r: CheckResult): string {
  return r.diagnostics
    .filter((d) => d.severity === "error")
    .map((d) => d.code)
    .sort()
    .join(",");
}

/** One input through every stage; never throws. */
export function runPipeline(input: string, file: string): PipelineOutcome {
  const t0 = performance.now();
  let compiled = 0;
  let fmtChanged = false;
  try {
    const r = checkSource(input, file);
    renderDiagnostics(r.diagnostics, r.sources);
    if (!r.diagnostics.some((d) => d.severity === "error")) {
      for (const name of r.experiments.keys()) if (compileExperiment(r, name).value) compiled++;
      for (const name of r.sweeps.keys()) if (compileSweep(r, name).value) compiled++;
    }
    const f = format(input, file);
    if (f.value !== input && !f.diagnostics.some((d) => d.severity === "error")) {
      const again = checkSource(f.value, file);
      fmtChanged = errorCodes(again) !== errorCodes(r);
    }
  } catch (err) {
    return { crash: String((err as Error)?.stack ?? err), ms: performance.now() - t0, compiled, fmtChanged };
  }
  return { ms: performance.now() - t0, compiled, fmtChanged };
}
