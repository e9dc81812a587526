import type { Logger, LoggerOptions, Subscribable } from "../loggers.js";
import { mountLive } from "./live.js";
import type { SweepEvent } from "./sweep-events.js";
import { initialSweepState, reduceSweep } from "./sweep-state.js";
import { SweepView } from "./SweepView.js";

/** The sweep view on a terminal, fed by a sweep's events. */
export function attachSweepTui(bus: Subscribable<SweepEvent>, opts: LoggerOptions = {}): Logger {
  const now = opts.now ?? Date.now;
  let startedAt = now();
  return mountLive(
    bus,
    {
      initial: initialSweepState,
      reduce: (state, event) => {
        if (event.type === "sweep-start") startedAt = now();
        return reduceSweep(state, event);
      },
      view: (state) => <SweepView state={state} elapsedMs={now() - startedAt} />,
      isFinal: (e) => e.type === "sweep-end",
    },
    opts,
  );
}
