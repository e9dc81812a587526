import { Text } from "ink";
import type { StartEvent } from "../../runtime/events.js";
import { formatCount } from "../../common/format.js";

export interface HeaderProps {
  readonly start: StartEvent;
}

/**
 * The run's identity on one line: experiment, backend (and how many native kernels it uses —
 * their names are in `hgc doctor` and the run folder's result.json), size, data, length, seed
 * and where it is written.
 */
export function Header({ start }: HeaderProps) {
  const kernels = start.kernels.length > 0 ? `, native kernels: ${start.kernels.length}` : "";
  const data = start.datasets.map((d) => `${d.name} ${formatCount(d.images)}`).join(" · ");
  return (
    <Text wrap="truncate-end">
      <Text bold color="cyan">
        hgc run
      </Text>{" "}
      <Text bold>{start.experiment}</Text>
      {start.id ? <Text dimColor>  {start.id.slice(0, 8)}</Text> : null}
      {start.overrides?.length ? <Text color="magenta">  {start.overrides.join(" ")}</Text> : null}
      {start.startStep > 0 ? <Text color="yellow">  resumed at step {start.startStep}</Text> : null}
      <Text dimColor>  backend </Text>
      {start.backend}
      {kernels}
      <Text dimColor>  params </Text>
      {formatCount(start.parameters)}
      <Text dimColor>  data </Text>
      {data || "—"}
      <Text dimColor>  steps </Text>
      {start.totalSteps} × batch {start.batch}
      <Text dimColor>  seed </Text>
      {start.seed}
      <Text dimColor>  → {start.runDir}</Text>
    </Text>
  );
}
