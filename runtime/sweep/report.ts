// The sweep's tables: sweep.csv (every metric, full precision, for other tools) and sweep.md
// (mean ± std at 4 significant digits, the Pareto front, failed trials and the plots).
import type { GroupRow, MetricStat, SweepAggregate, TrialOutcome } from "./aggregate.js";
import { formatValue } from "../../common/format.js";
import { paramText } from "./aggregate.js";
import { baselineColumns } from "../../compiler/metrics.js";

/** A metric's mean ± std over seeds: the std at 2 significant digits, enough to judge the mean's. */
export function fmtStat(s: MetricStat | undefined): string {
  if (!s) return "—";
  return s.std === null ? `${formatValue(s.mean)} (n=1)` : `${formatValue(s.mean)} ± ${formatValue(s.std, 2)}`;
}

function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function toCsv(agg: SweepAggregate): string {
  const header = ["experiment", ...agg.params, "seeds", "completed", "failed", "pareto"];
  for (const m of agg.metrics) header.push(`${m}.mean`, `${m}.std`, `${m}.n`);
  const lines = [header.map(csvField).join(",")];
  for (const g of agg.groups) {
    const row = [
      g.experiment,
      ...agg.params.map((p) => (p in g.point ? String(g.point[p]) : "")),
      g.seeds.join(" "),
      String(g.completed),
      String(g.failed),
      g.pareto,
    ];
    for (const m of agg.metrics) {
      const s = g.metrics[m];
      row.push(s ? String(s.mean) : "", s && s.std !== null ? String(s.std) : "", s ? String(s.n) : "0");
    }
    lines.push(row.map(csvField).join(","));
  }
  return lines.join("\n") + "\n";
}

/** The first line of an error, cut at 200 characters (the whole text is in sweep.json). */
function firstLine(s: string): string {
  const line = s.split("\n").find((l) => l.trim()) ?? s;
  return line.length > 200 ? line.slice(0, 199) + "…" : line;
}

function mdCell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function mdTable(header: string[], rows: string[][]): string {
  const out = [`| ${header.map(mdCell).join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
  for (const r of rows) out.push(`| ${r.map(mdCell).join(" | ")} |`);
  return out.join("\n");
}

function paretoCell(g: GroupRow): string {
  if (g.pareto === "front") return "★ front";
  if (g.pareto === "dominated") return "dominated";
  return "—";
}

export interface MarkdownInput {
  agg: SweepAggregate;
  trials: TrialOutcome[];
  /** Plot files in the sweep folder, with a caption each. */
  plots: { file: string; title: string }[];
}

/** A trial's id, experiment, point and seed, as the trial tables show them. */
function trialCells(t: TrialOutcome): string[] {
  const point = Object.entries(t.point)
    .map(([k, v]) => `${k}=${paramText(v)}`)
    .join(" ");
  return [t.id.slice(0, 8), t.experiment, point, String(t.seed)];
}

export function toMarkdown({ agg, trials, plots }: MarkdownInput): string {
  const out: string[] = [];
  const completed = trials.filter((t) => t.status === "completed").length;
  const failed = trials.filter((t) => t.status === "failed");
  const pruned = trials.filter((t) => t.status === "pruned");
  const other = trials.length - completed - failed.length - pruned.length;
  out.push(`# Sweep \`${agg.sweep}\``, "");
  out.push(
    `${trials.length} trials over ${agg.groups.length} grid points: ${completed} completed, ${pruned.length ? `${pruned.length} pruned, ` : ""}${failed.length} failed` +
      (other ? `, ${other} not finished` : "") +
      ".",
  );
  if (agg.objectives.length) {
    out.push("", `Objectives: ${agg.objectives.map((o) => `${o.direction} \`${o.metric}\``).join(", ")}.`);
  }

  const arrow = (m: string) => {
    const o = agg.objectives.find((x) => x.metric === m);
    return o ? `${m} ${o.direction === "maximize" ? "↑" : "↓"}` : m;
  };
  const objectiveMetrics = agg.objectives.length ? agg.objectives.map((o) => o.metric) : agg.metrics;
  // Each accuracy sits beside its baselines and its margin over init (issue 12): a learned figure
  // means little until it beats the same protocol on the encoder at initialisation.
  const shown = [...new Set(objectiveMetrics.flatMap((m) => [m, ...baselineColumns(m).filter((b) => agg.metrics.includes(b))]))];
  out.push("", "## Results (mean ± std over seeds)", "");
  out.push(
    mdTable(
      ["experiment", ...agg.params, "n", ...shown.map(arrow), ...(agg.objectives.length ? ["Pareto"] : [])],
      agg.groups.map((g) => [
        g.experiment,
        ...agg.params.map((p) => (p in g.point ? paramText(g.point[p]!) : "")),
        `${g.completed}/${g.seeds.length}`,
        ...shown.map((m) => fmtStat(g.metrics[m])),
        ...(agg.objectives.length ? [paretoCell(g)] : []),
      ]),
    ),
  );

  if (agg.objectives.length) {
    out.push("", "## Pareto front", "");
    const front = agg.groups.filter((g) => g.pareto === "front");
    if (!front.length) out.push("No grid point has every objective metric yet.");
    for (const g of front) {
      out.push(`- **${g.key}**: ${agg.objectives.map((o) => `${o.metric} ${fmtStat(g.metrics[o.metric])}`).join(", ")}`);
    }
    const dominated = agg.groups.filter((g) => g.pareto === "dominated");
    if (dominated.length) {
      out.push("", "Dominated:", "");
      for (const g of dominated) out.push(`- ${g.key} (by ${g.dominatedBy.join(", ")})`);
    }
    const unranked = agg.groups.filter((g) => g.pareto === "unranked");
    if (unranked.length) {
      out.push("", `Not ranked (an objective metric is missing): ${unranked.map((g) => g.key).join(", ")}.`);
    }
  }

  if (agg.metrics.length > shown.length) {
    out.push("", "## All metrics", "");
    out.push(
      mdTable(
        ["metric", ...agg.groups.map((g) => g.key)],
        agg.metrics.map((m) => [m, ...agg.groups.map((g) => fmtStat(g.metrics[m]))]),
      ),
    );
  }

  if (failed.length) {
    out.push("", "## Failed trials", "");
    out.push(
      mdTable(
        ["trial", "experiment", "point", "seed", "error"],
        failed.map((t) => [...trialCells(t), firstLine(t.error ?? "unknown error")]),
      ),
    );
  }

  if (pruned.length) {
    // stopped early by the prune rule; each keeps its checkpoint (`hgc run <ir> --out <folder> --resume` finishes it)
    out.push("", "## Pruned trials", "");
    out.push(
      mdTable(
        ["trial", "experiment", "point", "seed", "stopped at step", "value there"],
        pruned.map((t) => [...trialCells(t), t.pruned ? String(t.pruned.step) : "?", t.pruned ? paramText(t.pruned.value) : "?"]),
      ),
    );
  }

  if (plots.length) {
    out.push("", "## Plots", "");
    for (const p of plots) out.push(`![${p.title}](${encodeURI(p.file)})`, "");
  }
  return out.join("\n").trimEnd() + "\n";
}
