import { Box, Text } from "ink";
import type { Metrics } from "../../runtime/events.js";
import { LIVE_DIGITS } from "./format.js";
import { formatValue } from "../../common/format.js";

export interface MetricsTableProps {
  readonly metrics: Metrics;
}

/** Metric paths and values in two aligned columns; a protocol that did not apply shows —. */
export function MetricsTable({ metrics }: MetricsTableProps) {
  const entries = Object.entries(metrics);
  if (entries.length === 0) return null;
  const nameWidth = Math.max(...entries.map(([k]) => k.length)) + 2;
  return (
    <Box flexDirection="column">
      {entries.map(([k, v]) => (
        <Box key={k}>
          <Box width={nameWidth}>
            <Text>{k}</Text>
          </Box>
          <Text bold={v !== null} dimColor={v === null}>
            {formatValue(v, LIVE_DIGITS)}
          </Text>
        </Box>
      ))}
    </Box>
  );
}
