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

export interface StepPoint {
  step: number;
  losses: Record<string, number>;
  objective: number | null;
  lr: number | null;
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
      steps.push({ step: ev.step, losses: finiteOnly(ev.losses), objective: num(ev.objective), lr: num(ev.lr) });
    } else if (ev.type === "eval") {
      evals.push({ step: ev.step, metrics: cleanMetrics(ev.metrics), skipped: ev.skipped ?? [] });
    }
  }
  if (steps.length === 0 && result?.losses && isNum(result.steps)) {
    steps.push({ step: result.steps, losses: finiteOnly(result.losses), objective: num(result.objective), lr: null });
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

function header(s: RunSummary): [string, string][] {
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
// SVG plots

export interface Series {
  name: string;
  points: [number, number][];
}

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];

const esc = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Round-number ticks covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5, integer = false): number[] {
  if (!(hi > lo)) {
    const pad = integer ? 1 : lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return niceTicks(lo - pad, hi + pad, count, integer);
  }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  if (integer) step = Math.max(1, Math.round(step));
  const ticks: number[] = [];
  for (let t = Math.floor(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1]! < hi) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}

/** An axis label: like formatValue, but `1.4e-4` rather than `1.400e-4`. */
function tickLabel(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? Number(v.toPrecision(3)).toExponential() : formatValue(v);
}

/** At most `max` points per series, by averaging consecutive buckets (keeps the HTML small for long runs). */
function thin(points: [number, number][], max = 600): [number, number][] {
  if (points.length <= max) return points;
  const size = Math.ceil(points.length / max);
  const out: [number, number][] = [];
  for (let i = 0; i < points.length; i += size) {
    const chunk = points.slice(i, i + size);
    out.push([chunk[chunk.length - 1]![0], chunk.reduce((a, p) => a + p[1], 0) / chunk.length]);
  }
  return out;
}

/** A line plot of one or more series against the step, as a standalone <svg> element. */
export function linePlot(title: string, series: Series[], opts: { width?: number; height?: number; xLabel?: string } = {}): string {
  const W = opts.width ?? 520;
  const H = opts.height ?? 260;
  const m = { l: 58, r: 12, t: 26, b: 38 + 16 * Math.ceil(series.length / 3) };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const data = series.map((s) => ({ ...s, points: thin(s.points.filter(([x, y]) => isNum(x) && isNum(y))) }));
  const all = data.flatMap((s) => s.points);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="600">${esc(title)}</text>`,
  ];
  if (all.length === 0) {
    parts.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle" font-size="12" fill="#777">no data</text></svg>`);
    return parts.join("");
  }
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  // The x axis counts steps or severities: whole numbers only.
  const xt = niceTicks(Math.min(...xs), Math.max(...xs), 5, true);
  const yt = niceTicks(Math.min(...ys), Math.max(...ys));
  const [x0, x1] = [xt[0]!, xt[xt.length - 1]!];
  const [y0, y1] = [yt[0]!, yt[yt.length - 1]!];
  const X = (x: number) => m.l + ((x - x0) / (x1 - x0)) * pw;
  const Y = (y: number) => m.t + ph - ((y - y0) / (y1 - y0)) * ph;
  const f = (v: number) => v.toFixed(1);
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#bbb"/>`);
  for (const t of yt) {
    parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${f(Y(t))}" y2="${f(Y(t))}" stroke="#eee"/>`);
    parts.push(`<text x="${m.l - 4}" y="${f(Y(t) + 4)}" text-anchor="end" font-size="10">${esc(tickLabel(t))}</text>`);
  }
  for (const t of xt) {
    parts.push(`<line x1="${f(X(t))}" x2="${f(X(t))}" y1="${m.t + ph}" y2="${m.t + ph + 4}" stroke="#888"/>`);
    parts.push(`<text x="${f(X(t))}" y="${m.t + ph + 15}" text-anchor="middle" font-size="10">${esc(tickLabel(t))}</text>`);
  }
  parts.push(`<text x="${m.l + pw / 2}" y="${m.t + ph + 29}" text-anchor="middle" font-size="10" fill="#555">${esc(opts.xLabel ?? "step")}</text>`);
  data.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    if (s.points.length > 1) {
      const d = s.points.map(([x, y], j) => `${j ? "L" : "M"}${f(X(x))},${f(Y(y))}`).join("");
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    }
    if (s.points.length <= 40) for (const [x, y] of s.points) parts.push(`<circle cx="${f(X(x))}" cy="${f(Y(y))}" r="2.5" fill="${color}"/>`);
    const lx = m.l + (i % 3) * (pw / 3);
    const ly = m.t + ph + 44 + 16 * Math.floor(i / 3);
    parts.push(`<rect x="${f(lx)}" y="${ly - 8}" width="10" height="3" fill="${color}"/>`);
    parts.push(`<text x="${f(lx + 14)}" y="${ly - 3}" font-size="10">${esc(s.name)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("");
}

/** The plots of a run: each loss term, the objective and the lr over steps; each metric group over evaluations. */
export function runPlots(s: RunSummary): { title: string; svg: string }[] {
  const plots: { title: string; svg: string }[] = [];
  const lossNames = [...new Set(s.steps.flatMap((p) => Object.keys(p.losses)))];
  for (const name of lossNames) {
    const pts = s.steps.filter((p) => name in p.losses).map((p) => [p.step, p.losses[name]!] as [number, number]);
    plots.push({ title: `loss ${name}`, svg: linePlot(`loss: ${name}`, [{ name, points: pts }]) });
  }
  const obj = s.steps.filter((p) => p.objective !== null).map((p) => [p.step, p.objective!] as [number, number]);
  if (obj.length) plots.push({ title: "objective", svg: linePlot("objective", [{ name: "objective", points: obj }]) });
  const lr = s.steps.filter((p) => p.lr !== null).map((p) => [p.step, p.lr!] as [number, number]);
  if (lr.length) plots.push({ title: "lr", svg: linePlot("learning rate", [{ name: "lr", points: lr }]) });
  // Metrics: one plot per protocol (the name's first component); per-severity robustness
  // figures stay in the tables (their per-corruption means are plotted).
  const groups = new Map<string, string[]>();
  for (const name of metricColumns(s.evals)) {
    if (/^robustness(_\d+)?\.[^.]+\.\d+\.accuracy$/.test(name) || /\.count$/.test(name)) continue;
    const g = name.split(".")[0]!;
    groups.set(g, [...(groups.get(g) ?? []), name]);
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
    plots.push({ title: `${g} by severity`, svg: linePlot(`${g}: accuracy by severity (final)`, series, { xLabel: "severity" }) });
  }
  for (const [g, names] of groups) {
    const series = names.map((n) => ({
      name: n.startsWith(`${g}.`) ? n.slice(g.length + 1) : n,
      points: s.evals.filter((e) => isNum(e.metrics[n])).map((e) => [e.step, e.metrics[n] as number] as [number, number]),
    }));
    if (series.every((x) => x.points.length === 0)) continue;
    plots.push({ title: g, svg: linePlot(`${g} at each evaluation`, series) });
  }
  return plots;
}

export function renderHtml(s: RunSummary): string {
  const h: string[] = [];
  h.push(
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${esc(`Run report: ${s.experiment}`)}</title>`,
    "<style>body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}" +
      "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:3px 8px}th{background:#f5f5f5;text-align:left}" +
      "td.v{text-align:right;font-variant-numeric:tabular-nums}code{font-size:12px}.plots{display:flex;flex-wrap:wrap;gap:12px}" +
      ".plots svg{border:1px solid #eee;background:#fff}img.samples{image-rendering:pixelated;max-width:100%}</style>",
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
  const plots = runPlots(s);
  if (plots.length) {
    h.push("<h2>Plots</h2>", '<div class="plots">');
    for (const p of plots) h.push(p.svg);
    h.push("</div>");
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
  if (s.samples) {
    const b64 = readFileSync(s.samples).toString("base64");
    h.push("<h2>Samples</h2>", `<img class="samples" alt="samples" src="data:image/png;base64,${b64}">`);
  }
  h.push("</body></html>", "");
  return h.join("\n");
}

/** Write `report.md` and `report.html` into the run folder (atomically); returns their paths. */
export function writeReports(runDir: string): { markdown: string; html: string } {
  const s = readRun(runDir);
  const markdown = runFile(s.runDir, "reportMd");
  const html = runFile(s.runDir, "reportHtml");
  writeFileAtomic(markdown, renderMarkdown(s));
  writeFileAtomic(html, renderHtml(s));
  return { markdown, html };
}
