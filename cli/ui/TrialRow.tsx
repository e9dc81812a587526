import { Box, Text } from "ink";
import { formatDuration, formatValue } from "../../common/format.js";
import { LIVE_DIGITS } from "./format.js";
import { ProgressBar } from "./ProgressBar.js";
import { formatPoint, pendingReason, type TrialState } from "./sweep-state.js";

export interface TrialRowProps {
  readonly trial: TrialState;
  /** The metric a finished trial is summarised by, if it has one. */
  readonly keyMetric?: readonly [string, number | null];
  /** Width of the grid-point column, the same for every row of a sweep. */
  readonly pointWidth: number;
}

const MARK = { queued: "·", pending: "◷", running: "▸", done: "✓", failed: "✗", skipped: "↷", pruned: "✂" } as const;
const COLOR = { queued: "gray", pending: "yellow", running: "cyan", done: "green", failed: "red", skipped: "gray", pruned: "yellow" } as const;

/** One trial: its id, grid point and seed, then its progress, key metric or error. */
export function TrialRow({ trial, keyMetric, pointWidth }: TrialRowProps) {
  const { status } = trial;
  return (
    <Box>
      <Box width={2}>
        <Text color={COLOR[status]}>{MARK[status]}</Text>
      </Box>
      <Box width={10}>
        <Text dimColor>{trial.trial.id.slice(0, 8)}</Text>
      </Box>
      <Box width={pointWidth + 2}>
        <Text>{formatPoint(trial.trial.point)}</Text>
      </Box>
      <Box width={10}>
        <Text>seed {trial.trial.seed}</Text>
      </Box>
      <Box width={9}>
        <Text color={COLOR[status]}>{status}</Text>
      </Box>
      <TrialDetail trial={trial} keyMetric={keyMetric} />
    </Box>
  );
}

function TrialDetail({ trial, keyMetric }: Pick<TrialRowProps, "trial" | "keyMetric">) {
  switch (trial.status) {
    case "queued":
      return null;
    case "pending":
      return trial.reason ? <Text dimColor>{pendingReason(trial.reason)}</Text> : null;
    case "running":
      return trial.totalSteps ? (
        <Text>
          <ProgressBar fraction={(trial.step ?? 0) / trial.totalSteps} width={16} /> {trial.step}/{trial.totalSteps}
        </Text>
      ) : (
        <Text dimColor>starting…</Text>
      );
    case "done":
    case "skipped":
    case "pruned":
      return (
        <Text>
          {keyMetric ? (
            <>
              {keyMetric[0]} <Text bold>{formatValue(keyMetric[1], LIVE_DIGITS)}</Text>
            </>
          ) : null}
          {trial.elapsedMs !== undefined ? <Text dimColor>  {formatDuration(trial.elapsedMs)}</Text> : null}
        </Text>
      );
    case "failed":
      return <Text color="red">{firstLine(trial.error ?? "failed")}</Text>;
  }
}

function firstLine(text: string): string {
  return text.split("\n")[0]!;
}
