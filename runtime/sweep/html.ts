// sweep.html: a sweep's results on one self-contained page — the aggregate table (mean ± std
// over seeds, baselines included), the Pareto plot, each metric against each swept param, and
// every trial with a link to its own report.html. Inline SVG only: no scripts, fonts or assets.
import { relative, sep } from "node:path";
import { displayName } from "../charts.js";
import { esc, PAGE_CSS } from "../html.js";
import type { GroupRow, SweepAggregate, TrialOutcome } from "./aggregate.js";
import { paramText } from "./aggregate.js";
import { dependentParams, plotFileName, shortLabel, type SweepPlot } from "./plots.js";
import { fmtStat } from "./report.js";

export interface SweepHtmlInput {
  agg: SweepAggregate;
  trials: TrialOutcome[];
  plots: SweepPlot[];
  /** The sweep folder, for links to the trials' reports relative to it. */
  dir: string;
}

/**
 * The metrics the main table shows: the objectives, then every protocol-level figure (at most two
 * name parts: `linear_probe.accuracy`, `knn.pixels_accuracy`, `bits_per_dim`, `ood.auroc`), so
 * baselines sit beside the learned figures; per-score and per-corruption ones are in "all metrics".
 */
export function headlineMetrics(agg: SweepAggregate): string[] {
  const objectives = agg.objectives.map((o) => o.metric);
  const rest = agg.metrics.filter((m) => !objectives.includes(m) && m.split(".").length <= 2 && !/(^samples\.|\.count$)/.test(m));
  return [...objectives, ...rest];
}

/** The index of the best mean of a column among the groups (for an objective), or -1. */
function bestIndex(agg: SweepAggregate, metric: string): number {
  const o = agg.objectives.find((x) => x.metric === metric);
  if (!o) return -1;
  let best = -1;
  agg.groups.forEach((g, i) => {
    const v = g.metrics[metric]?.mean;
    if (v === undefined) return;
    const b = best < 0 ? undefined : agg.groups[best]!.metrics[metric]!.mean;
    if (b === undefined || (o.direction === "maximize" ? v > b : v < b)) best = i;
  });
  return best;
}

function statCell(g: GroupRow, metric: string, best: boolean): string {
  const s = g.metrics[metric];
  const text = esc(fmtStat(s));
  return `<td class="v">${best ? `<b>${text}</b>` : text}</td>`;
}

const href = (dir: string, target: string) => relative(dir, target).split(sep).map(encodeURIComponent).join("/");

export function renderSweepHtml({ agg, trials, plots, dir }: SweepHtmlInput): string {
  const h: string[] = [];
  const completed = trials.filter((t) => t.status === "completed").length;
  const failed = trials.filter((t) => t.status === "failed");
  const dependent = dependentParams(agg);
  const params = agg.params.filter((p) => !dependent.has(p));
  h.push(
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${esc(`Sweep report: ${agg.sweep}`)}</title>`,
    // A sweep's table is wide: the page may be too.
    `<style>${PAGE_CSS}body{max-width:1360px}</style>`,
    "</head><body>",
    `<h1>Sweep report: ${esc(agg.sweep)}</h1>`,
    `<p>${trials.length} trials over ${agg.groups.length} grid points: ${completed} completed, ${failed.length} failed` +
      `${trials.length - completed - failed.length ? `, ${trials.length - completed - failed.length} not finished` : ""}.` +
      (agg.objectives.length
        ? ` Objectives: ${agg.objectives.map((o) => `${o.direction} <code>${esc(o.metric)}</code>`).join(", ")}.`
        : "") +
      (dependent.size ? ` <span class="note">(${[...dependent].map((p) => `<code>${esc(p)}</code>`).join(", ")} follow from the other weights and are not plotted separately.)</span>` : "") +
      "</p>",
  );

  // The aggregate table.
  const shown = headlineMetrics(agg);
  const best = new Map(shown.map((m) => [m, bestIndex(agg, m)]));
  const arrow = (m: string) => {
    const o = agg.objectives.find((x) => x.metric === m);
    return o ? (o.direction === "maximize" ? " ↑" : " ↓") : "";
  };
  const multi = new Set(agg.groups.map((g) => g.experiment)).size > 1;
  h.push("<h2>Results</h2>", '<p class="note">Mean ± sample std over the seeds that completed (n=1: a single seed). Objectives are marked ↑/↓, their best value in bold; ★ marks the Pareto front.</p>');
  h.push('<div class="wide"><table><tr>' + [...(multi ? ["experiment"] : []), ...params, "seeds"].map((c) => `<th>${esc(c)}</th>`).join("") +
    shown.map((m) => `<th title="${esc(m)}">${esc(displayName(m))}${arrow(m)}</th>`).join("") + (agg.objectives.length ? "<th>Pareto</th>" : "") + "</tr>");
  agg.groups.forEach((g, i) => {
    const cells = [
      ...(multi ? [`<td>${esc(g.experiment)}</td>`] : []),
      ...params.map((p) => `<td class="v">${p in g.point ? esc(paramText(g.point[p]!)) : ""}</td>`),
      `<td class="v">${g.completed}/${g.seeds.length}</td>`,
      ...shown.map((m) => statCell(g, m, best.get(m) === i)),
      ...(agg.objectives.length ? [`<td>${g.pareto === "front" ? "★ front" : g.pareto === "dominated" ? "dominated" : "—"}</td>`] : []),
    ];
    h.push(`<tr${g.pareto === "front" ? ' class="front"' : ""}>${cells.join("")}</tr>`);
  });
  h.push("</table></div>");

  const pareto = plots.find((p) => p.file === "pareto.svg");
  // The page plots the headline metrics; the per-score and per-corruption plots are files beside it.
  const headline = new Set(shown.flatMap((m) => agg.params.map((p) => plotFileName(m, p))));
  const curves = plots.filter((p) => p !== pareto && headline.has(p.file));
  const more = plots.length - (pareto ? 1 : 0) - curves.length;
  if (pareto) h.push("<h2>Pareto front</h2>", '<p class="note">Each grid point at its mean over seeds; bars are ± one std on both objectives.</p>', pareto.svg);
  if (curves.length) {
    h.push("<h2>Metrics against the swept params</h2>", '<div class="plots">');
    for (const p of curves) h.push(p.svg);
    h.push("</div>");
  }
  if (more > 0) h.push(`<p class="note">${more} more plots (per score and per corruption) are the <code>*-vs-*.svg</code> files in this folder.</p>`);

  if (agg.metrics.length > shown.length) {
    h.push(`<h2>All metrics</h2>`, "<details><summary>every metric at every grid point</summary>");
    h.push('<div class="wide"><table><tr><th>metric</th>' + agg.groups.map((g) => `<th>${esc(shortLabel(agg, g, dependent))}</th>`).join("") + "</tr>");
    for (const m of agg.metrics) h.push(`<tr><td><code>${esc(m)}</code></td>${agg.groups.map((g) => statCell(g, m, false)).join("")}</tr>`);
    h.push("</table></div></details>");
  }

  h.push("<h2>Trials</h2>", "<table><tr><th>trial</th><th>point</th><th>seed</th><th>status</th><th>report</th></tr>");
  for (const t of trials) {
    const point = Object.entries(t.point).filter(([k]) => !dependent.has(k)).map(([k, v]) => `${k}=${paramText(v)}`).join(" ");
    const report = t.status === "completed" || t.status === "failed" ? `<a href="${esc(href(dir, `${t.runDir}/report.html`))}">report.html</a>` : "—";
    const status = t.status === "failed" ? `failed: ${esc((t.error ?? "").split("\n")[0]!.slice(0, 160))}` : esc(t.status);
    h.push(`<tr><td><code>${esc(t.id.slice(0, 8))}</code></td><td>${esc([...(multi ? [t.experiment] : []), point].join(" "))}</td><td class="v">${t.seed}</td><td>${status}</td><td>${report}</td></tr>`);
  }
  h.push("</table>", "</body></html>", "");
  return h.join("\n");
}
