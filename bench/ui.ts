// Terminal UI overhead: what the loggers cost per event, and training steps/s of a small model on
// synthetic data with no logger, the plain logger and the TUI dashboard (drawn on a terminal
// that discards its output, so only the UI's own work is measured). A small model is the worst
// case for the UI: the shorter a step, the larger the UI's share of it.
import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LoggerOptions } from "../cli/logger.js";
import { attachLogger, type LogMode } from "../cli/loggers.js";
import { EventBus, type StepEvent } from "../runtime/events.js";

class NullTerminal extends EventEmitter {
  isTTY = true;
  columns = 100;
  rows = 40;
  write(): boolean {
    return true;
  }
}

function nullOptions(): LoggerOptions {
  const t = new NullTerminal() as unknown as NodeJS.WriteStream;
  return { out: t, err: t, patchConsole: false };
}

function stepEvent(n: number): StepEvent {
  return {
    type: "step",
    step: n,
    totalSteps: 1_000_000,
    losses: { gen: 2 + 1 / n, con: 4 + 1 / n },
    weights: { gen: 1, con: 0.5 },
    objective: 4 + 1.5 / n,
    lr: 1e-3,
    gradNorm: 1,
    imagesPerSec: 400,
    msPerStep: 1,
    elapsedMs: n,
  };
}

async function perEvent(mode: LogMode | "none", events: number): Promise<number> {
  const bus = new EventBus();
  const logger = mode === "none" ? undefined : attachLogger(bus, mode, nullOptions());
  const t0 = performance.now();
  for (let i = 1; i <= events; i++) bus.emit(stepEvent(i));
  const us = ((performance.now() - t0) * 1000) / events;
  await logger?.close();
  return us;
}

const SMALL = `experiment small {
  seed = 3
  dataset train = synthetic(split: "train", count: 512, classes: 4, size: 8x8)
  dataset test  = synthetic(split: "test", count: 64, classes: 4, size: 8x8)
  tokens pixels = quantize(size: 8x8, levels: 4)
  views aug = augment(crop: 0.7..1.0, noise: 0.05)
  encoder enc = transformer(tokens: pixels, layers: 1, width: 32, heads: 2, mlp: 2, causal: true, pool: mean)
  head proj = mlp(enc.pooled, hidden: [32], out: 16)
  head lm   = linear(enc.tokens, out: pixels.vocab)
  loss con = ntxent(proj, views: aug, temperature: 0.5)
  loss gen = autoregressive(lm, target: pixels)
  objective = gen + 0.5 * con
  optimizer = adam(lr: 3e-3)
  train(data: train, steps: 1000, batch: 32)
}
`;

async function trainingStepsPerSec(mode: LogMode | "none", steps: number): Promise<number> {
  const { compileFile } = await import("../compiler/index.js");
  const { runExperiment } = await import("../runtime/run.js");
  const dir = mkdtempSync(join(tmpdir(), "hgc-bench-ui-src-"));
  const file = join(dir, "small.hgc");
  writeFileSync(file, SMALL);
  const ir = compileFile(file, {}).value as Parameters<typeof runExperiment>[0]["ir"];
  rmSync(dir, { recursive: true, force: true });
  const bus = new EventBus();
  const stepsSeen: StepEvent[] = [];
  bus.on((e) => {
    if (e.type === "step") stepsSeen.push(e);
  });
  const logger = mode === "none" ? undefined : attachLogger(bus, mode, nullOptions());
  const out = mkdtempSync(join(tmpdir(), "hgc-bench-ui-"));
  try {
    await runExperiment({ ir, out, steps, bus, evaluate: false });
  } finally {
    await logger?.close();
    rmSync(out, { recursive: true, force: true });
  }
  // From the first step's end to the last's: compilation and warm-up do not count.
  const first = stepsSeen[0]!;
  const last = stepsSeen[stepsSeen.length - 1]!;
  return ((last.step - first.step) * 1000) / (last.elapsedMs - first.elapsedMs);
}

export async function benchUi(): Promise<string[]> {
  const lines: string[] = [];
  const events = 20_000;
  for (const mode of ["none", "json", "plain", "tui"] as const) {
    const us = await perEvent(mode, events);
    lines.push(`${mode.padEnd(5)}  ${us.toFixed(2)} µs per step event (${events} events)`);
  }
  const steps = 150;
  const results: Record<string, number> = {};
  for (const mode of ["none", "tui", "plain"] as const) results[mode] = await trainingStepsPerSec(mode, steps);
  for (const [mode, sps] of Object.entries(results)) {
    lines.push(`small model training, ${mode.padEnd(5)}: ${sps.toFixed(1)} steps/s (${steps} steps)`);
  }
  lines.push(`tui vs none: ${(((results.tui! - results.none!) / results.none!) * 100).toFixed(1)}% steps/s`);
  return lines;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  benchUi().then((lines) => process.stdout.write(lines.join("\n") + "\n"));
}
