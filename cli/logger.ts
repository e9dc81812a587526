// What every logger is and takes: the contract between `loggers.ts`, which chooses one, and the
// loggers themselves (the ink TUI under ui/ among them). Kept apart so the TUI can name these
// types without importing the module that imports it.

/** Anything events can be subscribed on; the runtime's `EventBus` is one. */
export interface Subscribable<E> {
  on(listener: (event: E) => void): () => void;
}

/** Where a logger writes. A `NodeJS.WriteStream` is one; the TUI needs a real terminal stream. */
export interface TextSink {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface LoggerOptions {
  /** Progress and results; defaults to `process.stdout`. */
  out?: TextSink;
  /** Warnings and errors; defaults to `process.stderr`. */
  err?: TextSink;
  /** Plain mode: only warnings, errors and the final summary. */
  quiet?: boolean;
  /** Plain mode: least time between two progress lines (default 2000 ms). */
  intervalMs?: number;
  /** Clock in milliseconds, for rate limiting; defaults to `Date.now` (tests inject their own). */
  now?: () => number;
  /** TUI: most frames per second (default 10). */
  maxFps?: number;
  /** TUI: colours on or off; defaults to `useColor(out)`, so `NO_COLOR` is respected. */
  color?: boolean;
  /** TUI: print stray `console` output above the view instead of through it (default true). */
  patchConsole?: boolean;
}

export interface Logger {
  /** Stops listening, renders what is pending and (TUI) restores the terminal. */
  close(): Promise<void>;
}
