import { describe, expect, it } from "vitest";
import { EventBus, type RunEvent } from "../../runtime/events.js";
import type { Subscribable } from "../../cli/logger.js";
import { attachLogger, attachSweepLogger, chooseMode, formatStepLine } from "../../cli/loggers.js";
import type { SweepEvent } from "../../cli/ui/sweep-events.js";
import { checkpointAt500, completed, evalAt500, start, step, sweepStart } from "./ui/fixtures.js";

/** A stream that keeps what is written to it. */
function sink() {
  const chunks: string[] = [];
  return {
    chunks,
    write: (c: string) => chunks.push(c),
    text: () => chunks.join(""),
    lines: () => chunks.join("").split("\n").filter((l) => l !== ""),
  };
}

/** A clock the test moves by hand. */
function clock(t = 0) {
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

class SweepBus implements Subscribable<SweepEvent> {
  private listeners: ((e: SweepEvent) => void)[] = [];
  on(l: (e: SweepEvent) => void) {
    this.listeners.push(l);
    return () => (this.listeners = this.listeners.filter((x) => x !== l));
  }
  emit(e: SweepEvent) {
    for (const l of this.listeners) l(e);
  }
}

describe("chooseMode", () => {
  const tty = { isTTY: true };
  it("uses the TUI only on an interactive terminal outside CI", () => {
    expect(chooseMode({}, tty, {})).toBe("tui");
    expect(chooseMode({}, { isTTY: false }, {})).toBe("plain");
    expect(chooseMode({}, tty, { CI: "true" })).toBe("plain");
    expect(chooseMode({}, tty, { TERM: "dumb" })).toBe("plain");
  });
  it("lets --no-tui and --json override the terminal", () => {
    expect(chooseMode({ noTui: true }, tty, {})).toBe("plain");
    expect(chooseMode({ json: true }, tty, {})).toBe("json");
    expect(chooseMode({ json: true, noTui: true }, { isTTY: false }, {})).toBe("json");
  });
});

describe("plain logger", () => {
  it("formats a step as one line with every loss term, the objective, lr, throughput and ETA", () => {
    expect(formatStepLine(step(120))).toBe("step  120/1500  loss gen=2.27 con=4.18  obj=5.32  lr 1.0e-3  410 img/s  eta 3m27s");
  });

  it("prints the first step, then at most one step line per interval, and always the last step", () => {
    const bus = new EventBus();
    const out = sink();
    const c = clock();
    attachLogger(bus, "plain", { out, err: sink(), now: c.now, intervalMs: 2000 });
    bus.emit({ ...start, totalSteps: 100 });
    for (let s = 1; s <= 100; s++) {
      bus.emit(step(s, 100));
      c.advance(150); // 150 ms a step: one line every 14 steps
    }
    const steps = out.lines().filter((l) => l.startsWith("step"));
    expect(steps.map((l) => Number(/step +(\d+)/.exec(l)![1]))).toEqual([1, 15, 29, 43, 57, 71, 85, 99, 100]);
  });

  it("prints nothing more than the start line for steps that come faster than the interval", () => {
    const bus = new EventBus();
    const out = sink();
    attachLogger(bus, "plain", { out, err: sink(), now: () => 0 });
    bus.emit(start);
    for (let s = 1; s <= 50; s++) bus.emit(step(s));
    expect(out.lines()).toHaveLength(2); // start and step 1
  });

  it("prints the latest unprinted step before an evaluation, then the evaluation as a table, then the checkpoint", () => {
    const bus = new EventBus();
    const out = sink();
    const c = clock();
    attachLogger(bus, "plain", { out, err: sink(), now: c.now });
    bus.emit(start);
    bus.emit(step(1));
    bus.emit(step(500));
    bus.emit(evalAt500);
    bus.emit(checkpointAt500);
    expect(out.lines().slice(1)).toEqual([
      expect.stringMatching(/^step +1\/1500/),
      expect.stringMatching(/^step  500\/1500/),
      "eval at step 500 (4.2s)",
      "  linear_probe.accuracy  0.812",
      "  linear_probe.ece       0.0312",
      "  knn.accuracy           0.795",
      "  ood.likelihood.auroc   —",
      "  skipped ood: no out-of-distribution set given",
      "checkpoint at step 500 → runs/quickstart-1a2b3c/checkpoints/500",
    ]);
  });

  it("starts with the run's identity and ends with its results", () => {
    const bus = new EventBus();
    const out = sink();
    attachLogger(bus, "plain", { out, err: sink(), now: () => 0 });
    bus.emit(start);
    bus.emit(completed);
    expect(out.lines()).toEqual([
      "run quickstart  backend tensorflow  1.23M params  data fashion_mnist/train 60k, fashion_mnist/test 10k  1500 steps × batch 256  seed 7  → runs/quickstart-1a2b3c",
      "finished at step 1500 after 3m45s  → runs/quickstart-1a2b3c",
      "results",
      "  linear_probe.accuracy  0.843",
      "  bits_per_dim           3.12",
    ]);
  });

  it("says which evaluation the final results come from when it was not at the last step", () => {
    const bus = new EventBus();
    const out = sink();
    attachLogger(bus, "plain", { out, err: sink(), now: () => 0 });
    bus.emit(evalAt500);
    bus.emit({ ...completed, status: "interrupted", step: 620, metrics: { "knn.accuracy": 0.7954 } });
    expect(out.lines().slice(-4)).toEqual([
      "interrupted at step 620 after 3m45s  → runs/quickstart-1a2b3c",
      "results (evaluation at step 500)",
      "  knn.accuracy  0.795",
      "to continue, run the same command again with --resume",
    ]);
  });

  it("writes warnings and errors to stderr, the error on one line with its hint", () => {
    const bus = new EventBus();
    const out = sink();
    const err = sink();
    attachLogger(bus, "plain", { out, err, now: () => 0 });
    bus.emit({ type: "log", level: "warn", message: "loss `aux` has weight 0" });
    bus.emit({ type: "error", step: 13, message: "loss `gen` became NaN", hint: "lower the learning rate" });
    bus.emit({ ...completed, status: "failed", metrics: {} });
    expect(err.lines()).toEqual(["hgc: warning: loss `aux` has weight 0", "hgc: error: at step 13: loss `gen` became NaN", "  hint: lower the learning rate"]);
    expect(out.lines()).toEqual(["failed at step 1500 after 3m45s  → runs/quickstart-1a2b3c"]);
  });

  it("prints only warnings, errors and the outcome when quiet", () => {
    const bus = new EventBus();
    const out = sink();
    attachLogger(bus, "plain", { out, err: sink(), now: () => 0, quiet: true });
    for (const e of [start, step(1), step(1500), evalAt500, checkpointAt500, { ...completed, status: "interrupted" as const, metrics: {} }]) bus.emit(e);
    expect(out.lines()).toEqual(["interrupted at step 1500 after 3m45s  → runs/quickstart-1a2b3c", "to continue, run the same command again with --resume"]);
  });

  it("stops listening when closed", async () => {
    const bus = new EventBus();
    const out = sink();
    const logger = attachLogger(bus, "plain", { out, err: sink(), now: () => 0 });
    await logger.close();
    bus.emit(start);
    expect(out.chunks).toEqual([]);
  });
});

describe("json logger", () => {
  it("writes every event, unthrottled, as one line of JSON that parses back to the event", () => {
    const bus = new EventBus();
    const out = sink();
    attachLogger(bus, "json", { out });
    const events: RunEvent[] = [start, ...Array.from({ length: 30 }, (_, i) => step(i + 1)), evalAt500, checkpointAt500, completed];
    for (const e of events) bus.emit(e);
    expect(out.chunks).toHaveLength(events.length);
    for (const c of out.chunks) expect(c.endsWith("\n") && !c.slice(0, -1).includes("\n")).toBe(true);
    expect(out.chunks.map((c) => JSON.parse(c))).toEqual(events);
  });
});

describe("sweep plain logger", () => {
  it("prints trial starts and ends, failures to stderr, throttled progress, then the aggregate table and Pareto points", () => {
    const bus = new SweepBus();
    const out = sink();
    const err = sink();
    const c = clock();
    attachSweepLogger(bus, "plain", { out, err, now: c.now, intervalMs: 2000 });
    bus.emit(sweepStart);
    bus.emit({ type: "trial-start", id: "aaaa1111bbbb" });
    bus.emit({ type: "trial-start", id: "cccc2222dddd" });
    for (let s = 1; s <= 10; s++) {
      c.advance(500);
      bus.emit({ type: "trial-progress", id: "aaaa1111bbbb", step: s, totalSteps: 10 });
    }
    bus.emit({ type: "trial-end", id: "aaaa1111bbbb", status: "done", metrics: { "linear_probe.accuracy": 0.812 }, elapsedMs: 5000 });
    bus.emit({ type: "trial-end", id: "cccc2222dddd", status: "failed", error: "data file removed\nstack…" });
    bus.emit({
      type: "sweep-end",
      elapsedMs: 5000,
      table: [{ point: { wg: 0.25 }, seeds: 1, metrics: { "linear_probe.accuracy": { mean: 0.812, std: 0 } } }],
      pareto: [{ point: { wg: 0.25 }, metrics: { "linear_probe.accuracy": 0.812 } }],
    });
    const lines = out.lines();
    expect(lines[0]).toBe("sweep weights  4 trials  jobs 2  → sweeps/weights-9f8e");
    expect(lines[1]).toBe("▸ aaaa1111  wg=0.25  seed 1  running");
    const progress = lines.filter((l) => l.startsWith("sweep 0/4"));
    expect(progress).toHaveLength(2); // at 2 s and 4 s of 5 s
    expect(progress[0]).toBe("sweep 0/4 done  2 running  elapsed 2.0s  eta 18s  (aaaa1111 4/10, cccc2222 0/?)");
    expect(lines).toContain("✓ aaaa1111  wg=0.25  seed 1  done  linear_probe.accuracy 0.812  5.0s");
    expect(err.lines()).toEqual(["✗ cccc2222  wg=0.25  seed 2  failed: data file removed"]);
    expect(lines.slice(-5)).toEqual([
      "sweep finished after 5.0s: 1 done, 0 skipped, 1 failed",
      "point    seeds  linear_probe.accuracy",
      "wg=0.25  1      0.812 ± 0",
      "pareto front",
      "  ★ wg=0.25  linear_probe.accuracy 0.812",
    ]);
  });

  it("writes sweep events one per line in json mode", () => {
    const bus = new SweepBus();
    const out = sink();
    attachSweepLogger(bus, "json", { out });
    bus.emit(sweepStart);
    bus.emit({ type: "trial-start", id: "aaaa1111bbbb" });
    expect(out.chunks.map((c) => JSON.parse(c).type)).toEqual(["sweep-start", "trial-start"]);
  });
});
