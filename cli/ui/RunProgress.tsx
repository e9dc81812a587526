import { Text } from "ink";
import { formatDuration } from "../../common/format.js";
import { formatRate } from "./format.js";
import { ProgressBar } from "./ProgressBar.js";

export interface RunProgressProps {
  readonly step: number;
  readonly totalSteps: number;
  readonly elapsedMs: number;
  /** Undefined until it can be estimated. */
  readonly etaMs?: number;
  readonly imagesPerSec?: number;
  /** Cells of the bar. */
  readonly barWidth?: number;
}

/** `██████░░░░ 120/1500  8%  elapsed 1m02s  eta 3m12s  410 img/s` */
export function RunProgress({ step, totalSteps, elapsedMs, etaMs, imagesPerSec, barWidth = 30 }: RunProgressProps) {
  const fraction = totalSteps > 0 ? step / totalSteps : 0;
  const width = String(totalSteps).length;
  return (
    <Text>
      <ProgressBar fraction={fraction} width={barWidth} /> {String(step).padStart(width)}/{totalSteps} {String(Math.floor(fraction * 100)).padStart(3)}%
      <Text dimColor>  elapsed </Text>
      {formatDuration(elapsedMs)}
      <Text dimColor>  eta </Text>
      {etaMs === undefined ? "?" : formatDuration(etaMs)}
      {imagesPerSec !== undefined ? <Text dimColor>  {formatRate(imagesPerSec)} img/s</Text> : null}
    </Text>
  );
}
