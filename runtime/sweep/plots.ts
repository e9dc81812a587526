// Self-contained SVG plots of a sweep (no scripts, fonts or external references): the Pareto
// front over the first two objectives, and each metric against each swept param with error bars.
import type { GroupRow, SweepAggregate } from "./aggregate.js";
import { paramText } from "./aggregate.js";
import { formatValue } from "../../common/format.js";
import { displayName, esc, honestRange, metricUnit, seriesStyle } from "../charts.js";

export interface PlotPoint {
  x: number;
  y: number;
  /** Half-height of the error bar (a standard deviation); null or absent for none. */
  yErr?: number | null;
  /** Half-width of a horizontal error bar. */
  xErr?: number | null;
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
  /** Dash pattern of the line. */
  dash?: string;
}

export interface PlotSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: PlotSeries[];
  xLog?: boolean;
  /** Label every point with its `label`. */
  labels?: boolean;
  /** The y values are rates in [0, 1]: an honest range (see charts.ts `honestRange`). */
  yBounded?: boolean;
  /** The least span of the y axis (see charts.ts `honestRange`). */
  yMinSpan?: number;
  width?: number;
  height?: number;
}

const GREY = "#b0b0b0";

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

type Segment = [number, number, number, number];

/** True when the segment crosses (or lies in) the box, tested at points along it. */
function segmentHitsBox([ax, ay, bx, by]: Segment, b: Box): boolean {
  const n = Math.max(2, Math.ceil(Math.hypot(bx - ax, by - ay) / 3));
  for (let i = 0; i <= n; i++) {
    const x = ax + ((bx - ax) * i) / n;
    const y = ay + ((by - ay) * i) / n;
    if (x >= b.x0 && x <= b.x1 && y >= b.y0 && y <= b.y1) return true;
  }
  return false;
}

/**
 * Where a point's label goes: of eight spots around the point, the one inside the frame that
 * crosses the fewest things, lines (the front, error bars) weighing most, then other labels, then
 * points; nearer spots first on a tie. Null when every spot inside the frame covers something and
 * `optional` is set (a dominated point keeps its name in the tooltip and the table).
 */
function placeLabel(
  placed: Box[],
  points: Box[],
  lines: Segment[],
  cx: number,
  cy: number,
  w: number,
  frame: Box,
  optional: boolean,
): { x: number; y: number; end: boolean } | null {
  const candidates = [
    { x: cx + 7, y: cy - 6, end: false },
    { x: cx - 7, y: cy - 6, end: true },
    { x: cx + 7, y: cy + 14, end: false },
    { x: cx - 7, y: cy + 14, end: true },
    { x: cx + 9, y: cy + 4, end: false },
    { x: cx - 9, y: cy + 4, end: true },
    { x: cx + w / 2, y: cy - 11, end: true },
    { x: cx + w / 2, y: cy + 19, end: true },
  ];
  const boxOf = (c: { x: number; y: number; end: boolean }): Box => ({
    x0: c.end ? c.x - w : c.x,
    x1: c.end ? c.x : c.x + w,
    y0: c.y - LABEL_H + 2,
    y1: c.y + 2,
  });
  const inside = (b: Box) => b.x0 >= frame.x0 && b.x1 <= frame.x1 && b.y0 >= frame.y0 && b.y1 <= frame.y1;
  const overlaps = (b: Box, o: Box) => !(b.x1 <= o.x0 || b.x0 >= o.x1 || b.y1 <= o.y0 || b.y0 >= o.y1);
  let best: { c: (typeof candidates)[0]; cost: number } | null = null;
  for (const c of candidates) {
    const b = boxOf(c);
    if (!inside(b)) continue;
    const cost =
      100 * lines.filter((l) => segmentHitsBox(l, b)).length +
      50 * placed.filter((o) => overlaps(b, o)).length +
      20 * points.filter((o) => overlaps(b, o)).length;
    if (!best || cost < best.cost) best = { c, cost };
  }
  if (!best) return optional ? null : candidates[0]!;
  if (optional && best.cost > 0) return null;
  placed.push(boxOf(best.c));
  return best.c;
}

export function renderPlot(spec: PlotSpec): string {
  const W = spec.width ?? 640;
  const H = spec.height ?? 420;
  const m = { left: 72, right: 24, top: 40, bottom: 56 };
  const legendW = spec.series.length > 1 ? Math.min(200, 40 + 7 * Math.max(...spec.series.map((s) => s.name.length))) : 0;
  const pw = W - m.left - m.right - legendW;
  const ph = H - m.top - m.bottom;
  const pts = spec.series.flatMap((s) => s.points);
  const xs = pts.map((p) => p.x);
  const ys = pts.flatMap((p) => (p.yErr ? [p.y - p.yErr, p.y + p.yErr] : [p.y]));
  const xsErr = pts.flatMap((p) => (p.xErr ? [p.x - p.xErr, p.x + p.xErr] : [p.x]));
  const xLog = !!spec.xLog && xs.length > 0 && xs.every((x) => x > 0);

  let [x0, x1] = xs.length ? [Math.min(...xsErr), Math.max(...xsErr)] : [0, 1];
  let [y0, y1] = ys.length ? honestRange(ys, !!spec.yBounded, spec.yMinSpan) : [0, 1];
  if (y1 === y0) {
    const d = y0 === 0 ? 1 : Math.abs(y0) * 0.05;
    y0 -= d;
    y1 += d;
  }
  const yPad = (y1 - y0) * 0.08;
  y0 -= yPad;
  y1 += yPad;
  if (spec.yBounded) [y0, y1] = [Math.max(y0, 0), Math.min(y1, 1)];
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
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">`,
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
  // Labels keep clear of the lines first (the front, error bars), then of each other and the points.
  const frame = { x0: m.left, x1: m.left + pw, y0: m.top, y1: m.top + ph };
  const pointBoxes: Box[] = pts.map((p) => ({ x0: sx(p.x) - 5, x1: sx(p.x) + 5, y0: sy(p.y) - 5, y1: sy(p.y) + 5 }));
  const lines: Segment[] = [];
  for (const s of spec.series) {
    const sorted = [...s.points].sort((a, b) => a.x - b.x);
    if (s.line) for (let i = 1; i < sorted.length; i++) lines.push([sx(sorted[i - 1]!.x), sy(sorted[i - 1]!.y), sx(sorted[i]!.x), sy(sorted[i]!.y)]);
    for (const p of sorted) {
      if (p.yErr) lines.push([sx(p.x), sy(p.y - p.yErr), sx(p.x), sy(p.y + p.yErr)]);
      if (p.xErr) lines.push([sx(p.x - p.xErr), sy(p.y), sx(p.x + p.xErr), sy(p.y)]);
    }
  }
  const placed: Box[] = [];
  const labelsOut: string[] = [];
  // series: muted ones first so the highlighted points draw on top
  const ordered = [...spec.series.filter((s) => s.muted), ...spec.series.filter((s) => !s.muted)];
  for (const s of ordered) {
    const sorted = [...s.points].sort((a, b) => a.x - b.x);
    out.push(`<g class="series" data-name="${esc(s.name)}">`);
    if (s.line && sorted.length > 1) {
      out.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="1.6"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""} points="${sorted.map((p) => `${n(sx(p.x))},${n(sy(p.y))}`).join(" ")}"/>`,
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
      if (p.xErr) {
        const a = sx(p.x - p.xErr);
        const b = sx(p.x + p.xErr);
        out.push(
          `<path class="errorbar x" d="M${n(a)},${n(cy)}H${n(b)}M${n(a)},${n(cy - 4)}V${n(cy + 4)}M${n(b)},${n(cy - 4)}V${n(cy + 4)}" stroke="${s.color}" fill="none"/>`,
        );
      }
      const tip = p.label ? `<title>${esc(p.label)}: (${esc(formatValue(p.x))}, ${esc(formatValue(p.y))})</title>` : "";
      out.push(
        `<circle class="point${s.muted ? " muted" : ""}" cx="${n(cx)}" cy="${n(cy)}" r="${s.muted ? 4 : 5}" fill="${s.color}" stroke="#ffffff">${tip}</circle>`,
      );
    }
    out.push(`</g>`);
  }
  if (spec.labels) {
    // The front's labels are placed first: they matter most and must always be shown.
    for (const s of [...spec.series.filter((x) => !x.muted), ...spec.series.filter((x) => x.muted)]) {
      for (const p of s.points) {
        if (!p.label) continue;
        const at = placeLabel(placed, pointBoxes, lines, sx(p.x), sy(p.y), p.label.length * LABEL_CHAR_W, frame, !!s.muted);
        if (!at) continue;
        labelsOut.push(
          `<text x="${n(at.x)}" y="${n(at.y)}"${at.end ? ' text-anchor="end"' : ""} font-size="10" fill="${s.muted ? "#777777" : "#222222"}" stroke="#ffffff" stroke-width="3" paint-order="stroke">${esc(p.label)}</text>`,
        );
      }
    }
  }
  out.push(...labelsOut);
  if (legendW) {
    spec.series.forEach((s, i) => {
      const y = m.top + 10 + i * 18;
      const x = W - legendW - m.right + 16;
      out.push(
        s.line
          ? `<line x1="${x - 8}" x2="${x + 8}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""}/><circle cx="${x}" cy="${y}" r="3.5" fill="${s.color}"/>`
          : `<circle cx="${x}" cy="${y}" r="5" fill="${s.color}"/>`,
        `<text x="${x + 14}" y="${y + 4}">${esc(s.name)}</text>`,
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

/**
 * Params that follow from an earlier one, value for value, over the grid: on a two-weight simplex
 * `wc = 1 − wg`, so a plot against `wc` would mirror the one against `wg`. Such params get no
 * plots of their own and no place in point labels.
 */
export function dependentParams(agg: SweepAggregate): Set<string> {
  const out = new Set<string>();
  agg.params.forEach((b, j) => {
    for (const a of agg.params.slice(0, j)) {
      if (out.has(a)) continue;
      const both = agg.groups.filter((g) => a in g.point && b in g.point);
      if (both.length < 2) continue;
      const ab = new Map<string, Set<number>>();
      const ba = new Map<string, Set<number>>();
      for (const g of both) {
        const [va, vb] = [g.point[a]!, g.point[b]!];
        (ab.get(`${g.experiment} ${va}`) ?? ab.set(`${g.experiment} ${va}`, new Set()).get(`${g.experiment} ${va}`)!).add(vb);
        (ba.get(`${g.experiment} ${vb}`) ?? ba.set(`${g.experiment} ${vb}`, new Set()).get(`${g.experiment} ${vb}`)!).add(va);
      }
      if ([...ab.values(), ...ba.values()].every((set) => set.size === 1)) {
        out.add(b);
        break;
      }
    }
  });
  return out;
}

/** A grid point's short name: its independent param values, and the experiment when there are several. */
export function shortLabel(agg: SweepAggregate, g: GroupRow, dependent = dependentParams(agg)): string {
  const experiments = new Set(agg.groups.map((x) => x.experiment));
  const parts = agg.params.filter((p) => p in g.point && !dependent.has(p)).map((p) => `${p}=${paramText(g.point[p]!)}`);
  return [...(experiments.size > 1 || !parts.length ? [g.experiment] : []), ...parts].join(" ");
}

/** An axis title: the metric's display name (`linear probe accuracy`); the path is in the tables. */
const axisTitle = (metric: string) => displayName(metric);

/** The Pareto plot over the first two objectives (mean ± std over seeds), or null with fewer than two or no point having both. */
export function paretoPlot(agg: SweepAggregate): SweepPlot | null {
  if (agg.objectives.length < 2) return null;
  const [ox, oy] = agg.objectives as [(typeof agg.objectives)[0], (typeof agg.objectives)[0]];
  const dependent = dependentParams(agg);
  const toPoint = (g: GroupRow): PlotPoint | null => {
    const x = g.metrics[ox.metric];
    const y = g.metrics[oy.metric];
    return x === undefined || y === undefined ? null : { x: x.mean, y: y.mean, xErr: x.std, yErr: y.std, label: shortLabel(agg, g, dependent) };
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
    xLabel: `${axisTitle(ox.metric)} (${dir(ox)})`,
    yLabel: `${axisTitle(oy.metric)} (${dir(oy)})`,
    labels: true,
    yBounded: metricUnit(oy.metric).bounded,
    width: 720,
    height: 480,
    series: [
      { name: "Pareto front", points: front, color: seriesStyle(1).color, line: front.length > 1 },
      { name: "dominated", points: rest, color: GREY, muted: true },
    ],
  });
  return { file: "pareto.svg", title, svg };
}

/**
 * One plot per (metric, swept param): mean ± std at each value, a line per experiment and other
 * params. Params that mirror an earlier one (a two-weight simplex) get none.
 */
export function metricPlots(agg: SweepAggregate): SweepPlot[] {
  const plots: SweepPlot[] = [];
  const dependent = dependentParams(agg);
  for (const param of agg.params) {
    if (dependent.has(param)) continue;
    const withParam = agg.groups.filter((g) => param in g.point);
    if (!withParam.length) continue;
    const others = agg.params.filter((p) => p !== param && !dependent.has(p));
    const byOthers = (g: GroupRow) =>
      [g.experiment, ...others.filter((p) => p in g.point).map((p) => `${p}=${paramText(g.point[p]!)}`)].join(" ");
    // On a simplex of three or more weights the others still vary with this one: a line per
    // value of them would hold one point each, so such params draw one line per experiment.
    const lonely = (key: (g: GroupRow) => string) => {
      const counts = new Map<string, number>();
      for (const g of withParam) counts.set(key(g), (counts.get(key(g)) ?? 0) + 1);
      return counts.size > 1 && [...counts.values()].every((n) => n === 1);
    };
    const seriesKey = others.length && lonely(byOthers) ? (g: GroupRow) => g.experiment : byOthers;
    const keys = [...new Set(withParam.map(seriesKey))];
    const xLog = wantsLog(withParam.map((g) => g.point[param]!));
    for (const metric of agg.metrics.filter((m) => !/\.count$/.test(m))) {
      const series: PlotSeries[] = keys.map((k, i) => ({
        name: k,
        ...seriesStyle(i),
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
      const title = `${displayName(metric)} vs ${param}`;
      plots.push({
        file: plotFileName(metric, param),
        title,
        svg: renderPlot({
          title,
          xLabel: param,
          yLabel: `${axisTitle(metric)} (mean ± std)`,
          yBounded: metricUnit(metric).bounded,
          ...(metricUnit(metric).minSpan ? { yMinSpan: metricUnit(metric).minSpan } : {}),
          series: series.filter((s) => s.points.length),
          xLog,
        }),
      });
    }
  }
  return plots;
}
