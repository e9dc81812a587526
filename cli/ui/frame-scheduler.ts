// Batches state changes into frames: however many events arrive, the view renders at most once
// per `intervalMs`, so a fast training loop never waits on the terminal.

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // A pending frame must not keep the process alive; close() renders the last one.
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class FrameScheduler {
  private timer: unknown;
  private lastFrame = -Infinity;

  constructor(
    private readonly render: () => void,
    private readonly intervalMs: number,
    private readonly timers: Timers = realTimers,
  ) {}

  /** Asks for a frame: now if the last one is old enough, else once at the end of the interval. */
  request(): void {
    if (this.timer !== undefined) return;
    const wait = this.lastFrame + this.intervalMs - this.timers.now();
    if (wait <= 0) this.frame();
    else this.timer = this.timers.setTimeout(() => this.frame(), wait);
  }

  /** Renders now, dropping any pending frame. */
  flush(): void {
    this.cancel();
    this.frame();
  }

  cancel(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private frame(): void {
    this.timer = undefined;
    this.lastFrame = this.timers.now();
    this.render();
  }
}
