// What the run dashboard shows, folded from runtime events. Pure: the same events always give
// the same state, so views can be tested from events alone.
import type { CheckpointEvent, EndEvent, ErrorEvent, EvalEvent, LogEvent, RunEvent, StartEvent, StepEvent } from "../../runtime/events.js";

/** How many recent values of each loss term the sparklines draw from. */
export const HISTORY = 240;

/**
 * Work that is over and never changes again: printed once, above the live view. (Evaluations
 * are not: the latest one is a table in the live view that the next one replaces.)
 */
export type Finished =
  | { readonly kind: "header"; readonly key: string; readonly start: StartEvent }
  | { readonly kind: "checkpoint"; readonly key: string; readonly event: CheckpointEvent }
  | { readonly kind: "log"; readonly key: string; readonly event: LogEvent }
  | { readonly kind: "error"; readonly key: string; readonly event: ErrorEvent };

export interface RunState {
  readonly start?: StartEvent;
  readonly last?: StepEvent;
  /** Recent values by loss name, plus `objective`, `lr` and `gradNorm`. */
  readonly history: Readonly<Record<string, readonly number[]>>;
  /** Time a step takes: a moving average of the steps this process ran, the first (warm-up) left out once others came. */
  readonly stepMs?: number;
  /** Steps that went into `stepMs`. */
  readonly stepsTimed: number;
  readonly lastEval?: EvalEvent;
  /** The evaluation before `lastEval`. */
  readonly prevEval?: EvalEvent;
  readonly lastCheckpoint?: CheckpointEvent;
  readonly errors: readonly ErrorEvent[];
  readonly finished: readonly Finished[];
  readonly end?: EndEvent;
}

export const initialRunState: RunState = { history: {}, stepsTimed: 0, errors: [], finished: [] };

/** Weight of the newest step in `stepMs`: about the last 20 steps count. */
const STEP_EMA = 0.1;

/** Steps left × the recent time a step takes; undefined before the first step. */
export function runEtaMs(state: RunState): number | undefined {
  const last = state.last;
  if (!last || state.stepMs === undefined) return undefined;
  return Math.max(0, (last.totalSteps - last.step) * state.stepMs);
}

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
      history.gradNorm = push(state.history, "gradNorm", event.gradNorm);
      // The first step compiles kernels and warms caches: it stands alone only until a second comes.
      const n = state.stepsTimed;
      const ms = Math.max(0, event.msPerStep);
      const stepMs = n === 0 ? ms : n === 1 ? ms : state.stepMs! + STEP_EMA * (ms - state.stepMs!);
      return { ...state, last: event, history, stepMs, stepsTimed: n + 1 };
    }
    case "eval":
      return { ...state, lastEval: event, prevEval: state.lastEval };
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
