// `hgc report … --format png|pdf`: a run's or a sweep's plots as PNG or one-page PDF figures
// (figures/<plot>.png|pdf in its folder), and with pdf the whole report as report.pdf or
// sweep.pdf. Drawn by runtime/render.ts: no browser.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic.js";
import { displayName } from "./charts.js";
import { pngSize, upscaleFactor } from "./html.js";
import { type Block, figurePdf, renderPdf, svgToPng, upscalePng } from "./render.js";
import { formatValue } from "../common/format.js";
import { finalLosses, header, readRun, runPlots, type ReportOptions } from "./report.js";
import { aggregate } from "./sweep/aggregate.js";
import { headlineMetrics } from "./sweep/html.js";
import { readSweepFolder } from "./sweep/output.js";
import { dependentParams, metricPlots, paretoPlot, plotFileName, shortLabel, type SweepPlot } from "./sweep/plots.js";
import { fmtStat } from "./sweep/report.js";

export type ExportFormat = "png" | "pdf";

async function writeFigures(dir: string, plots: { id: string; svg: string }[], format: ExportFormat): Promise<string[]> {
  const paths: string[] = [];
  for (const p of plots) {
    const path = join(dir, "figures", `${p.id}.${format}`);
    writeFileAtomic(path, format === "png" ? svgToPng(p.svg) : await figurePdf(p.svg));
    paths.push(path);
  }
  return paths;
}

/** Writes a run's figures (and with pdf, report.pdf); returns the paths written. */
export async function exportRun(runDir: string, format: ExportFormat, opts: ReportOptions = {}): Promise<string[]> {
  const s = readRun(runDir);
  const plots = runPlots(s, opts);
  const paths = await writeFigures(s.runDir, plots, format);
  if (format === "png") return paths;
  const blocks: Block[] = [{ kind: "table", rows: header(s).map(([k, v]) => [k, v]) }];
  blocks.push({ kind: "heading", text: "Final metrics" });
  const rows = Object.entries(s.metrics);
  if (rows.length) blocks.push({ kind: "table", header: ["metric", "value"], rows: rows.map(([k, v]) => [k, formatValue(v)]) });
  else blocks.push({ kind: "text", text: "No evaluation has run yet." });
  if (s.skipped.length) blocks.push({ kind: "text", text: `Not applicable: ${s.skipped.map((k) => `${k.protocol} (${k.reason})`).join("; ")}` });
  for (const [section, title] of [["training", "Training"], ["evaluation", "Evaluation"], ["robustness", "Robustness"]] as const) {
    const these = plots.filter((p) => p.section === section);
    if (these.length) blocks.push({ kind: "heading", text: title }, { kind: "figures", svgs: these.map((p) => p.svg) });
  }
  if (s.samples) {
    const png = readFileSync(s.samples);
    const size = pngSize(png);
    const k = size ? upscaleFactor(size.width, 480) : 1;
    blocks.push({ kind: "heading", text: "Samples" }, { kind: "image", png: upscalePng(png, k), width: Math.min(360, (size?.width ?? 360) * k * 0.75) });
  }
  const losses = finalLosses(s);
  if (losses.length) {
    blocks.push({ kind: "heading", text: `Training (last logged step ${s.steps.at(-1)!.step})` });
    blocks.push({ kind: "table", header: ["term", "value"], rows: losses.map(([k, v]) => [k, formatValue(v)]) });
  }
  const pdf = join(s.runDir, "report.pdf");
  writeFileAtomic(pdf, await renderPdf(`Run report: ${s.experiment}`, blocks));
  return [pdf, ...paths];
}

const sweepPlotId = (p: SweepPlot) => p.file.replace(/\.svg$/, "");

/** Writes a sweep's figures (and with pdf, sweep.pdf); returns the paths written. */
export async function exportSweep(dir: string, format: ExportFormat): Promise<string[]> {
  const { sweep, trials } = readSweepFolder(dir);
  const agg = aggregate(sweep, trials);
  const plots = [paretoPlot(agg), ...metricPlots(agg)].filter((p): p is SweepPlot => !!p);
  const paths = await writeFigures(dir, plots.map((p) => ({ id: sweepPlotId(p), svg: p.svg })), format);
  if (format === "png") return paths;
  const dependent = dependentParams(agg);
  const shown = headlineMetrics(agg);
  const completed = trials.filter((t) => t.status === "completed").length;
  const blocks: Block[] = [
    {
      kind: "text",
      text:
        `${trials.length} trials over ${agg.groups.length} grid points, ${completed} completed. ` +
        (agg.objectives.length ? `Objectives: ${agg.objectives.map((o) => `${o.direction} ${o.metric}`).join(", ")}. ` : "") +
        "Mean ± sample std over seeds.",
    },
    { kind: "heading", text: "Results" },
    {
      kind: "table",
      header: ["point", "seeds", ...shown.map(displayName), ...(agg.objectives.length ? ["Pareto"] : [])],
      rows: agg.groups.map((g) => [
        shortLabel(agg, g, dependent),
        `${g.completed}/${g.seeds.length}`,
        ...shown.map((m) => fmtStat(g.metrics[m])),
        ...(agg.objectives.length ? [g.pareto === "front" ? "front" : g.pareto] : []),
      ]),
    },
  ];
  const pareto = plots.find((p) => p.file === "pareto.svg");
  if (pareto) blocks.push({ kind: "heading", text: "Pareto front" }, { kind: "figures", svgs: [pareto.svg] });
  const headline = new Set(shown.flatMap((m) => agg.params.map((p) => plotFileName(m, p))));
  const curves = plots.filter((p) => p !== pareto && headline.has(p.file));
  if (curves.length) blocks.push({ kind: "heading", text: "Metrics against the swept params" }, { kind: "figures", svgs: curves.map((p) => p.svg) });
  const pdf = join(dir, "sweep.pdf");
  writeFileAtomic(pdf, await renderPdf(`Sweep report: ${agg.sweep}`, blocks));
  return [pdf, ...paths];
}
