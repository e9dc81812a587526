// `hgc report RUN|SWEEP`: print a run's summary table (final metrics, last losses, what was
// skipped) or a sweep's aggregate table. `--write` also (re)writes the reports (report.md and
// report.html; for a sweep sweep.md, sweep.html, sweep.csv and the plots); `--format png|pdf`
// exports the figures (and with pdf the whole report); `--json` prints the summary as JSON.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../common/errors.js";
import { exportRun, exportSweep, type ExportFormat } from "../runtime/report-export.js";
import { readRun, summaryTable, writeReports, type ReportOptions } from "../runtime/report.js";
import { aggregate } from "../runtime/sweep/aggregate.js";
import { parseArgs } from "./args.js";
import { readSweepFolder, writeSweepOutputs } from "../runtime/sweep/output.js";
import { exitQuietlyOnClosedPipe } from "./pipe.js";
import { aggregateRows } from "./sweep.js";
import { resolveFolder } from "./runs.js";
import { aggregateLines, paretoLines } from "./ui/sweep-state.js";

const USAGE = `usage: hgc report RUN|SWEEP [--write] [--format png|pdf] [--smooth W] [--json]

Print the summary table of a run or the aggregate table of a sweep. RUN|SWEEP is a folder
(runs/<experiment>-<id8>, runs/sweeps/<sweep>-<id8>) or an id prefix as \`hgc runs\` shows it.

options:
  --write          also (re)write the reports: report.md and report.html of a run; sweep.md,
                   sweep.html, sweep.csv and the plots of a sweep
  --format F       png: every plot as figures/<plot>.png; pdf: report.pdf (sweep.pdf) with
                   every table, plot and the samples, and figures/<plot>.pdf
  --smooth W       EMA weight of the training curves, 0 ≤ W < 1 (0: raw only; default 0.6
                   from 30 logged steps on)
  --json           print the summary as JSON
  --root DIR       where runs and the results database live (default: runs)
`;

export async function main(argv: string[]): Promise<number> {
  exitQuietlyOnClosedPipe();
  const args = parseArgs(argv, { values: ["format", "smooth", "root"], flags: ["write", "json"] }, "report");
  if (args.flags.has("help")) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.positionals.length !== 1) throw new UserError("`hgc report` takes one run or sweep folder", "usage: hgc report RUN|SWEEP [--write] [--format png|pdf] [--json]", 2);
  const dir = resolveFolder(args.positionals[0]!, args.values.root?.[0], { sweeps: true });
  const format = args.values.format?.[0];
  if (format !== undefined && format !== "png" && format !== "pdf") {
    throw new UserError(`unknown report format \`${format}\``, "use --format png or --format pdf (report.html is written with --write)", 2);
  }
  const opts: ReportOptions = {};
  const smooth = args.values.smooth?.[0];
  if (smooth !== undefined) {
    const w = Number(smooth);
    if (!/^\d*\.?\d+$/.test(smooth) || !(w >= 0 && w < 1)) throw new UserError(`\`--smooth\` must be a number in [0, 1), got \`${smooth}\``, "e.g. --smooth 0.9 (0 draws the raw curves only)", 2);
    opts.smooth = w;
  }
  const json = args.flags.has("json");
  const written: string[] = [];
  if (existsSync(join(dir, "sweep.json")) && !existsSync(join(dir, "ir.json"))) {
    const { sweep, trials } = readSweepFolder(dir);
    const agg = aggregate(sweep, trials);
    if (json) process.stdout.write(JSON.stringify(agg, null, 2) + "\n");
    else {
      const { table, pareto } = aggregateRows(agg, new Set(agg.groups.map((g) => g.experiment)).size > 1);
      const lines = [`sweep ${agg.sweep}  ${trials.length} trials  ${trials.filter((t) => t.status === "completed").length} completed  → ${dir}`, ...aggregateLines(table)];
      if (agg.objectives.length) lines.push(`pareto front (${agg.objectives.map((o) => o.metric).join(", ")})`, ...paretoLines(pareto).map((l) => `  ★ ${l}`));
      process.stdout.write(lines.join("\n") + "\n");
    }
    if (args.flags.has("write")) written.push(...writeSweepOutputs(dir, sweep, trials).files.map((f) => join(dir, f)));
    if (format) written.push(...(await exportSweep(dir, format as ExportFormat)));
  } else {
    const summary = readRun(dir);
    if (json) {
      const { steps: _steps, ...rest } = summary;
      process.stdout.write(JSON.stringify({ ...rest, steps: summary.steps.length }, null, 2) + "\n");
    } else {
      process.stdout.write(summaryTable(summary));
    }
    if (args.flags.has("write")) {
      const paths = writeReports(dir, opts);
      written.push(paths.markdown, paths.html);
    }
    if (format) written.push(...(await exportRun(dir, format as ExportFormat, opts)));
  }
  if (!json && written.length) process.stdout.write(`\n${written.map((p) => `wrote ${p}`).join("\n")}\n`);
  return 0;
}
