import type { RunEvent } from "../../runtime/events.js";
import type { Logger, LoggerOptions, Subscribable } from "../logger.js";
import { mountLive } from "./live.js";
import { RunDashboard } from "./RunDashboard.js";
import { initialRunState, reduceRun } from "./run-state.js";

/** The run dashboard on a terminal, fed by a run's events. */
export function attachRunTui(bus: Subscribable<RunEvent>, opts: LoggerOptions = {}): Logger {
  return mountLive(
    bus,
    {
      initial: initialRunState,
      reduce: reduceRun,
      view: (state, { idleMs, columns }) => <RunDashboard state={state} idleMs={idleMs} columns={columns} />,
      isFinal: (e) => e.type === "end",
    },
    opts,
  );
}
