// `hgc check FILE… [--strict] [--json] [--verbose]`: report every mistake in the files and what
// they import. Exit 0 when clean (warnings allowed unless --strict), 1 on errors, 2 on usage or I/O.
import { checkFile, type CheckResult } from "../compiler/index.js";
import { diagnosticToJSON, renderDiagnostic, summarize, type Diagnostic } from "../compiler/diagnostics.js";
import { isUserError, UserError } from "../common/errors.js";
import { useColor } from "./color.js";
import { parseArgs, splitOverrides } from "./args.js";
import { exitQuietlyOnClosedPipe } from "./pipe.js";

const USAGE = `usage: hgc check FILE… [PATH=VALUE…] [--strict] [--json] [--verbose]

  PATH=VALUE  check with a param or an argument overridden (\`lambda=0.5\`, \`enc.layers=4\`)

  --strict    warnings fail the check too
  --json      print the diagnostics as one JSON document
  --verbose   also print notes (info) and each file's trial counts
`;

export interface CheckArgs {
  files: string[];
  overrides: string[];
  strict: boolean;
  json: boolean;
  verbose: boolean;
}

export function parseCheckArgs(argv: string[]): CheckArgs {
  const parsed = parseArgs(argv, { values: [], flags: ["strict", "json", "verbose"], short: { v: "verbose" } }, "check");
  const { files, overrides } = splitOverrides(parsed.positionals);
  const a: CheckArgs = { files, overrides, strict: parsed.flags.has("strict"), json: parsed.flags.has("json"), verbose: parsed.flags.has("verbose") };
  if (a.files.length === 0) throw new UserError("no file to check", "give one or more .hgc files: `hgc check examples/*.hgc`", 2);
  return a;
}

export async function main(argv: string[]): Promise<number> {
  exitQuietlyOnClosedPipe();
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(USAGE);
    return 0;
  }
  let args: CheckArgs;
  try {
    args = parseCheckArgs(argv);
  } catch (err) {
    if (!isUserError(err)) throw err;
    process.stderr.write(`hgc: error: ${err.message}\n${err.hint ? `  hint: ${err.hint}\n` : ""}`);
    return err.exitCode;
  }
  const color = !args.json && useColor(process.stdout);
  let worst = 0;
  const jsonFiles: unknown[] = [];
  const shownAll: Diagnostic[] = [];
  for (const file of args.files) {
    let r: CheckResult;
    try {
      r = checkFile(file, { overrides: args.overrides });
    } catch (err) {
      if (!isUserError(err)) throw err;
      if (args.json) jsonFiles.push({ file, error: err.message });
      else process.stderr.write(`hgc: error: ${err.message}\n${err.hint ? `  hint: ${err.hint}\n` : ""}`);
      worst = Math.max(worst, 2);
      continue;
    }
    const shown = r.diagnostics.filter((d) => d.severity !== "info" || args.verbose);
    const errors = shown.some((d) => d.severity === "error");
    const warnings = shown.some((d) => d.severity === "warning");
    if (errors || (args.strict && warnings)) worst = Math.max(worst, 1);
    if (args.json) {
      jsonFiles.push({
        file,
        diagnostics: shown.map(diagnosticToJSON),
        sweeps: Object.fromEntries([...r.sweeps].map(([n, s]) => [n, { trials: s.trialCount }])),
      });
      continue;
    }
    for (const d of shown) process.stdout.write(`${renderDiagnostic(d, r.sources.get(d.span.file), { color })}\n\n`);
    shownAll.push(...shown);
    if (args.verbose) {
      const parts = [...r.sweeps].map(([n, s]) => `sweep ${n}: ${s.trialCount} trial${s.trialCount === 1 ? "" : "s"}`);
      process.stdout.write(`${file}: ${r.experiments.size} experiment${r.experiments.size === 1 ? "" : "s"}${parts.length ? `, ${parts.join(", ")}` : ""}\n`);
    }
  }
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ ok: worst === 0, files: jsonFiles }, null, 2)}\n`);
  } else if (shownAll.length > 0) {
    process.stdout.write(`${summarize(shownAll)}\n`);
  }
  return worst;
}
