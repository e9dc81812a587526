// The reference bench compares like with like: the PyTorch model of bench/torch/step.py, given
// hgc's weights and a batch of tokens, computes the losses hgc computes — on the wasm backend's
// own kernels and with the native ones. Skipped, with the reason, where PyTorch is not installed.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readSpec, referenceIR, SPEC_PATH } from "../../../bench/reference.js";
import { selectBackend, tf } from "../../../runtime/backend.js";
import { registerNativeKernels, unregisterNativeKernels } from "../../../runtime/kernels/index.js";
import { bitsPerDim, ntxent } from "../../../runtime/losses.js";
import { Model } from "../../../runtime/model.js";
import { Rng } from "../../../runtime/rng.js";

const STEP_PY = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../../bench/torch/step.py");
const PYTHON = "/usr/bin/python3";

function torchMissing(): string | null {
  try {
    execFileSync(PYTHON, ["-c", "import torch"], { stdio: "pipe", timeout: 60_000 });
    return null;
  } catch (err) {
    return `${PYTHON} cannot import torch (${String((err as Error).message).split("\n")[0]})`;
  }
}

const missing = torchMissing();
if (missing) process.stderr.write(`PyTorch cross-check skipped: ${missing}\n`);

/** hgc's objective, NT-Xent and bits/dim on one batch of 2N token sequences (first views, then second). */
function hgcLosses(model: Model, tokens: Int32Array, n: number, temperature: number, lambda: number): number[] {
  return tf.tidy(() => {
    const out = model.encode("enc", model.input("enc", tokens, 2 * n));
    const con = ntxent(model.applyHead("proj", out), temperature);
    const [, L, D] = out.tokens!.shape;
    const first = { tokens: tf.slice(out.tokens!, [0, 0, 0], [n, L, D]) as tf.Tensor3D, pooled: tf.slice(out.pooled, [0, 0], [n, D]) as tf.Tensor2D };
    const gen = bitsPerDim(model.applyHead("lm", first), tokens.subarray(0, n * L));
    return [gen.dataSync()[0]! + lambda * con.dataSync()[0]!, con.dataSync()[0]!, gen.dataSync()[0]!];
  });
}

describe("the PyTorch reference model", () => {
  it.skipIf(missing !== null)("computes hgc's losses from hgc's weights, on plain and native kernels", async () => {
    const spec = readSpec();
    const ir = referenceIR(spec);
    await selectBackend("wasm");
    const model = new Model(ir);
    const n = 8;
    const L = ir.tokenizers.pixels!.length;
    const rng = new Rng("reference-check");
    const tokens = Int32Array.from({ length: 2 * n * L }, () => rng.int(spec.tokens.levels));
    const dir = mkdtempSync(path.join(tmpdir(), "hgc-ref-"));
    try {
      const weights: Record<string, number[]> = {};
      for (const w of await model.readWeights()) weights[w.name] = Array.from(w.data);
      const rows = Array.from({ length: 2 * n }, (_, i) => Array.from(tokens.subarray(i * L, (i + 1) * L)));
      const file = path.join(dir, "check.json");
      writeFileSync(file, JSON.stringify({ weights, tokens: rows }));
      const torch = JSON.parse(execFileSync(PYTHON, [STEP_PY, SPEC_PATH, "--check", file], { encoding: "utf8", timeout: 120_000 }).trim()) as { objective: number; con: number; gen: number };
      const expected = [torch.objective, torch.con, torch.gen];

      unregisterNativeKernels();
      const plain = hgcLosses(model, tokens, n, spec.contrastive.temperature, spec.contrastive.lambda);
      const native = registerNativeKernels();
      const fast = native.enabled ? hgcLosses(model, tokens, n, spec.contrastive.temperature, spec.contrastive.lambda) : null;
      for (const got of fast ? [plain, fast] : [plain]) {
        got.forEach((v, i) => expect(Math.abs(v - expected[i]!), `${["objective", "con", "gen"][i]}: hgc ${v}, PyTorch ${expected[i]}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(expected[i]!))));
      }
    } finally {
      unregisterNativeKernels();
      model.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
