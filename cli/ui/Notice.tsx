import { Box, Text } from "ink";

export interface NoticeProps {
  readonly level: "info" | "warn" | "error" | "checkpoint";
  readonly message: string;
  readonly hint?: string;
}

const LABEL = { info: "info", warn: "warning", error: "error", checkpoint: "checkpoint" } as const;
const COLOR = { info: "blue", warn: "yellow", error: "red", checkpoint: "green" } as const;

/** A one-line notice (checkpoint written, warning, error) with an optional hint below. */
export function Notice({ level, message, hint }: NoticeProps) {
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold color={COLOR[level]}>
          {LABEL[level]}
        </Text>{" "}
        {message}
      </Text>
      {hint ? <Text dimColor>  hint: {hint}</Text> : null}
    </Box>
  );
}
