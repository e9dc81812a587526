// The live view of an objective mixing several two-view losses with the generative one: every
// term gets its row, weight and sparkline, whatever its loss kind.
import { render } from "ink-testing-library";
import { describe, expect, it } from "vitest";
import type { RunEvent, StepEvent } from "../../../runtime/events.js";
import { RunDashboard } from "../../../cli/ui/RunDashboard.js";
import { initialRunState, reduceRun } from "../../../cli/ui/run-state.js";
import { start, strip } from "./fixtures.js";

function step(n: number): StepEvent {
  const losses = { gen: 2 + 4 / n, by: 4 / (1 + n), bt: 30 - n / 10, mo: 5 - n / 100 };
  const weights = { gen: 1, by: 0.5, bt: 0.01, mo: 0.25 };
  const objective = Object.entries(losses).reduce((s, [k, v]) => s + v * weights[k as keyof typeof weights], 0);
  return { type: "step", step: n, totalSteps: 100, losses, weights, objective, lr: 1e-3, gradNorm: 1, imagesPerSec: 100, msPerStep: 100, elapsedMs: n * 100 };
}

describe("run dashboard with the two-view family", () => {
  it("shows a row per term of gen + 0.5·by + 0.01·bt + 0.25·mo, each with its weight and sparkline", () => {
    const events: RunEvent[] = [{ ...start, totalSteps: 100 }, ...Array.from({ length: 40 }, (_, i) => step(i + 1))];
    const state = events.reduce(reduceRun, initialRunState);
    const { lastFrame, unmount } = render(<RunDashboard state={state} />);
    const lines = strip(lastFrame()).split("\n");
    unmount();
    const row = (name: string) => lines.find((l) => l.startsWith(`${name} `));
    expect(row("gen")).toMatch(/^gen +×1 +2\.1 +[▁▂▃▄▅▆▇█]+$/);
    expect(row("by")).toMatch(/^by +×0\.5 +0\.0976 +[▁▂▃▄▅▆▇█]+$/);
    expect(row("bt")).toMatch(/^bt +×0\.01 +26 +[▁▂▃▄▅▆▇█]+$/);
    expect(row("mo")).toMatch(/^mo +×0\.25 +4\.6 +[▁▂▃▄▅▆▇█]+$/);
  });
});
