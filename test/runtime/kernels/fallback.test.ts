// Where no BLAS library can be opened (a fresh machine without OpenBLAS), registering the native
// kernels changes nothing, says why, and training runs on the wasm backend's own kernels. The
// missing library is simulated with HGC_BLAS naming a file that does not exist; this file runs in
// its own process, so no library was opened before.
import { describe, expect, it } from "vitest";
import { selectBackend, tf } from "../../../runtime/backend.js";
import { loadDataset } from "../../../runtime/data/index.js";
import { addonPath, nativeKernels, registerNativeKernels } from "../../../runtime/kernels/index.js";
import { Model } from "../../../runtime/model.js";
import { Trainer } from "../../../runtime/train.js";
import { tinyIr } from "../fixtures.js";

describe("native kernels without a BLAS library", () => {
  it("keeps the wasm kernels, gives the reason and still trains", async () => {
    // Choosing the wasm backend registers the native kernels where it can: here it cannot.
    process.env.HGC_BLAS = "/nonexistent/libopenblas.so.0";
    let r;
    let choice;
    try {
      choice = await selectBackend("wasm");
      r = registerNativeKernels();
    } finally {
      delete process.env.HGC_BLAS;
    }
    expect(choice.kernels).toEqual([]);
    expect(r.enabled).toBe(false);
    expect(r.kernels).toEqual([]);
    expect(r.reason).toMatch(addonPath() ? /no BLAS library with cblas_sgemm was found \(\/nonexistent\/libopenblas\.so\.0: / : /the native addon is not built/);
    expect(tf.getKernel("HgcGelu", "wasm")).toBeUndefined();
    expect(nativeKernels()).toBeNull();

    const ir = tinyIr({ steps: 2 });
    const model = new Model(ir, 1);
    const trainer = new Trainer(ir, model, await loadDataset(ir.datasets.train!), 1, 2);
    try {
      const s = await trainer.trainStep();
      expect(Number.isFinite(s.objective)).toBe(true);
    } finally {
      trainer.dispose();
      model.dispose();
    }
  });
});
