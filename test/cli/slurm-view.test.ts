// The sweep view of a sweep on Slurm: trials waiting in Slurm's queue show as pending, with
// squeue's reason; a requeued one says it waits to restart.
import { render } from "ink-testing-library";
import { createElement } from "react";
import { describe, expect, it } from "vitest";
import { formatTrialLine } from "../../cli/loggers.js";
import type { SweepEvent } from "../../cli/ui/sweep-events.js";
import { initialSweepState, reduceSweep } from "../../cli/ui/sweep-state.js";
import { SweepView } from "../../cli/ui/SweepView.js";
import { strip, sweepStart } from "./ui/fixtures.js";

const events: SweepEvent[] = [
  { ...sweepStart, on: "slurm" },
  { type: "slurm-submit", job: "812", trials: 4 },
  { type: "trial-pending", id: "aaaa1111bbbb", reason: "None", task: "812_0" },
  { type: "trial-pending", id: "cccc2222dddd", reason: "Resources", task: "812_1" },
  { type: "trial-pending", id: "eeee3333ffff", reason: "Priority", task: "812_2" },
  { type: "trial-start", id: "aaaa1111bbbb" },
  { type: "trial-progress", id: "aaaa1111bbbb", step: 150, totalSteps: 300 },
  { type: "trial-start", id: "eeee3333ffff" },
  // its node failed: back in the queue until Slurm lets it restart
  { type: "trial-pending", id: "eeee3333ffff", reason: "BeginTime", task: "812_2" },
];

describe("the sweep view on Slurm", () => {
  const state = events.reduce(reduceSweep, initialSweepState);
  const line = (frame: string, id: string) => frame.split("\n").find((l) => l.includes(id.slice(0, 8))) ?? "";

  it("shows pending trials with squeue's reason beside the running ones", () => {
    const { lastFrame, unmount } = render(createElement(SweepView, { state, elapsedMs: 10_000 }));
    const frame = strip(lastFrame());
    unmount();
    expect(frame).toContain("hgc sweep weights  experiment hybrid  trials 4  on slurm");
    expect(line(frame, "aaaa1111")).toMatch(/▸ aaaa1111 .* running +█{8}░{8} 150\/300/);
    expect(line(frame, "cccc2222")).toMatch(/◷ cccc2222 .* pending +waiting \(Resources\)$/);
    expect(line(frame, "eeee3333")).toMatch(/◷ eeee3333 .* pending +requeued, waiting to restart$/);
    expect(line(frame, "gggg4444")).toMatch(/queued/);
    expect(frame).toContain("0/4 done  1 running  2 pending  1 queued");
    expect(state.slurmJobs).toEqual(["812"]);
  });

  it("prints the same in plain lines", () => {
    const t = state.trials.find((x) => x.trial.id === "eeee3333ffff")!;
    expect(formatTrialLine(state, t)).toBe("◷ eeee3333  wg=0.75  seed 1  pending: requeued, waiting to restart");
  });
});
