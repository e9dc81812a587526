// A small argument parser for the sweep, runs and compare commands: `--flag`, `--opt value`,
// `--opt=value`, and positionals. Unknown options are usage errors (exit 2) with a hint.
import { UserError } from "../../compiler/errors.js";

export interface ArgSpec {
  /** Options that take a value. */
  values: string[];
  /** Options that take none. */
  flags: string[];
  /** Options that may be given more than once (values collected in order). */
  repeat?: string[];
}

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string[]>;
  flags: Set<string>;
}

export function parseArgs(argv: string[], spec: ArgSpec, command: string): ParsedArgs {
  const out: ParsedArgs = { positionals: [], values: {}, flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith("--") || a === "--") {
      if (a.startsWith("-") && a.length > 1 && a !== "-h") {
        throw new UserError(`unknown option \`${a}\` for \`hgc ${command}\``, `run \`hgc ${command} --help\` to see the options`, 2);
      }
      if (a === "-h") out.flags.add("help");
      else out.positionals.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (spec.values.includes(name)) {
      const value = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UserError(`\`--${name}\` needs a value`, `run \`hgc ${command} --help\` to see the options`, 2);
      if (out.values[name] && !spec.repeat?.includes(name)) {
        throw new UserError(`\`--${name}\` is given twice`, `give it once`, 2);
      }
      (out.values[name] ??= []).push(value);
    } else if (spec.flags.includes(name) || name === "help") {
      if (eq >= 0) throw new UserError(`\`--${name}\` takes no value`, `write \`--${name}\` alone`, 2);
      out.flags.add(name);
    } else {
      throw new UserError(`unknown option \`--${name}\` for \`hgc ${command}\``, `run \`hgc ${command} --help\` to see the options`, 2);
    }
  }
  return out;
}

/** The largest value an integer option takes unless it says otherwise: exact, and a plausible count. */
export const INT_OPTION_MAX = 2 ** 31 - 1;

/** An integer option in [min, max], or a usage error naming it and the range. */
export function intOption(v: string | undefined, name: string, min = 1, max = INT_OPTION_MAX): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new UserError(`\`--${name}\` must be an integer ≥ ${min}, got \`${v}\``, undefined, 2);
  if (Number(v) > max) throw new UserError(`\`--${name}\` must be an integer ≤ ${max}, got \`${v}\``, undefined, 2);
  return Number(v);
}
