// `hgc compile FILE [--experiment NAME] [--sweep NAME]`: print the resolved experiment (or a
// sweep's trials) as JSON IR, validated against compiler/ir.schema.json. Diagnostics go to stderr.
import { compileFile, renderDiagnostic } from "../compiler/index.js";
import { hasErrors } from "../compiler/diagnostics.js";
import { UserError } from "../common/errors.js";
import { exitQuietlyOnClosedPipe } from "./pipe.js";
import { useColor } from "./color.js";

const USAGE = `usage: hgc compile FILE [--experiment NAME] [--sweep NAME]

  --experiment NAME   the experiment to compile (default: the file's first)
  --sweep NAME        print the sweep's trials (each with its IR) instead
`;

export async function main(argv: string[]): Promise<number> {
  exitQuietlyOnClosedPipe();
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(USAGE);
    return 0;
  }
  let file: string | undefined;
  let experiment: string | undefined;
  let sweep: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("-")) throw new UserError(`\`${a}\` needs a name`, `write \`${a} NAME\``, 2);
      return v;
    };
    if (a === "--experiment" || a === "-e") experiment = value();
    else if (a.startsWith("--experiment=")) experiment = a.slice(13);
    else if (a === "--sweep" || a === "-s") sweep = value();
    else if (a.startsWith("--sweep=")) sweep = a.slice(8);
    else if (a.startsWith("-")) throw new UserError(`unknown option \`${a}\``, "run `hgc compile --help` for the options", 2);
    else if (file === undefined) file = a;
    else throw new UserError("`hgc compile` takes one file", "compile one file at a time", 2);
  }
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
