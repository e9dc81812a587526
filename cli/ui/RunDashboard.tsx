import { Box, Static, Text } from "ink";
import { formatDuration } from "../../common/format.js";
import { etaMs } from "./format.js";
import { FinishedItem } from "./FinishedItem.js";
import { LossPanel } from "./LossPanel.js";
import type { RunState } from "./run-state.js";
import { RunProgress } from "./RunProgress.js";
import { RunSummary } from "./RunSummary.js";

export interface RunDashboardProps {
  readonly state: RunState;
  /** Time since the last event; a long silence (an evaluation, a slow step) is said so. */
  readonly idleMs?: number;
  /** Terminal width, for the progress bar. */
  readonly columns?: number;
}

/** Silence after which the dashboard says how long it has waited. */
const IDLE_NOTE_MS = 5000;

/** Finished work (header, evaluations, checkpoints, warnings) above, live training below, summary last. */
export function RunDashboard({ state, idleMs = 0, columns = 100 }: RunDashboardProps) {
  const { last, start, end } = state;
  return (
    <>
      <Static items={state.finished as Parameters<typeof FinishedItem>[0]["item"][]}>
        {(item) => <FinishedItem key={item.key} item={item} />}
      </Static>
      {last ? (
        <Box flexDirection="column">
          <RunProgress
            step={last.step}
            totalSteps={last.totalSteps}
            elapsedMs={end?.elapsedMs ?? last.elapsedMs}
            etaMs={end ? undefined : etaMs(last.step, last.totalSteps, last.elapsedMs, start?.startStep ?? 0)}
            imagesPerSec={last.imagesPerSec}
            barWidth={Math.max(10, Math.min(30, columns - 60))}
          />
          {!end && idleMs >= IDLE_NOTE_MS ? <Text dimColor>last step {formatDuration(idleMs)} ago</Text> : null}
          <Box marginTop={1}>
            <LossPanel losses={last.losses} weights={last.weights} objective={last.objective} lr={last.lr} history={state.history} />
          </Box>
        </Box>
      ) : end ? null : (
        <Text dimColor>{start ? "waiting for the first step…" : "starting…"}</Text>
      )}
      {end ? <RunSummary end={end} evalStep={state.lastEval?.step} /> : null}
    </>
  );
}
