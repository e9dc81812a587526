import { Box, Static, Text } from "ink";
import { AggregateTable } from "./AggregateTable.js";
import { formatDuration } from "../../common/format.js";
import { ParetoList } from "./ParetoList.js";
import { SweepHeader } from "./SweepHeader.js";
import { SweepProgress } from "./SweepProgress.js";
import { formatPoint, keyMetricOf, sweepEtaMs, sweepFraction, type SweepState, type TrialState } from "./sweep-state.js";
import { TrialRow } from "./TrialRow.js";

export interface SweepViewProps {
  readonly state: SweepState;
  /** Time since the sweep started. */
  readonly elapsedMs: number;
  /** Queued trials listed before the rest are summed up as "… and N more". */
  readonly maxQueued?: number;
}

type StaticItem = { readonly key: string; readonly header: true } | { readonly key: string; readonly trial: TrialState };

/**
 * Finished trials are printed once, in the order they finished; running and queued trials and
 * the sweep's progress stay live below; the aggregate table and the Pareto points come last.
 */
export function SweepView({ state, elapsedMs, maxQueued = 5 }: SweepViewProps) {
  const { start, end, trials } = state;
  if (!start) return <Text dimColor>starting sweep…</Text>;
  const pointWidth = Math.max(5, ...trials.map((t) => formatPoint(t.trial.point).length));
  const finished = trials.filter((t) => t.status === "done" || t.status === "failed" || t.status === "skipped" || t.status === "pruned");
  const items: StaticItem[] = [
    { key: "header", header: true },
    ...[...finished].sort((a, b) => order(state, a) - order(state, b)).map((trial) => ({ key: trial.trial.id, trial })),
  ];
  const running = trials.filter((t) => t.status === "running");
  const pending = trials.filter((t) => t.status === "pending");
  const queued = trials.filter((t) => t.status === "queued");
  const counts = { queued: queued.length, pending: pending.length, running: running.length, done: 0, failed: 0, skipped: 0 };
  // a pruned trial is done: it ran as far as it was worth running
  for (const t of finished) counts[t.status === "pruned" ? "done" : (t.status as "done" | "failed" | "skipped")] += 1;
  const row = (t: TrialState) => <TrialRow key={t.trial.id} trial={t} pointWidth={pointWidth} keyMetric={keyMetricOf(state, t.metrics)} />;
  return (
    <>
      <Static items={items}>{(item) => ("header" in item ? <SweepHeader key={item.key} start={start} /> : row(item.trial))}</Static>
      {running.map(row)}
      {pending.slice(0, maxQueued).map(row)}
      {pending.length > maxQueued ? <Text dimColor>  … and {pending.length - maxQueued} more pending</Text> : null}
      {queued.slice(0, maxQueued).map(row)}
      {queued.length > maxQueued ? <Text dimColor>  … and {queued.length - maxQueued} more queued</Text> : null}
      <Box marginTop={1}>
        <SweepProgress
          fraction={sweepFraction(trials)}
          counts={counts}
          elapsedMs={end?.elapsedMs ?? elapsedMs}
          etaMs={end ? undefined : sweepEtaMs(trials, elapsedMs)}
        />
      </Box>
      {end ? (
        <Box flexDirection="column" marginTop={1}>
          <Text>
            <Text bold color={counts.failed > 0 ? "yellow" : "green"}>
              sweep finished
            </Text>{" "}
            after {formatDuration(end.elapsedMs)}: {counts.done} done, {counts.skipped} skipped, {counts.failed} failed
          </Text>
          <Box marginTop={1}>
            <AggregateTable rows={end.table} />
          </Box>
          <Box marginTop={1}>
            <ParetoList points={end.pareto} objectives={end.objectives} />
          </Box>
          {end.files && end.files.length > 0 ? <Text dimColor>wrote {end.files.join(", ")}</Text> : null}
        </Box>
      ) : null}
    </>
  );
}

// Static output is append-only, so finished trials keep the order in which they finished;
// `finishedOrder` in the state records it.
function order(state: SweepState, t: TrialState): number {
  return state.finishedOrder.indexOf(t.trial.id);
}
