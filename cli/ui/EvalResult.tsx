import { Box, Text } from "ink";
import type { EvalEvent } from "../../runtime/events.js";
import { formatDuration } from "../../common/format.js";
import { MetricsTable } from "./MetricsTable.js";

export interface EvalResultProps {
  readonly event: EvalEvent;
}

/** An evaluation's metrics as a table, and the protocols it skipped with why. */
export function EvalResult({ event }: EvalResultProps) {
  return (
    <Box flexDirection="column" marginBottom={1}>
      <Text>
        <Text bold color="magenta">
          eval
        </Text>{" "}
        at step {event.step}
        <Text dimColor> ({formatDuration(event.elapsedMs)})</Text>
      </Text>
      <Box paddingLeft={2} flexDirection="column">
        <MetricsTable metrics={event.metrics} />
        {event.skipped.map((s) => (
          <Text key={s.protocol} dimColor>
            skipped {s.protocol}: {s.reason}
          </Text>
        ))}
      </Box>
    </Box>
  );
}
