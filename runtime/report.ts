// Run reports: `report.md` and a self-contained `report.html` (inline SVG plots, the sample sheet
// inlined as a data URI, no external assets) from what a run folder holds — `ir.json`,
// `metrics.jsonl` (one RunEvent per line) and `result.json`. The trainer calls `writeReports` at
// the end of a run; `hgc report RUN` prints `summaryTable`. Nothing here needs tfjs.
import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { UserError } from "../common/errors.js";
import { formatDuration, formatValue } from "../common/format.js";
import type { EndEvent, Metrics, StartEvent } from "./events.js";
import { readRunEvents, readRunIr, readRunResult, runFile } from "./run-folder.js";
import { writeFileAtomic } from "./atomic.js";
import { esc, PAGE_CSS, pngSize, upscaleFactor } from "./html.js";
import { displayName, displayWord, linePlot, metricUnit, type MetricUnit, type Series } from "./charts.js";

export interface StepPoint {
  step: number;
  losses: Record<string, number>;
  objective: number | null;
  lr: number | null;
  gradNorm: number | null;
}

export interface EvalPoint {
  step: number;
  metrics: Metrics;
  skipped: { protocol: string; reason: string }[];
}

/** Everything a report shows, read from a run folder. */
export interface RunSummary {
  runDir: string;
  experiment: string;
  hash: string;
  status: string;
  backend: string | null;
  seed: number | null;
  /** Last step reached. */
  step: number | null;
  totalSteps: number | null;
  parameters: number | null;
  /** Wall time of the run (training and evaluation). */
  elapsedMs: number | null;
  msPerStep: number | null;
  objective: string | null;
  /** Final metrics: result.json's, else the end event's, else the last evaluation's (the first non-empty). */
  metrics: Metrics;
  /** Protocols not run in the last evaluation, with why. */
  skipped: { protocol: string; reason: string }[];
  steps: StepPoint[];
  evals: EvalPoint[];
  error: string | null;
  /** Path of the final sample sheet, when there is one. */
  samples: string | null;
}

/** Read a run folder; a missing or corrupt folder is one clear UserError. */
export function readRun(runDir: string): RunSummary {
  const dir = resolve(runDir);
  if (!existsSync(dir)) throw new UserError(`no run folder at ${runDir}`, "pass the folder `hgc run` printed (runs/<experiment>-<hash>)", 2);
  if (!statSync(dir).isDirectory()) throw new UserError(`${runDir} is not a folder`, "pass a run folder, e.g. runs/<experiment>-<hash>", 2);
  const ir = readRunIr(runDir);
  const result = readRunResult(runDir);

  const steps: StepPoint[] = [];
  const evals: EvalPoint[] = [];
  let start: StartEvent | null = null;
  let end: EndEvent | null = null;
  let lastError: string | null = null;
  for (const ev of readRunEvents(runDir)) {
    if (ev.type === "start") start = ev;
    else if (ev.type === "end") end = ev;
    else if (ev.type === "error") lastError = ev.message;
    else if (ev.type === "step") {
      steps.push({ step: ev.step, losses: finiteOnly(ev.losses), objective: num(ev.objective), lr: num(ev.lr), gradNorm: num(ev.gradNorm) });
    } else if (ev.type === "eval") {
      evals.push({ step: ev.step, metrics: cleanMetrics(ev.metrics), skipped: ev.skipped ?? [] });
    }
  }
  if (steps.length === 0 && result?.losses && isNum(result.steps)) {
    steps.push({ step: result.steps, losses: finiteOnly(result.losses), objective: num(result.objective), lr: null, gradNorm: null });
  }
  const lastEval = evals.at(-1);
  // A run that failed after an evaluation still shows that evaluation's figures.
  const nonEmpty = (m: Metrics | undefined) => (m && Object.keys(m).length ? m : undefined);
  const metrics = cleanMetrics(nonEmpty(result?.metrics) ?? nonEmpty(end?.metrics) ?? lastEval?.metrics ?? {});
  const status = result?.status ?? end?.status ?? (start ? "running or interrupted" : "not started");
  const samples = runFile(dir, "samples");
  return {
    runDir: dir,
    experiment: ir.name,
    hash: ir.hash,
    status,
    backend: result?.backend ?? start?.backend ?? null,
    seed: num(result?.seed) ?? num(start?.seed) ?? num(ir.seed),
    step: num(result?.steps) ?? num(end?.step) ?? steps.at(-1)?.step ?? null,
    totalSteps: num(result?.totalSteps) ?? num(start?.totalSteps) ?? num(ir.train?.steps),
    parameters: num(result?.parameters) ?? num(start?.parameters) ?? num(ir.estimates?.parameters),
    elapsedMs: num(result?.timings?.totalMs) ?? num(end?.elapsedMs),
    msPerStep: num(result?.timings?.msPerStep),
    objective: ir.objective?.text ?? null,
    metrics,
    skipped: result?.skipped ?? lastEval?.skipped ?? [],
    steps,
    evals,
    error: result?.error?.message ?? (status === "failed" ? lastError : null),
    samples: existsSync(samples) ? samples : null,
  };
}

const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const num = (v: unknown): number | null => (isNum(v) ? v : null);

/** Loss terms without the non-finite ones (JSON writes a NaN loss as null). */
function finiteOnly(m: Record<string, number | null>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(m)) if (isNum(v)) out[k] = v;
  return out;
}

function cleanMetrics(m: Metrics): Metrics {
  const out: Metrics = {};
  for (const [k, v] of Object.entries(m)) out[k] = isNum(v) ? v : null;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Text

/** The final losses: the last logged value of every loss term, the objective and the lr. */
export function finalLosses(s: RunSummary): [string, number | null][] {
  const last = s.steps.at(-1);
  if (!last) return [];
  return [
    ...Object.entries(last.losses).map(([k, v]) => [`loss.${k}`, v] as [string, number]),
    ["objective", last.objective],
    ["lr", last.lr],
  ];
}

export function header(s: RunSummary): [string, string][] {
  const rows: [string, string][] = [
    ["experiment", s.experiment],
    ["status", s.status],
    ["steps", `${s.step ?? "—"} / ${s.totalSteps ?? "—"}`],
  ];
  if (s.objective) rows.push(["objective", s.objective]);
  if (s.parameters !== null) rows.push(["parameters", s.parameters.toLocaleString("en-US")]);
  if (s.backend) rows.push(["backend", s.backend]);
  if (s.elapsedMs !== null) rows.push(["time", formatDuration(s.elapsedMs) + (s.msPerStep !== null ? ` (${formatValue(s.msPerStep)} ms/step)` : "")]);
  if (s.seed !== null) rows.push(["seed", String(s.seed)]);
  if (s.hash) rows.push(["ir hash", s.hash.slice(0, 12)]);
  if (s.error) rows.push(["error", s.error]);
  return rows;
}

/** The plain-text summary `hgc report RUN` prints: the run, then every final metric, then what was skipped. */
export function summaryTable(s: RunSummary): string {
  const out: string[] = [];
  const head = header(s);
  const hw = Math.max(...head.map(([k]) => k.length));
  out.push(`run ${s.runDir}`);
  for (const [k, v] of head) out.push(`  ${k.padEnd(hw)}  ${v}`);
  const rows = [...Object.entries(s.metrics), ...finalLosses(s)];
  if (rows.length === 0) {
    out.push("", "no metrics yet (the run has not evaluated)");
  } else {
    const w = Math.max("metric".length, ...rows.map(([k]) => k.length));
    const vals = rows.map(([, v]) => formatValue(v));
    const vw = Math.max("value".length, ...vals.map((v) => v.length));
    out.push("", `${"metric".padEnd(w)}  ${"value".padStart(vw)}`, `${"-".repeat(w)}  ${"-".repeat(vw)}`);
    rows.forEach(([k], i) => out.push(`${k.padEnd(w)}  ${vals[i]!.padStart(vw)}`));
  }
  if (s.skipped.length) {
    out.push("", "not applicable:");
    for (const sk of s.skipped) out.push(`  ${sk.protocol}: ${sk.reason}`);
  }
  return out.join("\n") + "\n";
}

const mdCell = (t: string) => t.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function renderMarkdown(s: RunSummary): string {
  const out: string[] = [`# Run report: ${s.experiment}`, ""];
  out.push("| | |", "|---|---|");
  for (const [k, v] of header(s)) out.push(`| ${k} | ${mdCell(v)} |`);
  out.push("", "## Final metrics", "");
  const rows = Object.entries(s.metrics);
  if (rows.length === 0) out.push("No evaluation has run yet.");
  else {
    out.push("| metric | value |", "|---|---:|");
    for (const [k, v] of rows) out.push(`| \`${k}\` | ${formatValue(v)} |`);
  }
  if (s.skipped.length) {
    out.push("", "Not applicable:", "");
    for (const sk of s.skipped) out.push(`- \`${sk.protocol}\`: ${mdCell(sk.reason)}`);
  }
  const losses = finalLosses(s);
  if (losses.length) {
    out.push("", `## Training (last logged step ${s.steps.at(-1)!.step})`, "");
    out.push("| term | value |", "|---|---:|");
    for (const [k, v] of losses) out.push(`| \`${k}\` | ${formatValue(v)} |`);
  }
  if (s.evals.length) {
    const names = metricColumns(s.evals);
    out.push("", "## Metrics at each evaluation", "");
    out.push(`| metric | ${s.evals.map((e) => `step ${e.step}`).join(" | ")} |`);
    out.push(`|---|${s.evals.map(() => "---:").join("|")}|`);
    for (const n of names) out.push(`| \`${n}\` | ${s.evals.map((e) => formatValue(e.metrics[n])).join(" | ")} |`);
  }
  if (s.samples) out.push("", "## Samples", "", "![samples](samples.png)");
  out.push("", "Plots of the losses, the lr and the metrics are in `report.html`.", "");
  return out.join("\n");
}

/** Every metric name seen in any evaluation, in first-seen order. */
function metricColumns(evals: EvalPoint[]): string[] {
  const seen = new Set<string>();
  for (const e of evals) for (const k of Object.keys(e.metrics)) seen.add(k);
  return [...seen];
}

// ---------------------------------------------------------------------------------------------
// Plots

export { linePlot, niceTicks } from "./charts.js";
export type { Series } from "./charts.js";

export interface ReportOptions {
  /** EMA weight for the training curves (0 = raw only); default 0.6 once a curve has 30 points. */
  smooth?: number;
}

export interface Plot {
  /** A short file-name-safe id, e.g. `loss-gen`, `linear_probe-accuracy`. */
  id: string;
  title: string;
  section: "training" | "evaluation" | "robustness";
  svg: string;
}

/** Name parts of baseline figures (random-init and raw-pixel features), drawn beside the learned ones. */
const BASELINES = new Set(["init", "pixels"]);

const slug = (t: string) => t.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-|-$/g, "");

/**
 * The plots of a run. Training: each loss term, the objective, the lr and the grad norm over
 * steps (smoothed, raw faint behind). Evaluation: one panel per protocol and unit (accuracy,
 * AUROC, AUPR, FPR, ECE, bits/dim… never two units on one axis), a line per metric, baselines
 * included. Robustness: accuracy against severity at the end.
 */
export function runPlots(s: RunSummary, opts: ReportOptions = {}): Plot[] {
  const plots: Plot[] = [];
  const smoothFor = (n: number) => opts.smooth ?? (n >= 30 ? 0.6 : 0);
  const curve = (id: string, title: string, yLabel: string, pts: [number, number][]) => {
    if (pts.length) plots.push({ id, title, section: "training", svg: linePlot(title, [{ name: id, points: pts }], { yLabel, smooth: smoothFor(pts.length) }) });
  };
  const lossNames = [...new Set(s.steps.flatMap((p) => Object.keys(p.losses)))];
  for (const name of lossNames) {
    curve(`loss-${slug(name)}`, `loss: ${name}`, name, s.steps.filter((p) => name in p.losses).map((p) => [p.step, p.losses[name]!]));
  }
  curve("objective", "objective", "objective", s.steps.filter((p) => p.objective !== null).map((p) => [p.step, p.objective!]));
  const lr = s.steps.filter((p) => p.lr !== null).map((p) => [p.step, p.lr!] as [number, number]);
  if (lr.length) plots.push({ id: "lr", title: "learning rate", section: "training", svg: linePlot("learning rate", [{ name: "lr", points: lr }], { yLabel: "lr" }) });
  curve("grad-norm", "gradient norm", "‖g‖", s.steps.filter((p) => p.gradNorm !== null).map((p) => [p.step, p.gradNorm!]));

  // Metrics over evaluations: a panel per (protocol, unit). Per-severity robustness figures
  // stay in the tables (their per-corruption means are plotted); counts are not figures.
  const panels = new Map<string, { protocol: string; unit: MetricUnit; names: string[] }>();
  for (const name of metricColumns(s.evals)) {
    if (/^robustness(_\d+)?\.[^.]+\.\d+\.accuracy$/.test(name) || /\.count$/.test(name)) continue;
    const protocol = name.split(".")[0]!;
    const unit = metricUnit(name);
    const key = `${protocol}\u0000${unit.label}`;
    const panel = panels.get(key) ?? { protocol, unit, names: [] };
    panel.names.push(name);
    panels.set(key, panel);
  }
  for (const { protocol, unit, names } of panels.values()) {
    const own = names.map((n) => {
      const rest = metricUnit(n).rest;
      return rest === protocol ? "" : rest.startsWith(`${protocol}.`) ? rest.slice(protocol.length + 1) : rest;
    });
    // The protocol's own figure (`ood.auroc`, `linear_probe.accuracy`) is the headline beside
    // other scores, and the learned features beside baselines (`init`, `pixels`).
    const others = own.filter((o) => o && !BASELINES.has(o));
    let series = names.map((n, i) => ({
      name: own[i] ? own[i]!.split(".").map(displayWord).join(" ") : others.length ? "headline" : "learned",
      points: s.evals.filter((e) => isNum(e.metrics[n])).map((e) => [e.step, e.metrics[n] as number] as [number, number]),
    }));
    // A headline that repeats one score (`ood.auroc` is the first score's) would hide under it:
    // that score's line is marked as the headline instead.
    const headline = series.find((x) => x.name === "headline");
    const same = headline && series.find((x) => x !== headline && JSON.stringify(x.points) === JSON.stringify(headline.points));
    if (headline && same) {
      same.name += " (headline)";
      series = series.filter((x) => x !== headline);
    }
    if (series.every((x) => x.points.length === 0)) continue;
    const title = protocol === names[0] && names.length === 1 ? displayName(protocol) : `${displayWord(protocol)}: ${unit.label}`;
    plots.push({
      id: slug(names.length === 1 && names[0] === protocol ? protocol : `${protocol}-${unit.label.toLowerCase()}`),
      title,
      section: "evaluation",
      svg: linePlot(title, series, { yLabel: unit.label, bounded: unit.bounded, ...(unit.minSpan ? { minSpan: unit.minSpan } : {}) }),
    });
  }

  // Robustness at the end: accuracy against severity, one line per corruption.
  const bySeverity = new Map<string, Map<string, [number, number][]>>();
  for (const [name, v] of Object.entries(s.metrics)) {
    const m = /^(robustness(?:_\d+)?)\.([^.]+)\.(\d+)\.accuracy$/.exec(name);
    if (!m || !isNum(v)) continue;
    const perC = bySeverity.get(m[1]!) ?? new Map<string, [number, number][]>();
    perC.set(m[2]!, [...(perC.get(m[2]!) ?? []), [Number(m[3]), v]]);
    bySeverity.set(m[1]!, perC);
  }
  for (const [g, perC] of bySeverity) {
    const series: Series[] = [...perC].map(([c, pts]) => ({ name: c, points: pts.sort((a, b) => a[0] - b[0]) }));
    const clean = s.metrics[`${g}.clean_accuracy`];
    if (isNum(clean)) {
      const sev = series.flatMap((x) => x.points.map((p) => p[0]));
      series.push({ name: "clean", points: [[Math.min(...sev), clean], [Math.max(...sev), clean]] });
    }
    const title = `${g}: accuracy by severity (final)`;
    plots.push({ id: slug(`${g}-by-severity`), title, section: "robustness", svg: linePlot(title, series, { xLabel: "severity", yLabel: "accuracy", bounded: true }) });
  }
  return plots;
}

export function renderHtml(s: RunSummary, opts: ReportOptions = {}): string {
  const h: string[] = [];
  h.push(
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${esc(`Run report: ${s.experiment}`)}</title>`,
    `<style>${PAGE_CSS}</style>`,
    "</head><body>",
    `<h1>Run report: ${esc(s.experiment)}</h1>`,
    "<table>",
  );
  for (const [k, v] of header(s)) h.push(`<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`);
  h.push("</table>", "<h2>Final metrics</h2>");
  const rows = Object.entries(s.metrics);
  if (rows.length === 0) h.push("<p>No evaluation has run yet.</p>");
  else {
    h.push("<table><tr><th>metric</th><th>value</th></tr>");
    for (const [k, v] of rows) h.push(`<tr><td><code>${esc(k)}</code></td><td class="v">${esc(formatValue(v))}</td></tr>`);
    h.push("</table>");
  }
  if (s.skipped.length) {
    h.push("<p>Not applicable:</p><ul>");
    for (const sk of s.skipped) h.push(`<li><code>${esc(sk.protocol)}</code>: ${esc(sk.reason)}</li>`);
    h.push("</ul>");
  }
  const plots = runPlots(s, opts);
  const sections: [Plot["section"], string, string][] = [
    ["training", "Training", "Each loss term, the objective, the learning rate and the gradient norm at every logged step."],
    ["evaluation", "Evaluation", "One panel per protocol and unit; baselines, where the run has them, are lines in the same panel."],
    ["robustness", "Robustness", "Accuracy under each corruption against its severity, at the end of the run."],
  ];
  for (const [section, title, note] of sections) {
    const these = plots.filter((p) => p.section === section);
    if (!these.length) continue;
    h.push(`<h2>${title}</h2>`, `<p class="note">${note}</p>`, '<div class="plots">');
    for (const p of these) h.push(p.svg);
    h.push("</div>");
  }
  if (s.samples) {
    const png = readFileSync(s.samples);
    const size = pngSize(png);
    const k = size ? upscaleFactor(size.width) : 1;
    const dims = size ? ` width="${size.width * k}" height="${size.height * k}"` : "";
    h.push(
      "<h2>Samples</h2>",
      `<p class="note">The final model's samples${k > 1 ? `, shown ${k}× (nearest neighbour)` : ""}.</p>`,
      `<img class="samples" alt="samples"${dims} src="data:image/png;base64,${png.toString("base64")}">`,
    );
  }
  const losses = finalLosses(s);
  if (losses.length) {
    h.push(`<h2>Training (last logged step ${s.steps.at(-1)!.step})</h2>`, "<table><tr><th>term</th><th>value</th></tr>");
    for (const [k, v] of losses) h.push(`<tr><td><code>${esc(k)}</code></td><td class="v">${esc(formatValue(v))}</td></tr>`);
    h.push("</table>");
  }
  if (s.evals.length) {
    h.push("<h2>Metrics at each evaluation</h2>", `<table><tr><th>metric</th>${s.evals.map((e) => `<th>step ${e.step}</th>`).join("")}</tr>`);
    for (const n of metricColumns(s.evals)) {
      h.push(`<tr><td><code>${esc(n)}</code></td>${s.evals.map((e) => `<td class="v">${esc(formatValue(e.metrics[n]))}</td>`).join("")}</tr>`);
    }
    h.push("</table>");
  }
  h.push("</body></html>", "");
  return h.join("\n");
}

/** Write `report.md` and `report.html` into the run folder (atomically); returns their paths. */
export function writeReports(runDir: string, opts: ReportOptions = {}): { markdown: string; html: string } {
  const s = readRun(runDir);
  const markdown = runFile(s.runDir, "reportMd");
  const html = runFile(s.runDir, "reportHtml");
  writeFileAtomic(markdown, renderMarkdown(s));
  writeFileAtomic(html, renderHtml(s, opts));
  return { markdown, html };
}
