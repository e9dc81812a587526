// A ladder of model sizes, each timed side by side with PyTorch in one run: the reference model
// (bench/reference.ts has it), then medium (width 128, 4 layers, 197 positions: 28×28 images
// quantized to 14×14) and large (width 256, 6 layers, 197 positions), described by
// bench/torch/{medium,large}.json and built by both sides as for the reference. hgc runs with its
// native kernels on their default engine and threads; PyTorch on 1 and on 2 threads, and the
// faster counts. One line per rung a script can read:
//   ladder medium: hgc / pytorch-best 0.NNx wall
// The first step's objective is also computed on the plain wasm kernels (same weights, same
// batch) and compared, so a fast figure cannot hide a wrong one. Figures only; never asserted.
import { selectBackend, tf } from "../runtime/backend.js";
import { nativeKernels, registerNativeKernels, unregisterNativeKernels } from "../runtime/kernels/index.js";
import { Model } from "../runtime/model.js";
import { Trainer } from "../runtime/train.js";
import type { StepTiming, TorchTiming } from "./reference.js";
import { bestTorch, interleaved, load, ms, ratio, readSpec, referenceData, referenceIR, rounds, SPEC_PATH, timeReferenceSteps, timeTorch, torchLine } from "./reference.js";

const RUNGS = ["medium", "large"] as const;

/** The objective of the first training step (before any update) on the kernels registered now. */
async function firstObjective(ir: ReturnType<typeof referenceIR>, data: ReturnType<typeof referenceData>): Promise<number> {
  const model = new Model(ir);
  const trainer = new Trainer(ir, model, data, ir.seed, 1);
  try {
    return (await trainer.trainStep()).objective;
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

export async function benchLadder(): Promise<string[]> {
  const previous = tf.getBackend();
  await selectBackend("wasm");
  const lines: string[] = [load()];
  const only = process.env.HGC_LADDER?.split(",");
  for (const rung of RUNGS) {
    if (only && !only.includes(rung)) continue;
    const file = SPEC_PATH.replace(/reference\.json$/, `${rung}.json`);
    const s = readSpec(file);
    const ir = referenceIR(s);
    const data = referenceData(s);
    const e = s.encoder;
    const native = registerNativeKernels();
    const { warmup, steps } = s.timing;
    lines.push(
      `${rung} (bench/torch/${rung}.json): ${e.layers} layers, width ${e.width}, ${e.heads} heads, ${ir.tokenizers.pixels!.length} tokens, batch ${s.batch} (${ir.estimates.imagesPerStep} sequences/step); median of ${steps} steps after ${warmup}, best of ${rounds()} interleaved rounds`,
    );
    if (!native.enabled) {
      lines.push(`  hgc native kernels skipped: ${native.reason}`);
      continue;
    }
    // Progress on stderr: a rung takes minutes on a busy machine, and the section prints at its end.
    process.stderr.write(`ladder ${rung}: timing hgc and PyTorch (1 and 2 threads)\n`);
    const [hgc, torch1, torch2] = await interleaved<StepTiming | TorchTiming>(rounds(), [() => timeReferenceSteps(ir, data, warmup, steps), () => timeTorch(file, 1), () => timeTorch(file, 2)]);
    const h = hgc as StepTiming;
    process.stderr.write(`ladder ${rung}: timed; first step on the plain kernels next\n`);
    lines.push(`  hgc native + fused    ${ms(h)}  ${nativeKernels()?.gemm}`);
    // The same first step on the plain wasm kernels: equal to float32 rounding.
    const fast = await firstObjective(ir, data);
    unregisterNativeKernels();
    const plain = await firstObjective(ir, data);
    registerNativeKernels();
    lines.push(`  first-step objective: native ${fast.toFixed(6)}, plain wasm ${plain.toFixed(6)} (relative difference ${(Math.abs(fast - plain) / Math.abs(plain)).toExponential(1)})`);
    for (const t of [torch1, torch2]) lines.push(typeof t === "string" ? `  pytorch skipped: ${t}` : `  ${torchLine(t as TorchTiming)}`);
    const best = bestTorch([torch1 as TorchTiming | string, torch2 as TorchTiming | string]);
    if (typeof best !== "string") lines.push(`ladder ${rung}: hgc / pytorch-best ${ratio(h.msPerStep, best.msPerStep)} wall`);
  }
  lines.push(load());
  if (previous && previous !== "wasm") await selectBackend(previous as "cpu" | "tensorflow");
  return lines;
}
