import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { EventBus } from "../../../runtime/events.js";
import { attachLogger } from "../../../cli/loggers.js";
import { attachRunTui } from "../../../cli/ui/run-tui.js";
import { SweepBus } from "../../../cli/ui/sweep-events.js";
import { attachSweepTui } from "../../../cli/ui/sweep-tui.js";
import { completed, start, step, strip, sweepStart } from "./fixtures.js";

/** A terminal-like stream that records every write. */
class FakeTerminal extends EventEmitter {
  isTTY = true;
  columns = 100;
  rows = 40;
  writes: string[] = [];
  write(chunk: string) {
    this.writes.push(chunk);
    return true;
  }
}

function terminals() {
  const out = new FakeTerminal();
  const err = new FakeTerminal();
  // vitest owns the console here; the pseudo-terminal test covers the patched console.
  return { out, opts: { out: out as unknown as NodeJS.WriteStream, err: err as unknown as NodeJS.WriteStream, patchConsole: false } };
}

const CURSOR_SHOW = "\u001b[?25h";
const CURSOR_HIDE = "\u001b[?25l";

describe("run TUI on a terminal", () => {
  it("renders a burst of steps in a few frames, not one per step", async () => {
    const bus = new EventBus();
    const { out, opts } = terminals();
    const logger = attachRunTui(bus, opts);
    bus.emit(start);
    for (let s = 1; s <= 1500; s++) bus.emit(step(s));
    bus.emit(completed);
    await logger.close();
    const frames = out.writes.filter((w) => w.includes("objective"));
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.length).toBeLessThan(5);
  });

  it("leaves the final results on screen and shows the cursor again when the run ends", async () => {
    const bus = new EventBus();
    const { out, opts } = terminals();
    const logger = attachRunTui(bus, opts);
    bus.emit(start);
    bus.emit(step(1500));
    bus.emit(completed);
    await logger.close();
    const all = out.writes.join("");
    expect(strip(all)).toContain("finished at step 1500 after 3m45s");
    expect(strip(all)).toMatch(/linear_probe\.accuracy +0\.843/);
    expect(all.lastIndexOf(CURSOR_SHOW)).toBeGreaterThan(all.lastIndexOf(CURSOR_HIDE));
  });

  it("draws the dashboard as soon as the run starts, before training yields to the event loop", async () => {
    const bus = new EventBus();
    const { out, opts } = terminals();
    const logger = attachLogger(bus, "tui", opts);
    bus.emit(start);
    expect(strip(out.writes.join(""))).toContain("hgc run quickstart");
    bus.emit(completed);
    await logger.close();
  });
});

describe("sweep TUI on a terminal", () => {
  it("shows trials as they finish and ends with the aggregate table, leaving the cursor shown", async () => {
    const bus = new SweepBus();
    const { out, opts } = terminals();
    const logger = attachSweepTui(bus, opts);
    bus.emit(sweepStart);
    bus.emit({ type: "trial-start", id: "aaaa1111bbbb" });
    bus.emit({ type: "trial-progress", id: "aaaa1111bbbb", step: 5, totalSteps: 10 });
    bus.emit({ type: "trial-end", id: "aaaa1111bbbb", status: "done", metrics: { "linear_probe.accuracy": 0.8 } });
    bus.emit({ type: "sweep-end", elapsedMs: 1000, table: [{ point: { wg: 0.25 }, seeds: 1, metrics: { "linear_probe.accuracy": { mean: 0.8, std: 0 } } }], pareto: [] });
    await logger.close();
    const all = out.writes.join("");
    expect(strip(all)).toMatch(/✓ aaaa1111 +wg=0\.25 +seed 1 +done +linear_probe\.accuracy 0\.8\b/);
    expect(strip(all)).toMatch(/wg=0\.25 +1 +0\.8 ± 0/);
    expect(all.lastIndexOf(CURSOR_SHOW)).toBeGreaterThan(all.lastIndexOf(CURSOR_HIDE));
  });
});
