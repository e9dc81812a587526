import { Box, Text } from "ink";
import type { StartEvent } from "../../runtime/events.js";
import { formatCount } from "../../common/format.js";

export interface HeaderProps {
  readonly start: StartEvent;
}

/** The run's identity: experiment, backend, size, data and where it is written. */
export function Header({ start }: HeaderProps) {
  const backend = start.kernels.length > 0 ? `${start.backend} (${start.kernels.join(", ")})` : start.backend;
  const data = start.datasets.map((d) => `${d.name} ${formatCount(d.images)}`).join(" · ");
  return (
    <Box flexDirection="column" marginBottom={1}>
      <Text>
        <Text bold color="cyan">
          hgc run
        </Text>{" "}
        <Text bold>{start.experiment}</Text>
        <Text dimColor>  backend </Text>
        {backend}
        <Text dimColor>  params </Text>
        {formatCount(start.parameters)}
      </Text>
      <Text>
        <Text dimColor>data </Text>
        {data || "—"}
      </Text>
      <Text>
        <Text dimColor>steps </Text>
        {start.totalSteps} × batch {start.batch}
        <Text dimColor>  seed </Text>
        {start.seed}
        {start.startStep > 0 ? <Text color="yellow"> resumed at step {start.startStep}</Text> : null}
      </Text>
      <Text dimColor>→ {start.runDir}</Text>
    </Box>
  );
}
