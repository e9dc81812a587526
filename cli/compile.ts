// `hgc compile FILE [--experiment NAME] [--sweep NAME]`: print the resolved experiment (or a
// sweep's trials) as JSON IR, validated against compiler/ir.schema.json. Diagnostics go to stderr.
import { compileFile, renderDiagnostic } from "../compiler/index.js";
import { hasErrors } from "../compiler/diagnostics.js";
import { UserError } from "../common/errors.js";
import { parseArgs } from "./args.js";
import { exitQuietlyOnClosedPipe } from "./pipe.js";
import { useColor } from "./color.js";

const USAGE = `usage: hgc compile FILE [--experiment NAME] [--sweep NAME]

  --experiment NAME   the experiment to compile (default: the file's first)
  --sweep NAME        print the sweep's trials (each with its IR) instead
`;

export async function main(argv: string[]): Promise<number> {
  exitQuietlyOnClosedPipe();
  const args = parseArgs(argv, { values: ["experiment", "sweep"], flags: [], short: { e: "experiment", s: "sweep" } }, "compile");
  if (args.flags.has("help")) {
    process.stdout.write(USAGE);
    return 0;
  }
  const name = (option: string): string | undefined => {
    const v = args.values[option]?.[0];
    if (v !== undefined && (v === "" || v.startsWith("-"))) throw new UserError(`\`--${option}\` needs a name`, `write \`--${option} NAME\``, 2);
    return v;
  };
  const experiment = name("experiment");
  const sweep = name("sweep");
  if (args.positionals.length > 1) throw new UserError("`hgc compile` takes one file", "compile one file at a time", 2);
  const file = args.positionals[0];
  if (!file) throw new UserError("no file to compile", "write `hgc compile FILE`", 2);
  if (experiment !== undefined && sweep !== undefined) throw new UserError("give `--experiment` or `--sweep`, not both", undefined, 2);
  const r = compileFile(file, { experiment, sweep });
  const color = useColor(process.stderr);
  const shown = r.diagnostics.filter((d) => d.severity !== "info");
  for (const d of shown) process.stderr.write(`${renderDiagnostic(d, r.check.sources.get(d.span.file), { color })}\n\n`);
  if (!r.value || hasErrors(r.diagnostics)) return 1;
  process.stdout.write(`${JSON.stringify(r.value, null, 2)}\n`);
  return 0;
}
