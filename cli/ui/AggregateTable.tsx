import { Box, Text } from "ink";
import type { AggregateRow } from "./sweep-events.js";
import { aggregateLines } from "./sweep-state.js";

export interface AggregateTableProps {
  readonly rows: readonly AggregateRow[];
}

/** Per grid point, the number of seeds and mean ± std of every metric. */
export function AggregateTable({ rows }: AggregateTableProps) {
  const [head, ...body] = aggregateLines(rows);
  if (head === undefined) return null;
  return (
    <Box flexDirection="column">
      <Text bold>{head}</Text>
      {body.map((line, i) => (
        <Text key={i}>{line}</Text>
      ))}
    </Box>
  );
}
