// `hgc compile FILE [--experiment NAME] [--sweep NAME]`: print the resolved experiment (or a
// sweep's trials) as JSON IR, validated against compiler/ir.schema.json. Diagnostics go to stderr.
import { checkFile, compileFile, overridePaths, renderDiagnostic } from "../compiler/index.js";
import { hasErrors } from "../compiler/diagnostics.js";
import { UserError } from "../common/errors.js";
import { parseArgs, splitOverrides } from "./args.js";
import { exitQuietlyOnClosedPipe } from "./pipe.js";
import { useColor } from "./color.js";

const USAGE = `usage: hgc compile FILE [PATH=VALUE…] [--experiment NAME] [--sweep NAME] [--paths]

  PATH=VALUE          override a param or an argument (\`lambda=0.5\`, \`train.steps=4000\`)
  --experiment NAME   the experiment to compile (default: the file's first)
  --sweep NAME        print the sweep's trials (each with its IR) instead
  --paths             list every PATH an override may set, with its value (* written in the file)
`;

export async function main(argv: string[]): Promise<number> {
  exitQuietlyOnClosedPipe();
  const args = parseArgs(argv, { values: ["experiment", "sweep"], flags: ["paths"], short: { e: "experiment", s: "sweep" } }, "compile");
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
  const { files, overrides } = splitOverrides(args.positionals);
  if (files.length > 1) throw new UserError("`hgc compile` takes one file", "compile one file at a time (overrides are written PATH=VALUE)", 2);
  const file = files[0];
  if (!file) throw new UserError("no file to compile", "write `hgc compile FILE`", 2);
  if (experiment !== undefined && sweep !== undefined) throw new UserError("give `--experiment` or `--sweep`, not both", undefined, 2);
  if (args.flags.has("paths")) return printPaths(file, experiment, overrides);
  const r = compileFile(file, { experiment, sweep, overrides });
  const color = useColor(process.stderr);
  const shown = r.diagnostics.filter((d) => d.severity !== "info");
  for (const d of shown) process.stderr.write(`${renderDiagnostic(d, r.check.sources.get(d.span.file), { color })}\n\n`);
  if (!r.value || hasErrors(r.diagnostics)) return 1;
  process.stdout.write(`${JSON.stringify(r.value, null, 2)}\n`);
  return 0;
}

/** `--paths`: what `PATH=VALUE` may set in each experiment (or the one named), with its current value. */
function printPaths(file: string, experiment: string | undefined, overrides: string[]): number {
  const check = checkFile(file, { overrides });
  const all = overridePaths(check);
  if (experiment !== undefined && !all.has(experiment)) throw new UserError(`no experiment named \`${experiment}\``, `the experiments are ${[...all.keys()].map((n) => `\`${n}\``).join(", ")}`, 1);
  const lines: string[] = [];
  for (const [name, paths] of all) {
    if (experiment !== undefined && name !== experiment) continue;
    lines.push(`experiment ${name}`);
    const width = Math.max(0, ...paths.map((p) => p.path.length));
    for (const p of paths) lines.push(`  ${p.written ? "*" : " "} ${p.path.padEnd(width)}  ${p.value || "—"}`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}
