// Which GEMM wins, shape by shape: OpenBLAS's sgemm (where the system has it) against the addon's
// built-in GEMM, on the products of the ladder's training steps (forward x·W and the two gradient
// forms, x·Wᵀ-like and xᵀ·dy), one thread each, through tf.matMul on the wasm backend. Interleaved
// (A, B, A, B, …) and the best of each kept, as CPU ms per product and GFLOP/s. Figures only.
import { selectBackend, tf } from "../runtime/backend.js";
import { configureGemm, gemmInfo, nativeKernels, registerNativeKernels } from "../runtime/kernels/index.js";
import { load } from "./reference.js";

// [label, m, k, n, transposeA, transposeB]: rows are sequences × positions (64·65 for the
// reference step, 32·197 for the ladder's).
const SHAPES: [string, number, number, number, boolean, boolean][] = [
  ["reference qkv x·W", 4160, 64, 192, false, false],
  ["reference qkv dy·Wᵀ", 4160, 192, 64, false, true],
  ["reference qkv xᵀ·dy", 64, 4160, 192, true, false],
  ["reference mlp x·W", 4160, 64, 256, false, false],
  ["reference mlp-out x·W", 4160, 256, 64, false, false],
  ["reference lm head x·W", 2048, 64, 16, false, false],
  ["medium qkv x·W", 6304, 128, 384, false, false],
  ["medium mlp-out dy·Wᵀ", 6304, 128, 512, false, true],
  ["medium mlp xᵀ·dy", 128, 6304, 512, true, false],
  ["large mlp x·W", 6304, 256, 1024, false, false],
  ["large mlp-out x·W", 6304, 1024, 256, false, false],
  ["large mlp xᵀ·dy", 256, 6304, 1024, true, false],
];

/** CPU ms per product (best of `rounds` batches of products worth ~50 ms each). */
function timeProduct(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean, flops: number): number {
  const reps = Math.max(2, Math.round(5e9 / flops / 10));
  tf.matMul(a, b, ta, tb).dispose();
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) tf.matMul(a, b, ta, tb).dispose();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / reps;
}

export async function benchGemm(): Promise<string[]> {
  const previous = tf.getBackend();
  await selectBackend("wasm");
  const r = registerNativeKernels();
  const info = gemmInfo();
  if (!r.enabled || !info) return [`skipped: ${r.reason ?? "no native addon"}`];
  const lines = [load()];
  if (!info.blas) lines.push(`no BLAS library is open (${nativeKernels()?.blasMissing ?? "?"}): built-in GEMM (${info.isa}) alone`);
  const threads = info.threads;
  try {
    for (const [label, m, k, n, ta, tb] of SHAPES) {
      const a = tf.randomNormal(ta ? [k, m] : [m, k]);
      const b = tf.randomNormal(tb ? [n, k] : [k, n]);
      const flops = 2 * m * n * k;
      let blas = Infinity;
      let builtin = Infinity;
      for (let round = 0; round < 3; round++) {
        if (info.blas) {
          configureGemm({ blas: true, threads: 1 });
          blas = Math.min(blas, timeProduct(a, b, ta, tb, flops));
        }
        configureGemm({ blas: false, threads: 1 });
        builtin = Math.min(builtin, timeProduct(a, b, ta, tb, flops));
      }
      const gf = (t: number) => `${(flops / t / 1e6).toFixed(0).padStart(4)} GFLOP/s`;
      const shape = `[${m}×${k}]${ta ? "ᵀ" : ""}·[${k}×${n}]${tb ? "ᵀ" : ""}`;
      lines.push(
        `${label.padEnd(24)} ${shape.padEnd(24)} built-in ${builtin.toFixed(2).padStart(7)} ms ${gf(builtin)}` +
          (info.blas ? `   OpenBLAS ${blas.toFixed(2).padStart(7)} ms ${gf(blas)}   ${builtin <= blas ? "built-in" : "OpenBLAS"} wins (${(Math.max(blas, builtin) / Math.min(blas, builtin)).toFixed(2)}x)` : ""),
      );
      tf.dispose([a, b]);
    }
  } finally {
    configureGemm({ blas: true, threads });
  }
  if (previous && previous !== "wasm") await selectBackend(previous as "cpu" | "tensorflow");
  return lines;
}
