// Colour for terminal output. Colour is on only when the stream is a terminal and the user has
// not asked for none (https://no-color.org); FORCE_COLOR turns it on (or off, with 0) anywhere.

/** The environment variables that decide colour; defaults to `process.env`. */
export type ColorEnv = Record<string, string | undefined>;

/** Whether to colour what is written to `stream`. */
export function useColor(stream: { isTTY?: boolean }, env: ColorEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force !== "false";
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.TERM === "dumb") return false;
  return stream.isTTY === true;
}

export interface Colors {
  readonly enabled: boolean;
  red(text: string): string;
  yellow(text: string): string;
  green(text: string): string;
  cyan(text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

const wrap = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

/** Colour helpers that are the identity when `enabled` is false. */
export function colors(enabled: boolean): Colors {
  const id = (text: string) => text;
  return {
    enabled,
    red: enabled ? wrap(31, 39) : id,
    yellow: enabled ? wrap(33, 39) : id,
    green: enabled ? wrap(32, 39) : id,
    cyan: enabled ? wrap(36, 39) : id,
    bold: enabled ? wrap(1, 22) : id,
    dim: enabled ? wrap(2, 22) : id,
  };
}

/** Colour helpers for a stream, decided by `useColor`. */
export function colorsFor(stream: { isTTY?: boolean }, env: ColorEnv = process.env): Colors {
  return colors(useColor(stream, env));
}
