// Writes a sweep's results into its folder: sweep.csv, sweep.md, sweep.html, pareto.svg and one
// `<metric>-vs-<param>.svg` per metric and swept param. Every file is written atomically.
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { aggregate, type SweepAggregate, type TrialOutcome } from "./aggregate.js";
import { writeFileAtomic } from "../atomic.js";
import type { Objective } from "./pareto.js";
import { metricPlots, paretoPlot } from "./plots.js";
import { toCsv, toMarkdown } from "./report.js";
import { renderSweepHtml } from "./html.js";

export interface SweepOutputs {
  agg: SweepAggregate;
  /** Files written, relative to the sweep folder. */
  files: string[];
}

export function writeSweepOutputs(
  dir: string,
  sweep: { name: string; params: string[]; objectives: Objective[] },
  trials: TrialOutcome[],
): SweepOutputs {
  const agg = aggregate(sweep, trials);
  const plots = [paretoPlot(agg), ...metricPlots(agg)].filter((p): p is NonNullable<typeof p> => !!p);
  const files: string[] = [];
  for (const p of plots) {
    writeFileAtomic(join(dir, p.file), p.svg);
    files.push(p.file);
  }
  // plots of an earlier pass whose metric or param is gone would otherwise linger
  const keep = new Set(files);
  for (const f of readdirSync(dir)) {
    if ((f === "pareto.svg" || /-vs-.*\.svg$/.test(f)) && !keep.has(f)) rmSync(join(dir, f), { force: true });
  }
  writeFileAtomic(join(dir, "sweep.csv"), toCsv(agg));
  writeFileAtomic(join(dir, "sweep.md"), toMarkdown({ agg, trials, plots: plots.map((p) => ({ file: p.file, title: p.title })) }));
  writeFileAtomic(join(dir, "sweep.html"), renderSweepHtml({ agg, trials, plots, dir }));
  files.push("sweep.csv", "sweep.md", "sweep.html");
  return { agg, files };
}
