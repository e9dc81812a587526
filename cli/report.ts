// `hgc report RUN`: print a run's summary table (final metrics, last losses, what was skipped).
// `--write` also (re)writes report.md and report.html in the run folder; `--json` prints the
// summary as JSON instead of the table.
import { UserError } from "../common/errors.js";
import { readRun, summaryTable, writeReports } from "../runtime/report.js";
import { exitQuietlyOnClosedPipe } from "./pipe.js";

const USAGE = `usage: hgc report RUN [--write] [--json]

Print the summary table of a run folder (runs/<experiment>-<hash>).

options:
  --write   also (re)write report.md and report.html in the run folder
  --json    print the summary as JSON
`;

export async function main(argv: string[]): Promise<number> {
  exitQuietlyOnClosedPipe();
  let write = false;
  let json = false;
  const dirs: string[] = [];
  for (const a of argv) {
    if (a === "--help" || a === "-h") {
      process.stdout.write(USAGE);
      return 0;
    } else if (a === "--write") write = true;
    else if (a === "--json") json = true;
    else if (a.startsWith("-")) throw new UserError(`unknown option \`${a}\` for \`hgc report\``, "run `hgc report --help`", 2);
    else dirs.push(a);
  }
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
