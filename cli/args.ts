// The CLI's one argument parser: `--flag`, `--opt value`, `--opt=value`, short aliases (`-h`,
// `-v`) and positionals; `--` ends the options. Every command parses with it, so every command
// treats a mistake the same way: an unknown option is a usage error (exit 2) that names the
// nearest known one.
import { UserError } from "../common/errors.js";
import { didYouMean } from "../compiler/diagnostics.js";
import { isOverride } from "../compiler/overrides.js";

export interface ArgSpec {
  /** Options that take a value. */
  values: string[];
  /** Options that take none. `help` is always known. */
  flags: string[];
  /** Options that may be given more than once (values collected in order). */
  repeat?: string[];
  /** Short forms, e.g. `{ v: "verbose" }` for `-v`; `-h` is always `--help`. */
  short?: Record<string, string>;
}

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string[]>;
  flags: Set<string>;
}

export function parseArgs(argv: string[], spec: ArgSpec, command: string): ParsedArgs {
  const out: ParsedArgs = { positionals: [], values: {}, flags: new Set() };
  const short: Record<string, string> = { h: "help", ...spec.short };
  const help = `run \`hgc ${command} --help\` to see the options`;
  const unknown = (option: string): UserError => {
    const near = option.startsWith("--") ? didYouMean(option.slice(2), [...spec.values, ...spec.flags, "help"])[0] : undefined;
    return new UserError(`unknown option \`${option}\` for \`hgc ${command}\`${near ? ` (did you mean \`--${near}\`?)` : ""}`, help, 2);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      out.positionals.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    let name: string;
    if (a.startsWith("--")) name = a.slice(2, eq < 0 ? undefined : eq);
    else if (short[a.slice(1)] !== undefined) name = short[a.slice(1)]!;
    else throw unknown(a);
    if (spec.values.includes(name)) {
      const value = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UserError(`\`--${name}\` needs a value`, help, 2);
      if (out.values[name] && !spec.repeat?.includes(name)) {
        throw new UserError(`\`--${name}\` is given twice`, `give it once`, 2);
      }
      (out.values[name] ??= []).push(value);
    } else if (spec.flags.includes(name) || name === "help") {
      if (eq >= 0) throw new UserError(`\`--${name}\` takes no value`, `write \`--${name}\` alone`, 2);
      out.flags.add(name);
    } else {
      throw unknown(`--${name}`);
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

/** The positionals split into files and `path=value` overrides (`hgc run f.hgc lambda=0.5 train.steps=400`). */
export function splitOverrides(positionals: readonly string[]): { files: string[]; overrides: string[] } {
  const files: string[] = [];
  const overrides: string[] = [];
  for (const p of positionals) (isOverride(p) ? overrides : files).push(p);
  return { files, overrides };
}
