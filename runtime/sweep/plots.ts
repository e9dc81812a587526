// Self-contained SVG plots of a sweep (no scripts, fonts or external references): the Pareto
// front over the first two objectives, and each metric against each swept param with error bars.
import type { GroupRow, SweepAggregate } from "./aggregate.js";
import { paramText } from "./aggregate.js";
import { formatValue } from "../../common/format.js";

export interface PlotPoint {
  x: number;
  y: number;
  /** Half-height of the error bar (a standard deviation); null or absent for none. */
  yErr?: number | null;
  label?: string;
}

export interface PlotSeries {
  name: string;
  points: PlotPoint[];
  color: string;
  /** Join the points (sorted by x) with a line. */
  line?: boolean;
  /** A step line for a Pareto front, in the direction of the objectives. */
  muted?: boolean;
}

export interface PlotSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: PlotSeries[];
  xLog?: boolean;
  /** Label every point with its `label`. */
  labels?: boolean;
  width?: number;
  height?: number;
}

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#bcbd22"];
const GREY = "#b0b0b0";

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Round tick positions covering [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= d;
    hi += d;
  }
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const t = Number((m * Math.pow(10, e)).toPrecision(12));
      if (t >= lo * 0.999 && t <= hi * 1.001) ticks.push(t);
    }
  }
  return ticks.length >= 2 ? ticks : [lo, hi];
}

/** Approximate advance of one 10px character, for keeping labels apart. */
const LABEL_CHAR_W = 5.6;
const LABEL_H = 11;

interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/**
 * Where a point's label goes: above-right, below-right, above-left or below-left of the point,
 * the first that stays inside the frame and clear of the labels already placed (else the first
 * inside the frame). Baseline coordinates; `end` for a label that reads leftwards.
 */
function placeLabel(placed: Box[], cx: number, cy: number, w: number, frame: Box): { x: number; y: number; end: boolean } {
  const candidates = [
    { x: cx + 7, y: cy - 7, end: false },
    { x: cx + 7, y: cy + 15, end: false },
    { x: cx - 7, y: cy - 7, end: true },
    { x: cx - 7, y: cy + 15, end: true },
  ];
  const boxOf = (c: { x: number; y: number; end: boolean }): Box => ({
    x0: c.end ? c.x - w : c.x,
    x1: c.end ? c.x : c.x + w,
    y0: c.y - LABEL_H + 2,
    y1: c.y + 2,
  });
  const inside = (b: Box) => b.x0 >= frame.x0 && b.x1 <= frame.x1 && b.y0 >= frame.y0 && b.y1 <= frame.y1;
  const clear = (b: Box) => placed.every((o) => b.x1 <= o.x0 || b.x0 >= o.x1 || b.y1 <= o.y0 || b.y0 >= o.y1);
  const chosen =
    candidates.find((c) => inside(boxOf(c)) && clear(boxOf(c))) ?? candidates.find((c) => inside(boxOf(c))) ?? candidates[0]!;
  placed.push(boxOf(chosen));
  return chosen;
}

export function renderPlot(spec: PlotSpec): string {
  const W = spec.width ?? 640;
  const H = spec.height ?? 420;
  const m = { left: 72, right: 24, top: 40, bottom: 56 };
  const legendW = spec.series.length > 1 ? 180 : 0;
  const pw = W - m.left - m.right - legendW;
  const ph = H - m.top - m.bottom;
  const pts = spec.series.flatMap((s) => s.points);
  const xs = pts.map((p) => p.x);
  const ys = pts.flatMap((p) => (p.yErr ? [p.y - p.yErr, p.y + p.yErr] : [p.y]));
  const xLog = !!spec.xLog && xs.length > 0 && xs.every((x) => x > 0);

  let [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  let [y0, y1] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  if (y1 === y0) {
    const d = y0 === 0 ? 1 : Math.abs(y0) * 0.05;
    y0 -= d;
    y1 += d;
  }
  const yPad = (y1 - y0) * 0.08;
  y0 -= yPad;
  y1 += yPad;
  let xTicks: number[];
  if (xLog) {
    x0 /= 1.25;
    x1 *= 1.25;
    xTicks = logTicks(x0, x1);
  } else {
    if (x1 === x0) {
      const d = x0 === 0 ? 1 : Math.abs(x0) * 0.1;
      x0 -= d;
      x1 += d;
    }
    const xPad = (x1 - x0) * 0.06;
    x0 -= xPad;
    x1 += xPad;
    xTicks = niceTicks(x0, x1).filter((t) => t >= x0 && t <= x1);
  }
  const yTicks = niceTicks(y0, y1).filter((t) => t >= y0 && t <= y1);
  const sx = (x: number) =>
    m.left + (xLog ? (Math.log(x) - Math.log(x0)) / (Math.log(x1) - Math.log(x0)) : (x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => m.top + (1 - (y - y0) / (y1 - y0)) * ph;
  const n = (v: number) => v.toFixed(1);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${esc(spec.title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${n(m.left + pw / 2)}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(spec.title)}</text>`,
  );
  // grid and axes
  for (const t of yTicks) {
    out.push(
      `<line x1="${m.left}" x2="${n(m.left + pw)}" y1="${n(sy(t))}" y2="${n(sy(t))}" stroke="#eeeeee"/>`,
      `<text x="${m.left - 6}" y="${n(sy(t) + 4)}" text-anchor="end">${esc(formatValue(t))}</text>`,
    );
  }
  for (const t of xTicks) {
    out.push(
      `<line x1="${n(sx(t))}" x2="${n(sx(t))}" y1="${m.top}" y2="${n(m.top + ph)}" stroke="#eeeeee"/>`,
      `<text x="${n(sx(t))}" y="${n(m.top + ph + 18)}" text-anchor="middle">${esc(formatValue(t))}</text>`,
    );
  }
  out.push(
    `<rect x="${m.left}" y="${m.top}" width="${n(pw)}" height="${n(ph)}" fill="none" stroke="#333333"/>`,
    `<text x="${n(m.left + pw / 2)}" y="${H - 14}" text-anchor="middle">${esc(spec.xLabel)}${xLog ? " (log scale)" : ""}</text>`,
    `<text transform="translate(18 ${n(m.top + ph / 2)}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`,
  );
  // labels keep clear of every point as well as of each other
  const placed: Box[] = spec.labels
    ? pts.map((p) => ({ x0: sx(p.x) - 5, x1: sx(p.x) + 5, y0: sy(p.y) - 5, y1: sy(p.y) + 5 }))
    : [];
  // series: muted ones first so the highlighted points draw on top
  const ordered = [...spec.series.filter((s) => s.muted), ...spec.series.filter((s) => !s.muted)];
  for (const s of ordered) {
    const sorted = [...s.points].sort((a, b) => a.x - b.x);
    out.push(`<g class="series" data-name="${esc(s.name)}">`);
    if (s.line && sorted.length > 1) {
      out.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${sorted.map((p) => `${n(sx(p.x))},${n(sy(p.y))}`).join(" ")}"/>`,
      );
    }
    for (const p of sorted) {
      const cx = sx(p.x);
      const cy = sy(p.y);
      if (p.yErr) {
        const a = sy(p.y - p.yErr);
        const b = sy(p.y + p.yErr);
        out.push(
          `<path class="errorbar" d="M${n(cx)},${n(a)}V${n(b)}M${n(cx - 4)},${n(a)}H${n(cx + 4)}M${n(cx - 4)},${n(b)}H${n(cx + 4)}" stroke="${s.color}" fill="none"/>`,
        );
      }
      const tip = p.label ? `<title>${esc(p.label)}: (${esc(formatValue(p.x))}, ${esc(formatValue(p.y))})</title>` : "";
      out.push(
        `<circle class="point${s.muted ? " muted" : ""}" cx="${n(cx)}" cy="${n(cy)}" r="${s.muted ? 4 : 5}" fill="${s.color}" stroke="#ffffff">${tip}</circle>`,
      );
      if (spec.labels && p.label) {
        const at = placeLabel(placed, cx, cy, p.label.length * LABEL_CHAR_W, { x0: m.left, x1: m.left + pw, y0: m.top, y1: m.top + ph });
        out.push(
          `<text x="${n(at.x)}" y="${n(at.y)}"${at.end ? ' text-anchor="end"' : ""} font-size="10" fill="${s.muted ? "#888888" : "#222222"}">${esc(p.label)}</text>`,
        );
      }
    }
    out.push(`</g>`);
  }
  if (legendW) {
    spec.series.forEach((s, i) => {
      const y = m.top + 10 + i * 18;
      const x = W - legendW - m.right + 16;
      out.push(
        `<circle cx="${x}" cy="${y}" r="5" fill="${s.color}"/>`,
        `<text x="${x + 10}" y="${y + 4}">${esc(s.name)}</text>`,
      );
    });
  }
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

/** A file name for a plot: metric and param names keep letters, digits, dots, dashes and underscores. */
export function plotFileName(metric: string, param: string): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, "_");
  return `${clean(metric)}-vs-${clean(param)}.svg`;
}

/** True when values span at least two decades and are all positive: a log axis reads better. */
function wantsLog(values: number[]): boolean {
  if (!values.length || values.some((v) => v <= 0)) return false;
  return Math.max(...values) / Math.min(...values) >= 30;
}

export interface SweepPlot {
  file: string;
  title: string;
  svg: string;
}

/** The Pareto plot over the first two objectives, or null with fewer than two or no point having both. */
export function paretoPlot(agg: SweepAggregate): SweepPlot | null {
  if (agg.objectives.length < 2) return null;
  const [ox, oy] = agg.objectives as [(typeof agg.objectives)[0], (typeof agg.objectives)[0]];
  const toPoint = (g: GroupRow): PlotPoint | null => {
    const x = g.metrics[ox.metric]?.mean;
    const y = g.metrics[oy.metric]?.mean;
    return x === undefined || y === undefined ? null : { x, y, label: g.key };
  };
  const front = agg.groups.filter((g) => g.pareto === "front").map(toPoint).filter((p): p is PlotPoint => !!p);
  const rest = agg.groups.filter((g) => g.pareto !== "front").map(toPoint).filter((p): p is PlotPoint => !!p);
  if (!front.length && !rest.length) return null;
  const dir = (o: typeof ox) => (o.direction === "maximize" ? "higher is better" : "lower is better");
  const title =
    agg.objectives.length > 2
      ? `Pareto front of ${agg.sweep} (over all ${agg.objectives.length} objectives)`
      : `Pareto front of ${agg.sweep}`;
  const svg = renderPlot({
    title,
    xLabel: `${ox.metric} (${dir(ox)})`,
    yLabel: `${oy.metric} (${dir(oy)})`,
    labels: true,
    series: [
      { name: "Pareto front", points: front, color: PALETTE[1]!, line: front.length > 1 },
      { name: "dominated", points: rest, color: GREY, muted: true },
    ],
  });
  return { file: "pareto.svg", title, svg };
}

/** One plot per (metric, swept param): mean ± std at each value, a line per experiment and other params. */
export function metricPlots(agg: SweepAggregate): SweepPlot[] {
  const plots: SweepPlot[] = [];
  for (const param of agg.params) {
    const withParam = agg.groups.filter((g) => param in g.point);
    if (!withParam.length) continue;
    const others = agg.params.filter((p) => p !== param);
    const byOthers = (g: GroupRow) =>
      [g.experiment, ...others.filter((p) => p in g.point).map((p) => `${p}=${paramText(g.point[p]!)}`)].join(" ");
    // On a simplex the other weights follow from this one (wc = 1 − wg): a line per value of them
    // would hold one point each, so such params draw one line per experiment instead.
    const lonely = (key: (g: GroupRow) => string) => {
      const counts = new Map<string, number>();
      for (const g of withParam) counts.set(key(g), (counts.get(key(g)) ?? 0) + 1);
      return counts.size > 1 && [...counts.values()].every((n) => n === 1);
    };
    const seriesKey = others.length && lonely(byOthers) ? (g: GroupRow) => g.experiment : byOthers;
    const keys = [...new Set(withParam.map(seriesKey))];
    const xLog = wantsLog(withParam.map((g) => g.point[param]!));
    for (const metric of agg.metrics) {
      const series: PlotSeries[] = keys.map((k, i) => ({
        name: k,
        color: PALETTE[i % PALETTE.length]!,
        line: true,
        points: withParam
          .filter((g) => seriesKey(g) === k && g.metrics[metric])
          .map((g) => ({
            x: g.point[param]!,
            y: g.metrics[metric]!.mean,
            yErr: g.metrics[metric]!.std,
            label: g.key,
          })),
      }));
      if (!series.some((s) => s.points.length)) continue;
      const title = `${metric} vs ${param}`;
      plots.push({
        file: plotFileName(metric, param),
        title,
        svg: renderPlot({
          title,
          xLabel: param,
          yLabel: `${metric} (mean ± std over seeds)`,
          series: series.filter((s) => s.points.length),
          xLog,
        }),
      });
    }
  }
  return plots;
}
