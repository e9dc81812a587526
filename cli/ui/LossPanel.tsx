import { Box, Text } from "ink";
import { formatValue } from "../../common/format.js";
import { formatLr, LIVE_DIGITS } from "./format.js";
import { Sparkline } from "./Sparkline.js";

export interface LossPanelProps {
  /** Current value of each loss term, by name. */
  readonly losses: Readonly<Record<string, number>>;
  /** The objective's current weight of each term. */
  readonly weights: Readonly<Record<string, number>>;
  readonly objective: number;
  readonly lr: number;
  /** Recent values by loss name, plus `objective` and `lr`, oldest first. */
  readonly history: Readonly<Record<string, readonly number[]>>;
  readonly sparkWidth?: number;
}

interface Row {
  readonly name: string;
  readonly weight: string;
  readonly value: string;
  readonly values: readonly number[];
  readonly bold?: boolean;
  readonly bad?: boolean;
}

/** One row per loss term, then the objective and the lr: weight, current value, sparkline. */
export function LossPanel({ losses, weights, objective, lr, history, sparkWidth = 24 }: LossPanelProps) {
  const rows: Row[] = [
    ...Object.entries(losses).map(([name, v]) => ({
      name,
      weight: weights[name] === undefined ? "" : `×${formatValue(weights[name], LIVE_DIGITS)}`,
      value: formatValue(v, LIVE_DIGITS),
      values: history[name] ?? [],
      bad: !Number.isFinite(v),
    })),
    { name: "objective", weight: "", value: formatValue(objective, LIVE_DIGITS), values: history.objective ?? [], bold: true, bad: !Number.isFinite(objective) },
    { name: "lr", weight: "", value: formatLr(lr), values: history.lr ?? [] },
  ];
  const nameWidth = Math.max(...rows.map((r) => r.name.length)) + 2;
  const weightWidth = Math.max(0, ...rows.map((r) => r.weight.length)) + 2;
  const valueWidth = Math.max(...rows.map((r) => r.value.length)) + 2;
  return (
    <Box flexDirection="column">
      {rows.map((r) => (
        <Box key={r.name}>
          <Box width={nameWidth}>
            <Text bold={r.bold}>{r.name}</Text>
          </Box>
          <Box width={weightWidth}>
            <Text dimColor>{r.weight}</Text>
          </Box>
          <Box width={valueWidth} justifyContent="flex-end" marginRight={2}>
            <Text bold={r.bold} color={r.bad ? "red" : undefined}>
              {r.value}
            </Text>
          </Box>
          <Sparkline values={r.values} width={sparkWidth} />
        </Box>
      ))}
    </Box>
  );
}
