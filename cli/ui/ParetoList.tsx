import { Box, Text } from "ink";
import type { ParetoPoint } from "./sweep-events.js";
import { paretoLines } from "./sweep-state.js";

export interface ParetoListProps {
  readonly points: readonly ParetoPoint[];
  readonly objectives?: readonly string[];
}

/** The non-dominated grid points and their objective values. */
export function ParetoList({ points, objectives }: ParetoListProps) {
  const lines = paretoLines(points);
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>pareto front</Text>
        {objectives && objectives.length > 0 ? <Text dimColor> ({objectives.join(", ")})</Text> : null}
      </Text>
      {lines.length === 0 ? <Text dimColor>  no finished points</Text> : lines.map((l, i) => <Text key={i}>  ★ {l}</Text>)}
    </Box>
  );
}
