import { render } from "ink-testing-library";
import { describe, expect, it } from "vitest";
import type { SweepEndEvent, SweepEvent } from "../../../cli/ui/sweep-events.js";
import { initialSweepState, reduceSweep } from "../../../cli/ui/sweep-state.js";
import { SweepView } from "../../../cli/ui/SweepView.js";
import { strip, sweepStart } from "./fixtures.js";

function frameAfter(events: SweepEvent[], elapsedMs: number, maxQueued?: number): string {
  const state = events.reduce(reduceSweep, initialSweepState);
  const { lastFrame, unmount } = render(<SweepView state={state} elapsedMs={elapsedMs} maxQueued={maxQueued} />);
  const frame = strip(lastFrame());
  unmount();
  return frame;
}

const midSweep: SweepEvent[] = [
  sweepStart,
  { type: "trial-start", id: "aaaa1111bbbb" },
  { type: "trial-start", id: "cccc2222dddd" },
  { type: "trial-end", id: "aaaa1111bbbb", status: "done", metrics: { "bits_per_dim": 3.3, "linear_probe.accuracy": 0.812 }, elapsedMs: 62_000 },
  { type: "trial-end", id: "cccc2222dddd", status: "failed", error: "cannot read data/train-images.idx: no such file\n  at …" },
  { type: "trial-start", id: "eeee3333ffff" },
  { type: "trial-progress", id: "eeee3333ffff", step: 150, totalSteps: 300 },
];

const end: SweepEndEvent = {
  type: "sweep-end",
  elapsedMs: 250_000,
  table: [
    { point: { wg: 0.25 }, seeds: 1, metrics: { "linear_probe.accuracy": { mean: 0.812, std: 0 }, bits_per_dim: { mean: 3.3, std: 0 } } },
    { point: { wg: 0.75 }, seeds: 2, metrics: { "linear_probe.accuracy": { mean: 0.774, std: 0.011 }, bits_per_dim: { mean: 3.05, std: 0.02 } } },
  ],
  pareto: [
    { point: { wg: 0.25 }, metrics: { "linear_probe.accuracy": 0.812, bits_per_dim: 3.3 } },
    { point: { wg: 0.75 }, metrics: { "linear_probe.accuracy": 0.774, bits_per_dim: 3.05 } },
  ],
  objectives: ["max linear_probe.accuracy", "min bits_per_dim"],
  files: ["sweeps/weights-9f8e/sweep.csv"],
};

const line = (frame: string, id: string) => frame.split("\n").find((l) => l.includes(id.slice(0, 8))) ?? "";

describe("sweep view", () => {
  it("lists every trial as queued before any starts", () => {
    const frame = frameAfter([sweepStart], 0);
    expect(frame).toContain("hgc sweep weights  experiment hybrid  trials 4  jobs 2");
    for (const t of sweepStart.trials) expect(line(frame, t.id)).toMatch(/queued/);
    expect(frame).toContain("0/4 done");
    expect(frame).toContain("4 queued");
  });

  it("shows a running trial with a progress bar, a done one with its key metric, a failed one with its error, and queued ones", () => {
    const frame = frameAfter(midSweep, 100_000);
    expect(line(frame, "eeee3333")).toMatch(/wg=0\.75 +seed 1 +running +█{8}░{8} 150\/300/);
    expect(line(frame, "aaaa1111")).toMatch(/✓ aaaa1111 +wg=0\.25 +seed 1 +done +linear_probe\.accuracy 0\.812 +1m02s/);
    expect(line(frame, "cccc2222")).toMatch(/✗ cccc2222 +wg=0\.25 +seed 2 +failed +cannot read data\/train-images\.idx: no such file$/);
    expect(line(frame, "gggg4444")).toMatch(/queued/);
    expect(frame).toContain("1/4 done  1 running  1 queued  1 failed");
    // 2.5 of 4 trials' work in 100 s: 1.5 more take 60 s.
    expect(frame).toContain("elapsed 1m40s  eta 1m00s");
  });

  it("sums up queued trials beyond the first few", () => {
    const frame = frameAfter([sweepStart], 0, 2);
    expect(frame).toContain("… and 2 more queued");
    expect(line(frame, "eeee3333")).toBe("");
  });

  it("shows a trial that finished in an earlier invocation as skipped, with its metric", () => {
    const frame = frameAfter([sweepStart, { type: "trial-end", id: "gggg4444hhhh", status: "skipped", metrics: { "linear_probe.accuracy": 0.77 } }], 1000);
    expect(line(frame, "gggg4444")).toMatch(/skipped +linear_probe\.accuracy 0\.77\b/);
  });

  it("ends with the aggregate table of mean ± std per grid point and the Pareto points", () => {
    const events: SweepEvent[] = [
      ...midSweep,
      { type: "trial-end", id: "eeee3333ffff", status: "done", metrics: { "linear_probe.accuracy": 0.78 } },
      { type: "trial-start", id: "gggg4444hhhh" },
      { type: "trial-end", id: "gggg4444hhhh", status: "done", metrics: { "linear_probe.accuracy": 0.768 } },
      end,
    ];
    const frame = frameAfter(events, 250_000);
    expect(frame).toContain("sweep finished after 4m10s: 3 done, 0 skipped, 1 failed");
    expect(frame).toMatch(/point +seeds +linear_probe\.accuracy +bits_per_dim/);
    expect(frame).toMatch(/wg=0\.25 +1 +0\.812 ± 0 +3\.3 ± 0/);
    expect(frame).toMatch(/wg=0\.75 +2 +0\.774 ± 0\.011 +3\.05 ± 0\.02/);
    expect(frame).toContain("pareto front (max linear_probe.accuracy, min bits_per_dim)");
    expect(frame).toMatch(/★ wg=0\.75 +linear_probe\.accuracy 0\.774  bits_per_dim 3\.05/);
    expect(frame).not.toContain("queued");
    expect(frame).not.toContain("running");
    expect(frame.indexOf("pareto front")).toBeGreaterThan(frame.indexOf("point"));
  });
});
