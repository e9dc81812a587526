// Mounts a view of state folded from events on a terminal: events update the state at once,
// the screen at most `maxFps` times a second, and the final event renders, then unmounts so the
// last frame stays on screen, the cursor comes back and the process can exit.
import { render } from "ink";
import type { ReactElement } from "react";
import { useColor } from "../color.js";
import type { Logger, LoggerOptions, Subscribable, TextSink } from "../logger.js";
import { FrameScheduler } from "./frame-scheduler.js";

/** What a view may know besides its state. */
export interface ViewContext {
  /** Milliseconds since the last event arrived. */
  readonly idleMs: number;
  /** Milliseconds since the view was mounted. */
  readonly uptimeMs: number;
  /** Terminal width. */
  readonly columns: number;
}

export interface LiveView<S, E> {
  readonly initial: S;
  reduce(state: S, event: E): S;
  view(state: S, context: ViewContext): ReactElement;
  /** The event after which nothing more is shown. */
  isFinal(event: E): boolean;
}

/** How often the view is redrawn when no event comes, so elapsed times keep moving. */
const TICK_MS = 1000;

export function mountLive<S, E>(bus: Subscribable<E>, live: LiveView<S, E>, opts: LoggerOptions = {}): Logger {
  let state = live.initial;
  const maxFps = opts.maxFps ?? 10;
  const out = opts.out ?? process.stdout;
  const now = opts.now ?? Date.now;
  const mountedAt = now();
  let lastEventAt = mountedAt;
  const view = () => {
    const t = now();
    return live.view(state, { idleMs: t - lastEventAt, uptimeMs: t - mountedAt, columns: out.columns || 80 });
  };
  const instance = render(view(), {
    stdout: (opts.color ?? useColor(out) ? out : monochrome(out)) as NodeJS.WriteStream,
    stderr: (opts.err ?? process.stderr) as NodeJS.WriteStream,
    // The runtime owns SIGINT (checkpoint, then an `end` event); ink must not exit on its own,
    // and without raw mode the terminal still turns Ctrl-C into SIGINT for the process.
    exitOnCtrlC: false,
    // Stray console output (a library's banner) is printed above the view instead of through it.
    patchConsole: opts.patchConsole ?? true,
    // The frame scheduler below sets the pace; ink's own throttle is kept looser so a frame
    // the scheduler lets through is drawn at once, not deferred to a timer a busy loop delays.
    maxFps: maxFps * 2,
  });
  const exited = instance.waitUntilExit();
  const scheduler = new FrameScheduler(() => instance.rerender(view()), 1000 / maxFps);
  const ticker = setInterval(() => scheduler.request(), TICK_MS);
  ticker.unref();
  let closed: Promise<void> | undefined;
  let off = () => {};

  const close = (): Promise<void> => {
    if (closed) return closed;
    off();
    clearInterval(ticker);
    scheduler.cancel();
    instance.rerender(view());
    instance.unmount();
    closed = exited.then(
      () => undefined,
      () => undefined,
    );
    return closed;
  };

  const unsubscribe = bus.on((event) => {
    if (closed) return;
    lastEventAt = now();
    state = live.reduce(state, event);
    if (live.isFinal(event)) void close();
    else scheduler.request();
  });
  // A bus that replays past events may deliver the final one before `on` returns.
  if (closed) unsubscribe();
  else off = unsubscribe;

  return { close };
}

// SGR sequences: colours and text styles, not cursor movement.
// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/g;

/**
 * The stream with colours and styles taken out of what is written to it. Ink's colours follow
 * chalk, which ignores NO_COLOR; this makes the dashboard honour it while keeping the cursor
 * control that redraws it.
 */
function monochrome(stream: TextSink): TextSink {
  return new Proxy(stream, {
    get(target, prop) {
      if (prop === "write") {
        return (chunk: unknown, ...rest: unknown[]) =>
          (target.write as (...a: unknown[]) => unknown)(typeof chunk === "string" ? chunk.replace(SGR, "") : chunk, ...rest);
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
