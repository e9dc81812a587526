// What a run would need — parameters, memory and compute — estimated before anything runs. A run
// beyond this machine is a warning (HGC047); a run beyond any machine is an error, so absurd
// sizes (`layers: 100000`) are refused by `check` instead of crashing hours into training.
import { totalmem } from "node:os";
import { formatBytes, formatCount, resources } from "../shapes.js";
import type { CheckContext, IRBody } from "./context.js";

/** Hard limits: beyond them the run is refused (unless the caller lifts the limits). */
export const HARD_LIMITS = { parameters: 1e10, bytes: 1e12, seconds: 365 * 86400 };

/**
 * FLOP/s a training step sustains on a CPU backend (docs/performance.md measures 60–110 GFLOP/s
 * on the largest products, far less on the rest); a deliberately modest figure for the warning.
 */
export const ASSUMED_FLOPS = 10e9;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "forever";
  if (seconds >= 365 * 86400) return `${formatCount(seconds / (365 * 86400))} years`;
  if (seconds >= 86400) return `${(seconds / 86400).toFixed(1)} days`;
  return `${(seconds / 3600).toFixed(1)} hours`;
}

export function checkResources(ctx: CheckContext, body: IRBody, enforce: boolean): void {
  const r = resources(body);
  const bytes = r.parameterBytes + r.activationBytes + r.dataBytes;
  const seconds = (r.flopsPerStep * r.steps) / ASSUMED_FLOPS;
  const call = ctx.trainStmt?.stmt.kind === "Train" ? ctx.trainStmt.stmt.call : undefined;
  const span = call?.callee.span ?? ctx.nameSpan;
  const what = `${formatCount(r.parameters)} parameters, about ${formatBytes(bytes)} of memory per step (${formatBytes(r.activationBytes)} of activations), about ${duration(seconds)} of compute`;
  const enc = Object.values(body.encoders)[0];
  const note = enc ? [{ message: `the largest cost: \`${enc.name}\` has ${enc.layers} layers of width ${enc.width} over ${enc.length} tokens`, span: ctx.symbols.get(enc.name)?.decl.name.span }] : [];
  // `!(x <= limit)` also catches NaN and Infinity.
  const beyondAny = !(r.parameters <= HARD_LIMITS.parameters) || !(bytes <= HARD_LIMITS.bytes) || !(seconds <= HARD_LIMITS.seconds);
  if (beyondAny) {
    ctx.report("HGC047", enforce ? "error" : "warning", span, `experiment \`${ctx.exp.name}\` is too large to run: ${what}`, "make the encoder smaller (layers, width, mlp), the sequence shorter, the batch smaller or the run shorter", note);
    return;
  }
  const memory = totalmem();
  if (bytes > memory) {
    ctx.report("HGC047", "warning", span, `experiment \`${ctx.exp.name}\` needs about ${formatBytes(bytes)} of memory, more than this machine's ${formatBytes(memory)}`, "a smaller batch or a shorter sequence needs less; the wasm backend is also limited to 4 GB", note);
  } else if (seconds > 86400) {
    ctx.report("HGC047", "warning", span, `experiment \`${ctx.exp.name}\` would train for about ${duration(seconds)} on a CPU (${formatCount(r.steps)} steps of ${(r.flopsPerStep / 1e9).toPrecision(3)} GFLOP)`, "check the number of steps and the model's size; `hgc compile` shows the estimates", note);
  }
}
