// Where no BLAS library can be opened (a fresh machine without OpenBLAS), the native kernels
// multiply with the addon's built-in GEMM: they register, name it, say why no library serves, and
// train to the wasm kernels' losses. The missing library is simulated with HGC_BLAS naming a file
// that does not exist; this file runs in its own process, so no library was opened before.
import { describe, expect, it } from "vitest";
import { selectBackend, tf } from "../../../runtime/backend.js";
import { loadDataset } from "../../../runtime/data/index.js";
import { addonPath, nativeKernels, registerNativeKernels, unregisterNativeKernels } from "../../../runtime/kernels/index.js";
import { Model } from "../../../runtime/model.js";
import { Trainer } from "../../../runtime/train.js";
import { tinyIr } from "../fixtures.js";

async function losses(steps: number): Promise<number[][]> {
  const ir = tinyIr({ steps });
  const model = new Model(ir, 1);
  const trainer = new Trainer(ir, model, await loadDataset(ir.datasets.train!), 1, steps);
  const out: number[][] = [];
  try {
    for (let i = 0; i < steps; i++) {
      const r = await trainer.trainStep();
      out.push([r.objective, r.gradNorm]);
    }
  } finally {
    trainer.dispose();
    model.dispose();
  }
  return out;
}

describe("native kernels without a BLAS library", () => {
  it("multiply with the built-in GEMM, name it, say why and train to the wasm kernels' losses", async () => {
    // Choosing the wasm backend registers the native kernels.
    process.env.HGC_BLAS = "/nonexistent/libopenblas.so.0";
    let r;
    let choice;
    try {
      choice = await selectBackend("wasm");
      r = registerNativeKernels();
    } finally {
      delete process.env.HGC_BLAS;
    }
    if (!addonPath()) {
      // No compiler at install time: the wasm backend's own kernels, and the reason.
      expect(choice.kernels).toEqual([]);
      expect(r.reason).toMatch(/the native addon is not built/);
      expect(nativeKernels()).toBeNull();
      return;
    }
    expect(r.enabled).toBe(true);
    expect(r.library).toBeUndefined();
    expect(r.gemm).toMatch(/^built-in GEMM \((AVX-512|AVX2|portable)\)/);
    expect(r.blasMissing).toMatch(/no BLAS library with cblas_sgemm was found \(\/nonexistent\/libopenblas\.so\.0: /);
    expect(choice.kernels[0]).toMatch(/^BatchMatMul \(built-in GEMM \(/);
    expect(tf.getKernel("HgcAttention", "wasm")).toBeDefined();

    const steps = 3;
    const fast = await losses(steps);
    unregisterNativeKernels();
    const plain = await losses(steps);
    for (let s = 0; s < steps; s++) {
      for (let j = 0; j < 2; j++) expect(Math.abs(fast[s]![j]! - plain[s]![j]!)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(plain[s]![j]!)));
    }
  });
});
