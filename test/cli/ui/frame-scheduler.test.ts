import { describe, expect, it } from "vitest";
import { FrameScheduler, type Timers } from "../../../cli/ui/frame-scheduler.js";

/** Timers driven by hand: `advance` runs what falls due. */
function manualTimers() {
  let t = 0;
  let pending: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 0;
  const timers: Timers = {
    now: () => t,
    setTimeout: (fn, ms) => {
      const id = nextId++;
      pending.push({ at: t + ms, fn, id });
      return id;
    },
    clearTimeout: (id) => {
      pending = pending.filter((p) => p.id !== id);
    },
  };
  const advance = (ms: number) => {
    const end = t + ms;
    for (;;) {
      const due = pending.filter((p) => p.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      pending = pending.filter((p) => p !== due);
      t = due.at;
      due.fn();
    }
    t = end;
  };
  return { timers, advance };
}

describe("frame scheduler", () => {
  it("renders the first request at once and batches the rest into one frame per interval", () => {
    const { timers, advance } = manualTimers();
    let frames = 0;
    const s = new FrameScheduler(() => frames++, 100, timers);
    s.request();
    expect(frames).toBe(1);
    for (let i = 0; i < 50; i++) {
      s.request();
      advance(10); // 50 requests over 500 ms
    }
    expect(frames).toBe(6); // at 0, 100, 200, 300, 400 and 500 ms
  });

  it("renders at once on flush and drops the pending frame", () => {
    const { timers, advance } = manualTimers();
    let frames = 0;
    const s = new FrameScheduler(() => frames++, 100, timers);
    s.request();
    s.request();
    s.flush();
    expect(frames).toBe(2);
    advance(1000);
    expect(frames).toBe(2);
  });
});
