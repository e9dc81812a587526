// Training-step speed of the quickstart model on every backend present: ms/step, images/s and
// peak memory (tf.memory() bytes and process RSS). Figures only; never asserted in tests.
import { fileURLToPath } from "node:url";
import { loadExperiment } from "../cli/run.js";
import type { IRExperiment } from "../compiler/ir.js";
import { disableNativeKernels, listBackends, selectBackend, tf } from "../runtime/backend.js";
import type { ImageSet } from "../runtime/data/types.js";
import { generateSynthetic } from "../runtime/data/index.js";
import { Model } from "../runtime/model.js";
import { Trainer } from "../runtime/train.js";

const QUICKSTART = fileURLToPath(new URL("../../examples/quickstart.hgc", import.meta.url));

/** Warm-up steps (not timed) and timed steps per backend; the cpu backend gets fewer. */
const WARMUP = 2;
const TIMED: Record<string, number> = { tensorflow: 20, wasm: 10, cpu: 3 };

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(0)} MiB`;
}

/** Time `steps` training steps of `ir` on the active backend (synthetic data at the dataset's size). */
export async function timeSteps(ir: IRExperiment, data: ImageSet, steps: number, warmup = WARMUP): Promise<{ msPerStep: number; cpuMsPerStep: number; imagesPerSec: number; peakTensorBytes: number; peakRss: number }> {
  const model = new Model(ir);
  const trainer = new Trainer(ir, model, data, ir.seed, warmup + steps + 1);
  let peakTensorBytes = 0;
  let peakRss = 0;
  try {
    for (let i = 0; i < warmup; i++) await trainer.trainStep();
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < steps; i++) {
      await trainer.trainStep();
      peakTensorBytes = Math.max(peakTensorBytes, tf.memory().numBytes);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    const msPerStep = (performance.now() - t0) / steps;
    const cpu = process.cpuUsage(c0);
    // One more step under tf.profile for the peak bytes held by tensors during a step.
    const prof = await tf.profile(async () => {
      await trainer.trainStep();
    });
    peakTensorBytes = Math.max(peakTensorBytes, prof.peakBytes);
    // CPU time per step says what the step costs when the machine is shared (wasm is single-threaded).
    const cpuMsPerStep = (cpu.user + cpu.system) / 1000 / steps;
    return { msPerStep, cpuMsPerStep, imagesPerSec: (ir.train.batch * 1000) / msPerStep, peakTensorBytes, peakRss };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

export async function benchRun(): Promise<string[]> {
  const ir = await loadExperiment(QUICKSTART);
  const ds = ir.datasets[ir.train.data]!;
  const [h, w] = [ds.shape.height ?? 28, ds.shape.width ?? 28];
  // Synthetic images of the same size: the step's cost does not depend on the pixels.
  const data = generateSynthetic({ name: "bench", count: Math.max(256, ir.train.batch * 4), classes: 10, size: [h, w], noise: 0.05, seed: 1, split: "train" });
  const enc = Object.values(ir.encoders)[0]!;
  if (enc.kind !== "transformer") throw new Error("the bench ladder measures the quickstart's transformer");
  const lines = [
    `quickstart model: ${enc.layers} layers, width ${enc.width}, ${enc.heads} heads, ${enc.length} tokens, batch ${ir.train.batch}, ${ir.estimates.imagesPerStep} encoder images/step`,
  ];
  const done = new Set<string>();
  for (const b of await listBackends()) {
    if (done.has(b.name)) continue;
    if (!b.available) {
      lines.push(`${b.name.padEnd(10)} (${b.package}) not available: ${b.reason ?? "?"}`);
      continue;
    }
    done.add(b.name);
    const choice = await selectBackend(b.name as "tensorflow" | "wasm" | "cpu");
    const variants: { label: string; before?: () => Promise<void> }[] = [{ label: choice.kernels.length ? `${b.name}+native` : b.name }];
    // With native kernels present, also time the plain wasm backend for comparison.
    if (choice.kernels.length) variants.push({ label: b.name, before: disableNativeKernels });
    for (const v of variants) {
      await v.before?.();
      const r = await timeSteps(ir, data, TIMED[b.name] ?? 5);
      lines.push(
        `${v.label.padEnd(12)} ${r.msPerStep.toFixed(0).padStart(6)} ms/step (${r.cpuMsPerStep.toFixed(0)} ms CPU)  ${r.imagesPerSec.toFixed(1).padStart(7)} images/s  peak tensors ${mib(r.peakTensorBytes)}  peak RSS ${mib(r.peakRss)}`,
      );
    }
    if (choice.kernels.length) lines.push(`  native kernels: ${choice.kernels.join(", ")}`);
  }
  return lines;
}
