// Chart pieces shared by the run report and the sweep report: a colour-blind-safe palette that
// does not repeat (Okabe–Ito colours, then the same colours dashed), round ticks, honest y-ranges,
// smoothing, the unit and display name of a metric, and a line chart as a standalone <svg>.
// Hand-written SVG: self-contained, no fonts or scripts, and resvg renders it to PNG as is.

/** Okabe & Ito's palette, ordered for lines on white (yellow, the faintest, last). */
export const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"];
const DASHES = ["", "6 3", "2 2", "9 3 2 3"];
export const GREY = "#9a9a9a";

/** Series i's colour and dash: every colour solid first, then dashed; unique for 32 series. */
export function seriesStyle(i: number): { color: string; dash: string } {
  return { color: PALETTE[i % PALETTE.length]!, dash: DASHES[Math.floor(i / PALETTE.length) % DASHES.length]! };
}

export const esc = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

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

/** An axis label: 4 significant digits at most, `1.4e-4` style for tiny and huge values. */
export function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return Number(v.toPrecision(3)).toExponential();
  return String(Number(v.toPrecision(4)));
}

/**
 * The y-range to draw: the data's, widened to at least `minSpan` about its middle, so a change in
 * the third decimal does not fill the panel and look like a collapse. Bounded metrics (a rate or
 * a probability) stay inside [0, 1] and get a span of at least 0.1; others at least 2% of their size.
 */
export function honestRange(values: number[], bounded: boolean, span?: number): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const minSpan = span ?? (bounded ? 0.1 : Math.max(1e-9, 0.02 * Math.max(Math.abs(lo), Math.abs(hi))));
  if (hi - lo >= minSpan) return [lo, hi];
  let a = (lo + hi) / 2 - minSpan / 2;
  let b = a + minSpan;
  if (bounded && a < 0) [a, b] = [0, minSpan];
  if (bounded && b > 1) [a, b] = [1 - minSpan, 1];
  return [a, b];
}

/** TensorBoard's smoothing: an exponential moving average, debiased so the start is not pulled to 0. */
export function ema(points: [number, number][], weight: number): [number, number][] {
  let acc = 0;
  let norm = 0;
  return points.map(([x, y]) => {
    acc = acc * weight + (1 - weight) * y;
    norm = norm * weight + (1 - weight);
    return [x, acc / norm];
  });
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

// ---- metric names -----------------------------------------------------------------------------

export interface MetricUnit {
  /** What the axis measures, e.g. `accuracy`, `AUROC`. */
  label: string;
  /** The figure is a rate or probability in [0, 1]. */
  bounded: boolean;
  /** The least span of an axis of it, when not the default (a difference of rates: 0.1). */
  minSpan?: number;
  /** The name with its unit removed (`ood.likelihood`, `linear_probe.init`), for series names. */
  rest: string;
}

const UNITS: [RegExp, string, boolean, number?][] = [
  [/^(.*?)[._]?(?:clean_|mean_)?accuracy$/, "accuracy", true],
  [/^(.*?)[._]?auroc$/, "AUROC", true],
  [/^(.*?)[._]?aupr(?:_in|_out)?$/, "AUPR", true],
  [/^(.*?)[._]?fpr(?:95|_at_95_tpr)?$/, "FPR at 95% TPR", true],
  [/^(.*?)[._]?ece$/, "ECE", true],
  [/^(.*?)[._]?bits_per_dim$/, "bits/dim", false],
  [/^(.*?)[._]?drop$/, "accuracy drop", false, 0.1],
];

/** The unit of a metric, read off its last name component. */
export function metricUnit(name: string): MetricUnit {
  for (const [re, label, bounded, minSpan] of UNITS) {
    const m = re.exec(name);
    if (m) {
      // aupr_in / aupr_out and clean_ / mean_ accuracies keep what sets them apart.
      const tail = /(aupr_(?:in|out)|clean|mean)_?(?:accuracy)?$/.exec(name)?.[1];
      return { label, bounded, ...(minSpan ? { minSpan } : {}), rest: [m[1]!, tail ?? ""].filter(Boolean).join(".") };
    }
  }
  const dot = name.lastIndexOf(".");
  return { label: name.slice(dot + 1).replace(/_/g, " "), bounded: false, rest: dot < 0 ? "" : name.slice(0, dot) };
}

const WORDS: Record<string, string> = {
  linear_probe: "linear probe",
  knn: "k-NN",
  ood: "OOD",
  bits_per_dim: "bits/dim",
  auroc: "AUROC",
  aupr: "AUPR",
  aupr_in: "AUPR-in",
  aupr_out: "AUPR-out",
  fpr95: "FPR@95",
  ece: "ECE",
  init: "random init",
  pixels: "raw pixels",
};

/** One name component for people: `linear_probe` → `linear probe`, `auroc` → `AUROC`. */
export function displayWord(w: string): string {
  const bare = w.replace(/_accuracy$/, "");
  return WORDS[w] ?? WORDS[bare] ?? bare.replace(/_/g, " ");
}

/** A metric path for people: `ood.likelihood.auroc` → `OOD likelihood AUROC`. */
export function displayName(metric: string): string {
  return metric.split(".").map(displayWord).join(" ");
}

// ---- line chart -------------------------------------------------------------------------------

export interface Series {
  name: string;
  points: [number, number][];
}

export interface LinePlotOptions {
  width?: number;
  height?: number;
  xLabel?: string;
  yLabel?: string;
  /** The values are rates in [0, 1] (see `honestRange`). */
  bounded?: boolean;
  /** The least span of the y axis (see `honestRange`). */
  minSpan?: number;
  /** EMA weight in [0, 1): the smoothed line drawn over the faint raw one; 0 or absent for none. */
  smooth?: number;
}

/** Approximate advance of one 10px character, for laying out legends. */
const CHAR_W = 5.8;

/** Legend entries flowed in rows under the plot: [x, row] of each, and the number of rows. */
function legendLayout(names: string[], width: number): { at: [number, number][]; rows: number } {
  const at: [number, number][] = [];
  let x = 0;
  let row = 0;
  for (const n of names) {
    const w = 26 + n.length * CHAR_W + 14;
    if (x > 0 && x + w > width) {
      x = 0;
      row++;
    }
    at.push([x, row]);
    x += w;
  }
  return { at, rows: names.length ? row + 1 : 0 };
}

/** A line plot of one or more series against the step, as a standalone <svg> element. */
export function linePlot(title: string, series: Series[], opts: LinePlotOptions = {}): string {
  const W = opts.width ?? 520;
  const H0 = opts.height ?? 260;
  const data = series.map((s) => ({ ...s, points: thin(s.points.filter(([x, y]) => isNum(x) && isNum(y))) }));
  const legend = legendLayout(data.length > 1 ? data.map((s) => s.name) : [], W - 70);
  const m = { l: 62, r: 14, t: 28, b: 40 };
  const H = H0 + (legend.rows ? legend.rows * 16 + 8 : 0);
  const pw = W - m.l - m.r;
  const ph = H0 - m.t - m.b;
  const all = data.flatMap((s) => s.points);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${m.l + pw / 2}" y="17" text-anchor="middle" font-size="13" font-weight="600">${esc(title)}</text>`,
  ];
  if (all.length === 0) {
    parts.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle" font-size="12" fill="#777">no data</text></svg>`);
    return parts.join("");
  }
  const xs = all.map((p) => p[0]);
  // The x axis counts steps or severities: whole numbers only.
  const xt = niceTicks(Math.min(...xs), Math.max(...xs), 5, true);
  const [ylo, yhi] = honestRange(all.map((p) => p[1]), !!opts.bounded, opts.minSpan);
  let yt = niceTicks(ylo, yhi);
  if (opts.bounded) yt = yt.filter((t) => t >= -1e-12 && t <= 1 + 1e-12);
  const [x0, x1] = [xt[0]!, xt[xt.length - 1]!];
  const [y0, y1] = [Math.min(yt[0]!, ylo), Math.max(yt[yt.length - 1]!, yhi)];
  const X = (x: number) => m.l + ((x - x0) / (x1 - x0)) * pw;
  const Y = (y: number) => m.t + ph - ((y - y0) / (y1 - y0)) * ph;
  const f = (v: number) => v.toFixed(1);
  for (const t of yt) {
    parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${f(Y(t))}" y2="${f(Y(t))}" stroke="#ececec"/>`);
    parts.push(`<text x="${m.l - 5}" y="${f(Y(t) + 3.5)}" text-anchor="end" font-size="10" fill="#333">${esc(tickLabel(t))}</text>`);
  }
  for (const t of xt) {
    parts.push(`<line x1="${f(X(t))}" x2="${f(X(t))}" y1="${m.t + ph}" y2="${m.t + ph + 4}" stroke="#888"/>`);
    parts.push(`<text x="${f(X(t))}" y="${m.t + ph + 15}" text-anchor="middle" font-size="10" fill="#333">${esc(tickLabel(t))}</text>`);
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#bbb"/>`);
  parts.push(`<text x="${m.l + pw / 2}" y="${m.t + ph + 30}" text-anchor="middle" font-size="10" fill="#555">${esc(opts.xLabel ?? "step")}</text>`);
  if (opts.yLabel) {
    parts.push(`<text transform="translate(13 ${f(m.t + ph / 2)}) rotate(-90)" text-anchor="middle" font-size="10" fill="#555">${esc(opts.yLabel)}</text>`);
  }
  const smooth = opts.smooth && opts.smooth > 0 && opts.smooth < 1 ? opts.smooth : 0;
  const pathOf = (pts: [number, number][]) => pts.map(([x, y], j) => `${j ? "L" : "M"}${f(X(x))},${f(Y(y))}`).join("");
  data.forEach((s, i) => {
    const { color, dash } = seriesStyle(i);
    const dashAttr = dash ? ` stroke-dasharray="${dash}"` : "";
    if (s.points.length > 1) {
      if (smooth) {
        parts.push(`<path class="raw" d="${pathOf(s.points)}" fill="none" stroke="${color}" stroke-opacity="0.25" stroke-width="1"/>`);
        parts.push(`<path class="smoothed" d="${pathOf(ema(s.points, smooth))}" fill="none" stroke="${color}" stroke-width="1.8"${dashAttr}/>`);
      } else {
        parts.push(`<path d="${pathOf(s.points)}" fill="none" stroke="${color}" stroke-width="1.6"${dashAttr}/>`);
      }
    }
    if (s.points.length <= 40) for (const [x, y] of s.points) parts.push(`<circle cx="${f(X(x))}" cy="${f(Y(y))}" r="2.6" fill="${color}"/>`);
    if (legend.rows) {
      const [lx0, row] = legend.at[i]!;
      const lx = m.l + lx0;
      const ly = H0 + 12 + 16 * row;
      parts.push(`<line x1="${f(lx)}" x2="${f(lx + 20)}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${dashAttr}/>`);
      parts.push(`<text x="${f(lx + 25)}" y="${ly}" font-size="10" fill="#222">${esc(s.name)}</text>`);
    }
  });
  if (smooth) parts.push(`<text x="${m.l + pw}" y="${m.t - 4}" text-anchor="end" font-size="9" fill="#777">smoothed (EMA ${smooth}); raw faint</text>`);
  parts.push("</svg>");
  return parts.join("");
}
