// Writes a sweep's results into its folder: sweep.csv, sweep.md, sweep.html, pareto.svg and one
// `<metric>-vs-<param>.svg` per metric and swept param. Every file is written atomically.
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { UserError } from "../../common/errors.js";
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

/** A sweep folder's sweep.json as the outputs need it; a missing or damaged file is a UserError. */
export function readSweepFolder(dir: string): { sweep: { name: string; params: string[]; objectives: Objective[] }; trials: TrialOutcome[] } {
  const path = join(dir, "sweep.json");
  let raw: any;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
    throw new UserError(
      missing ? `${dir} is not a sweep folder: it has no sweep.json` : `${path} is corrupt: ${(err as Error).message}`,
      missing ? "pass the folder `hgc sweep` printed (runs/sweeps/<sweep>-<hash8>)" : "run the sweep again with --resume to rewrite it",
      2,
    );
  }
  if (!raw || typeof raw.name !== "string" || !Array.isArray(raw.trials)) {
    throw new UserError(`${path} is not a sweep's state file`, "run the sweep again with --resume to rewrite it", 2);
  }
  const trials: TrialOutcome[] = raw.trials.map((t: any) => ({
    id: String(t.id),
    experiment: String(t.experiment),
    point: t.point ?? {},
    seed: Number(t.seed),
    status: t.status,
    runDir: String(t.runDir),
    metrics: t.metrics ?? {},
    ...(t.error ? { error: String(t.error) } : {}),
    ...(t.pruned && typeof t.pruned === "object" ? { pruned: t.pruned } : {}),
  }));
  return { sweep: { name: raw.name, params: Array.isArray(raw.params) ? raw.params : [], objectives: Array.isArray(raw.objectives) ? raw.objectives : [] }, trials };
}
