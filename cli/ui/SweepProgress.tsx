import { Text } from "ink";
import { formatDuration } from "../../common/format.js";
import { ProgressBar } from "./ProgressBar.js";

export interface SweepProgressProps {
  /** Fraction of the sweep's work done. */
  readonly fraction: number;
  readonly counts: Readonly<Record<"queued" | "running" | "done" | "failed" | "skipped", number>>;
  readonly elapsedMs: number;
  readonly etaMs?: number;
}

/** `████░░░░ 3/8 done  2 running  1 failed  elapsed 1m02s  eta 2m10s` */
export function SweepProgress({ fraction, counts, elapsedMs, etaMs }: SweepProgressProps) {
  const total = counts.queued + counts.running + counts.done + counts.failed + counts.skipped;
  return (
    <Text>
      <ProgressBar fraction={fraction} /> {counts.done + counts.skipped}/{total} done
      {counts.running > 0 ? <Text color="cyan">  {counts.running} running</Text> : null}
      {counts.queued > 0 ? <Text dimColor>  {counts.queued} queued</Text> : null}
      {counts.failed > 0 ? <Text color="red">  {counts.failed} failed</Text> : null}
      <Text dimColor>  elapsed </Text>
      {formatDuration(elapsedMs)}
      <Text dimColor>  eta </Text>
      {etaMs === undefined ? "?" : formatDuration(etaMs)}
    </Text>
  );
}
