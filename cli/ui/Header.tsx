import { Text } from "ink";
import type { StartEvent } from "../../runtime/events.js";
import { formatCount } from "../../common/format.js";
import { formatEngine, formatProduct } from "./format.js";

export interface HeaderProps {
  readonly start: StartEvent;
}

/**
 * The run's identity on one line: experiment, backend and native kernels, size, data, length, seed,
 * the matrix product the kernels use (as the plain log's header) and where it is written.
 */
export function Header({ start }: HeaderProps) {
  const data = start.datasets.map((d) => `${d.name} ${formatCount(d.images)}`).join(" · ");
  return (
    <Text wrap="truncate-end">
      <Text bold color="cyan">
        hgc run
      </Text>{" "}
      <Text bold>{start.experiment}</Text>
      {start.startStep > 0 ? <Text color="yellow">  resumed at step {start.startStep}</Text> : null}
      <Text dimColor>  backend </Text>
      {formatEngine(start)}
      <Text dimColor>  params </Text>
      {formatCount(start.parameters)}
      <Text dimColor>  data </Text>
      {data || "—"}
      <Text dimColor>  steps </Text>
      {start.totalSteps} × batch {start.batch}
      <Text dimColor>  seed </Text>
      {start.seed}
      {start.overrides?.length ? <Text color="magenta">  {start.overrides.join(" ")}</Text> : null}
      {start.id ? <Text dimColor>  run {start.id.slice(0, 8)}</Text> : null}
      {formatProduct(start) ? <Text dimColor>  product </Text> : null}
      {formatProduct(start) ?? null}
      <Text dimColor>  → {start.runDir}</Text>
    </Text>
  );
}
