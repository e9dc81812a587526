import { Text } from "ink";
import { bar } from "./format.js";

export interface ProgressBarProps {
  /** Done, from 0 to 1. */
  readonly fraction: number;
  /** Cells wide. */
  readonly width?: number;
}

export function ProgressBar({ fraction, width = 30 }: ProgressBarProps) {
  const text = bar(fraction, width);
  const full = text.indexOf("░") === -1 ? text.length : text.indexOf("░");
  return (
    <Text>
      <Text color="green">{text.slice(0, full)}</Text>
      <Text dimColor>{text.slice(full)}</Text>
    </Text>
  );
}
