// `hgc report RUN`: print a run's summary table (final metrics, last losses, what was skipped).
// `--write` also (re)writes report.md and report.html in the run folder; `--json` prints the
// summary as JSON instead of the table.
import { UserError } from "../common/errors.js";
import { readRun, summaryTable, writeReports } from "../runtime/report.js";
import { parseArgs } from "./args.js";
import { exitQuietlyOnClosedPipe } from "./pipe.js";

const USAGE = `usage: hgc report RUN [--write] [--json]

Print the summary table of a run folder (runs/<experiment>-<hash>).

options:
  --write   also (re)write report.md and report.html in the run folder
  --json    print the summary as JSON
`;

export async function main(argv: string[]): Promise<number> {
  exitQuietlyOnClosedPipe();
  const args = parseArgs(argv, { values: [], flags: ["write", "json"] }, "report");
  if (args.flags.has("help")) {
    process.stdout.write(USAGE);
    return 0;
  }
  const write = args.flags.has("write");
  const json = args.flags.has("json");
  const dirs = args.positionals;
  if (dirs.length !== 1) throw new UserError("`hgc report` takes one run folder", "usage: hgc report RUN [--write] [--json]", 2);
  const summary = readRun(dirs[0]!);
  if (json) {
    const { steps: _steps, ...rest } = summary;
    process.stdout.write(JSON.stringify({ ...rest, steps: summary.steps.length }, null, 2) + "\n");
  } else {
    process.stdout.write(summaryTable(summary));
  }
  if (write) {
    const paths = writeReports(dirs[0]!);
    if (!json) process.stdout.write(`\nwrote ${paths.markdown}\nwrote ${paths.html}\n`);
  }
  return 0;
}
