import { render } from "ink-testing-library";
import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../../runtime/events.js";
import { RunDashboard } from "../../../cli/ui/RunDashboard.js";
import { formatStartLine } from "../../../cli/loggers.js";
import { initialRunState, reduceRun } from "../../../cli/ui/run-state.js";
import { checkpointAt500, completed, evalAt500, start, step, strip } from "./fixtures.js";

function frameAfter(events: RunEvent[], props: { idleMs?: number; columns?: number } = {}): string {
  const state = events.reduce(reduceRun, initialRunState);
  const { lastFrame, unmount } = render(<RunDashboard state={state} {...props} />);
  const frame = strip(lastFrame());
  unmount();
  return frame;
}

const steps = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => step(from + i));

describe("run dashboard", () => {
  it("shows the experiment, backend, parameter count and dataset sizes in a one-line header", () => {
    const frame = frameAfter([start]);
    const [header, second] = frame.split("\n");
    // One line, cut at the terminal's width (100 here) rather than wrapped.
    expect(header).toMatch(/^hgc run quickstart  backend tensorflow  params 1\.23M  data fashion_mnist\/train 60(\.0)?k · /);
    expect(second).toBe("waiting for the first step…");
    expect(frame).toContain("waiting for the first step");
  });

  it("counts the native kernels in the header instead of listing them", () => {
    const kernels = Array.from({ length: 17 }, (_, i) => `kernel${i} (native)`);
    const frame = frameAfter([{ ...start, backend: "wasm", kernels }]);
    expect(frame).toContain("backend wasm, native kernels: 17");
    expect(frame).not.toContain("kernel3");
    // the matrix product the kernels use is named after the seed (the header is cut at the
    // terminal's width, so the plain log's line is where it always shows)
    const withGemm = { ...start, backend: "wasm", kernels: ["BatchMatMul (built-in GEMM (AVX2), 2 threads; faster here than OpenBLAS)", ...kernels] };
    expect(frameAfter([withGemm])).toContain("backend wasm, native kernels: 18");
    expect(formatStartLine(withGemm)).toMatch(/backend wasm, native kernels: 18 .* seed \d+  product built-in GEMM \(AVX2\), 2 threads  → /);
    expect(frame.split("\n").filter((l) => l.trim()).length).toBe(2); // the header and "waiting…"
  });

  it("shows mid-run progress with step, elapsed, ETA, throughput, every loss term with a sparkline, and the lr", () => {
    const frame = frameAfter([start, ...steps(1, 300)]);
    expect(frame).toMatch(/█+░+ +300\/1500 +20%/);
    expect(frame).toContain("elapsed 45s"); // 300 steps × 150 ms
    expect(frame).toContain("eta 3m00s"); // 1200 steps left × 150 ms
    expect(frame).toContain("410 img/s");
    const lines = frame.split("\n");
    const row = (name: string) => lines.find((l) => l.startsWith(name + " "));
    // gen = 2 + 3/√300 = 2.17; con = 4 + 2/√300 = 4.12; objective = 0.5·gen + con = 5.20
    expect(row("gen")).toMatch(/^gen +×0\.5 +2\.17 +[▁▂▃▄▅▆▇█]{24}$/);
    expect(row("con")).toMatch(/^con +×1 +4\.12 +[▁▂▃▄▅▆▇█]{24}$/);
    expect(row("objective")).toMatch(/^objective +5\.2 +[▁▂▃▄▅▆▇█]{24}$/);
    expect(row("lr")).toMatch(/^lr +1\.0e-3 +[▁▂▃▄▅▆▇█]+$/);
    // Falling losses: the sparkline starts high and ends at the bottom.
    expect(row("gen")!.trimEnd().endsWith("▁")).toBe(true);
    expect(row("gen")).toContain("█");
  });

  it("shows the latest evaluation as a compact table, a row per protocol, that the next one replaces", () => {
    const frame = frameAfter([start, ...steps(1, 500), evalAt500, checkpointAt500, step(501)]);
    expect(frame).toMatch(/eval at step 500/);
    expect(frame).toMatch(/^linear_probe +accuracy 0\.812  ece 0\.0312$/m);
    expect(frame).toMatch(/^knn +accuracy 0\.795$/m);
    expect(frame).toMatch(/^ood +likelihood\.auroc —$/m);
    expect(frame).toContain("skipped ood: no out-of-distribution set given");
    expect(frame).toContain("checkpoint at step 500 → runs/quickstart-1a2b3c/checkpoints/500");
    // The live view: progress, then the losses, then the table.
    expect(frame.indexOf("501/1500")).toBeLessThan(frame.indexOf("eval at step 500"));
    const later = { ...evalAt500, step: 1000, metrics: { ...evalAt500.metrics, "linear_probe.accuracy": 0.8311 } };
    const next = frameAfter([start, ...steps(1, 500), evalAt500, ...steps(501, 1000), later, step(1001)]);
    expect(next).not.toContain("eval at step 500");
    expect(next).toContain("eval at step 1000");
    expect(next).toContain("change since step 500");
    expect(next).toMatch(/^linear_probe +accuracy 0\.831 \+0\.0188  ece 0\.0312$/m);
  });

  it("leaves per-severity figures and counts to the report", () => {
    const big = { ...evalAt500, metrics: { "robustness.blur.1.accuracy": 0.8, "robustness.blur.accuracy": 0.7, "robustness.mean_accuracy": 0.7, "samples.count": 16 } };
    const frame = frameAfter([start, step(500), big, step(501)]);
    expect(frame).toMatch(/^robustness +blur\.accuracy 0\.7  mean_accuracy 0\.7$/m);
    expect(frame).not.toContain("blur.1");
    expect(frame).not.toContain("samples");
  });

  it("shows the grad norm beside the loss terms", () => {
    const frame = frameAfter([start, ...steps(1, 30)]);
    expect(frame).toMatch(/^grad norm +1\.5 +[▁▂▃▄▅▆▇█]+$/m);
  });

  it("estimates the ETA from the first steps, leaving out the warm-up step once others come", () => {
    const first = { ...step(1), msPerStep: 3000, elapsedMs: 3000 };
    expect(frameAfter([start, first])).toContain("eta 1h14m"); // 1499 × 3 s
    const frame = frameAfter([start, first, { ...step(2), msPerStep: 150, elapsedMs: 3150 }]);
    expect(frame).toContain("eta 3m45s"); // 1498 × 150 ms
    expect(frame).not.toContain("eta ?");
  });

  it("keeps the final results and the run folder on screen when the run has completed", () => {
    const frame = frameAfter([start, ...steps(1, 1500), completed]);
    expect(frame).toMatch(/1500\/1500 100%/);
    expect(frame).toContain("finished at step 1500 after 3m45s → runs/quickstart-1a2b3c");
    expect(frame).toMatch(/linear_probe\.accuracy +0\.843/);
    expect(frame).toMatch(/bits_per_dim +3\.12/);
    expect(frame).not.toContain("eta 0s");
    // The summary comes last.
    expect(frame.indexOf("results")).toBeGreaterThan(frame.indexOf("objective"));
  });

  it("says which evaluation the results of an interrupted run come from", () => {
    const frame = frameAfter([start, ...steps(1, 500), evalAt500, step(620), { ...completed, status: "interrupted", step: 620, metrics: evalAt500.metrics }]);
    expect(frame).toContain("results (evaluation at step 500)");
  });

  it("says how to continue when the run was interrupted", () => {
    const frame = frameAfter([start, ...steps(1, 40), checkpointAt500, { ...completed, status: "interrupted", step: 40, metrics: {} }]);
    expect(frame).toContain("interrupted at step 40");
    expect(frame).toContain("--resume");
    expect(frame).not.toContain("results");
  });

  it("shows an error with its step and hint, and the failed status", () => {
    const frame = frameAfter([
      start,
      ...steps(1, 12),
      { type: "error", step: 13, message: "loss `gen` became NaN", hint: "lower the learning rate" },
      { ...completed, status: "failed", step: 12, metrics: {} },
    ]);
    expect(frame).toContain("error at step 13: loss `gen` became NaN");
    expect(frame).toContain("hint: lower the learning rate");
    expect(frame).toContain("failed at step 12");
  });

  it("marks a resumed run in its header and measures the ETA from the steps it ran itself", () => {
    // Resumed at 1000; 100 steps in this process took 15 s, so 400 more take 60 s.
    const resumed = { ...step(1100), elapsedMs: 15_000 };
    const frame = frameAfter([{ ...start, startStep: 1000 }, resumed]);
    expect(frame).toContain("resumed at step 1000");
    expect(frame).toContain("eta 1m00s");
  });

  it("says how long it has waited when no step has come for a while, as during an evaluation", () => {
    expect(frameAfter([start, step(500)], { idleMs: 2000 })).not.toContain("last step");
    expect(frameAfter([start, step(500)], { idleMs: 72_000 })).toContain("last step 1m12s ago");
    expect(frameAfter([start, step(1500), completed], { idleMs: 72_000 })).not.toContain("last step");
  });

  it("narrows the progress bar to fit a narrow terminal", () => {
    const frame = frameAfter([start, step(750)], { columns: 70 });
    expect(frame).toMatch(/^█{5}░{5}  750\/1500/m);
  });
});
