import type { Logger, LoggerOptions, Subscribable } from "../logger.js";
import { mountLive } from "./live.js";
import type { SweepEvent } from "./sweep-events.js";
import { initialSweepState, reduceSweep } from "./sweep-state.js";
import { SweepView } from "./SweepView.js";

/** The sweep view on a terminal, fed by a sweep's events. */
export function attachSweepTui(bus: Subscribable<SweepEvent>, opts: LoggerOptions = {}): Logger {
  return mountLive(
    bus,
    {
      initial: initialSweepState,
      reduce: reduceSweep,
      view: (state, { uptimeMs }) => <SweepView state={state} elapsedMs={uptimeMs} />,
      isFinal: (e) => e.type === "sweep-end",
    },
    opts,
  );
}
