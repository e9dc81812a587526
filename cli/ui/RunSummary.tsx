import { Box, Text } from "ink";
import type { EndEvent } from "../../runtime/events.js";
import { formatDuration } from "../../common/format.js";
import { MetricsTable } from "./MetricsTable.js";

export interface RunSummaryProps {
  readonly end: EndEvent;
  /** Step of the evaluation the final metrics come from, when known. */
  readonly evalStep?: number;
}

const VERB = { completed: "finished", interrupted: "interrupted", failed: "failed" } as const;
const COLOR = { completed: "green", interrupted: "yellow", failed: "red" } as const;

/** The run's outcome and final results; what stays on the screen when the run is over. */
export function RunSummary({ end, evalStep }: RunSummaryProps) {
  const hasMetrics = Object.keys(end.metrics).length > 0;
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text>
        <Text bold color={COLOR[end.status]}>
          {VERB[end.status]}
        </Text>{" "}
        at step {end.step} after {formatDuration(end.elapsedMs)}
        <Text dimColor> → {end.runDir}</Text>
      </Text>
      {hasMetrics ? (
        <Box flexDirection="column" marginTop={1}>
          <Text>
            <Text bold>results</Text>
            {evalStep !== undefined && evalStep !== end.step ? <Text dimColor> (evaluation at step {evalStep})</Text> : null}
          </Text>
          <Box paddingLeft={2}>
            <MetricsTable metrics={end.metrics} />
          </Box>
        </Box>
      ) : null}
      {end.status === "interrupted" ? <Text dimColor>to continue, run the same command again with --resume</Text> : null}
    </Box>
  );
}
