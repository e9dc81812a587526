import { Box, Text } from "ink";
import type { EvalEvent, Metrics } from "../../runtime/events.js";
import { formatDuration, formatValue } from "../../common/format.js";
import { LIVE_DIGITS } from "./format.js";

export interface EvalTableProps {
  readonly event: EvalEvent;
  /** The evaluation before it, for the change of each figure. */
  readonly previous?: EvalEvent;
}

/** A figure's row and its label in the row: `ood.likelihood.auroc` → [`ood`, `likelihood.auroc`]. */
function split(name: string): [string, string] {
  const dot = name.indexOf(".");
  return dot < 0 ? [name, ""] : [name.slice(0, dot), name.slice(dot + 1)];
}

/**
 * Which figures the live table shows: all but the per-severity robustness ones and counts (the
 * run folder's report has those), grouped by protocol.
 */
export function evalRows(metrics: Metrics): [string, [string, number | null][]][] {
  const rows = new Map<string, [string, number | null][]>();
  for (const [name, v] of Object.entries(metrics)) {
    if (/\.\d+\.[^.]+$/.test(name) || /\.count$/.test(name)) continue;
    const [row, label] = split(name);
    rows.set(row, [...(rows.get(row) ?? []), [label, v]]);
  }
  return [...rows];
}

/**
 * The latest evaluation as a compact table — a row per protocol, its figures side by side with
 * their change since the evaluation before — that the next evaluation replaces.
 */
export function EvalTable({ event, previous }: EvalTableProps) {
  const rows = evalRows(event.metrics);
  const width = Math.max(0, ...rows.map(([r]) => r.length)) + 2;
  const delta = (name: string, v: number | null) => {
    const p = previous?.metrics[name];
    if (v === null || p === null || p === undefined) return "";
    const d = v - p;
    return Math.abs(d) < 5e-5 ? "" : ` ${d > 0 ? "+" : "−"}${formatValue(Math.abs(d), LIVE_DIGITS)}`;
  };
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold color="magenta">
          eval
        </Text>{" "}
        at step {event.step}
        <Text dimColor>
          {" "}
          ({formatDuration(event.elapsedMs)}){previous ? `  change since step ${previous.step}` : ""}
        </Text>
      </Text>
      {rows.map(([row, cells]) => (
        <Box key={row}>
          <Box width={width} flexShrink={0}>
            <Text>{row}</Text>
          </Box>
          <Box flexWrap="wrap">
            {cells.map(([label, v]) => {
              const name = label ? `${row}.${label}` : row;
              return (
                <Box key={label} marginRight={2}>
                  <Text>
                    {label ? <Text dimColor>{label} </Text> : null}
                    <Text bold={v !== null} dimColor={v === null}>
                      {formatValue(v, LIVE_DIGITS)}
                    </Text>
                    <Text dimColor>{delta(name, v)}</Text>
                  </Text>
                </Box>
              );
            })}
          </Box>
        </Box>
      ))}
      {event.skipped.length ? <Text dimColor>skipped {event.skipped.map((s) => `${s.protocol}: ${s.reason}`).join("; ")}</Text> : null}
    </Box>
  );
}
