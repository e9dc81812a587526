import { Box, Text } from "ink";
import type { SweepStartEvent } from "./sweep-events.js";

export interface SweepHeaderProps {
  readonly start: SweepStartEvent;
}

export function SweepHeader({ start }: SweepHeaderProps) {
  const experiments = [...new Set(start.trials.map((t) => t.experiment))];
  return (
    <Box flexDirection="column" marginBottom={1}>
      <Text>
        <Text bold color="cyan">
          hgc sweep
        </Text>{" "}
        <Text bold>{start.sweep}</Text>
        <Text dimColor>  experiment </Text>
        {experiments.join(", ")}
        <Text dimColor>  trials </Text>
        {start.trials.length}
        {start.on ? (
          <>
            <Text dimColor>  on </Text>
            {start.on}
          </>
        ) : (
          <>
            <Text dimColor>  jobs </Text>
            {start.jobs}
          </>
        )}
      </Text>
      {start.dir ? <Text dimColor>→ {start.dir}</Text> : null}
    </Box>
  );
}
