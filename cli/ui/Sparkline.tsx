import { Text } from "ink";
import { sparkline } from "./format.js";

export interface SparklineProps {
  /** Oldest first. */
  readonly values: readonly number[];
  readonly width?: number;
}

export function Sparkline({ values, width = 24 }: SparklineProps) {
  return <Text color="cyan">{sparkline(values, width)}</Text>;
}
