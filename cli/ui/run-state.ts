// What the run dashboard shows, folded from runtime events. Pure: the same events always give
// the same state, so views can be tested from events alone.
import type { CheckpointEvent, EndEvent, ErrorEvent, EvalEvent, LogEvent, RunEvent, StartEvent, StepEvent } from "../../runtime/events.js";

/** How many recent values of each loss term the sparklines draw from. */
export const HISTORY = 240;

/** Work that is over and never changes again: printed once, above the live view. */
export type Finished =
  | { readonly kind: "header"; readonly key: string; readonly start: StartEvent }
  | { readonly kind: "eval"; readonly key: string; readonly event: EvalEvent }
  | { readonly kind: "checkpoint"; readonly key: string; readonly event: CheckpointEvent }
  | { readonly kind: "log"; readonly key: string; readonly event: LogEvent }
  | { readonly kind: "error"; readonly key: string; readonly event: ErrorEvent };

export interface RunState {
  readonly start?: StartEvent;
  readonly last?: StepEvent;
  /** Recent values by loss name, plus `objective` and `lr`. */
  readonly history: Readonly<Record<string, readonly number[]>>;
  readonly lastEval?: EvalEvent;
  readonly lastCheckpoint?: CheckpointEvent;
  readonly errors: readonly ErrorEvent[];
  readonly finished: readonly Finished[];
  readonly end?: EndEvent;
}

export const initialRunState: RunState = { history: {}, errors: [], finished: [] };

function push(history: RunState["history"], key: string, value: number): readonly number[] {
  const old = history[key] ?? [];
  const next = old.length >= HISTORY ? old.slice(old.length - HISTORY + 1) : old.slice();
  next.push(value);
  return next;
}

export function reduceRun(state: RunState, event: RunEvent): RunState {
  const key = String(state.finished.length);
  switch (event.type) {
    case "start":
      return { ...state, start: event, finished: [...state.finished, { kind: "header", key, start: event }] };
    case "step": {
      const history: Record<string, readonly number[]> = { ...state.history };
      for (const [name, value] of Object.entries(event.losses)) history[name] = push(state.history, name, value);
      history.objective = push(state.history, "objective", event.objective);
      history.lr = push(state.history, "lr", event.lr);
      return { ...state, last: event, history };
    }
    case "eval":
      return { ...state, lastEval: event, finished: [...state.finished, { kind: "eval", key, event }] };
    case "checkpoint":
      return { ...state, lastCheckpoint: event, finished: [...state.finished, { kind: "checkpoint", key, event }] };
    case "log":
      return { ...state, finished: [...state.finished, { kind: "log", key, event }] };
    case "error":
      return { ...state, errors: [...state.errors, event], finished: [...state.finished, { kind: "error", key, event }] };
    case "end":
      return { ...state, end: event };
  }
}
