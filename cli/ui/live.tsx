// Mounts a view of state folded from events on a terminal: events update the state at once,
// the screen at most `maxFps` times a second, and the final event renders, then unmounts so the
// last frame stays on screen, the cursor comes back and the process can exit.
import { render } from "ink";
import type { ReactElement } from "react";
import type { Logger, LoggerOptions, Subscribable } from "../loggers.js";
import { FrameScheduler } from "./frame-scheduler.js";

export interface LiveView<S, E> {
  readonly initial: S;
  reduce(state: S, event: E): S;
  view(state: S): ReactElement;
  /** The event after which nothing more is shown. */
  isFinal(event: E): boolean;
}

export function mountLive<S, E>(bus: Subscribable<E>, live: LiveView<S, E>, opts: LoggerOptions = {}): Logger {
  let state = live.initial;
  const maxFps = opts.maxFps ?? 10;
  const instance = render(live.view(state), {
    stdout: (opts.out ?? process.stdout) as NodeJS.WriteStream,
    stderr: (opts.err ?? process.stderr) as NodeJS.WriteStream,
    // The runtime owns SIGINT (checkpoint, then an `end` event); ink must not exit on its own,
    // and without raw mode the terminal still turns Ctrl-C into SIGINT for the process.
    exitOnCtrlC: false,
    // Stray console output (a library's banner) is printed above the view instead of through it.
    patchConsole: opts.patchConsole ?? true,
    maxFps,
  });
  const exited = instance.waitUntilExit();
  const scheduler = new FrameScheduler(() => instance.rerender(live.view(state)), 1000 / maxFps);
  let closed: Promise<void> | undefined;
  let off = () => {};

  const close = (): Promise<void> => {
    if (closed) return closed;
    off();
    scheduler.cancel();
    instance.rerender(live.view(state));
    instance.unmount();
    closed = exited.then(
      () => undefined,
      () => undefined,
    );
    return closed;
  };

  const unsubscribe = bus.on((event) => {
    if (closed) return;
    state = live.reduce(state, event);
    if (live.isFinal(event)) void close();
    else scheduler.request();
  });
  // A bus that replays past events may deliver the final one before `on` returns.
  if (closed) unsubscribe();
  else off = unsubscribe;

  return { close };
}
