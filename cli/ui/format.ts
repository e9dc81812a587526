import type { StartEvent } from "../../runtime/events.js";
// Text formatting of the terminal UI and the plain logger, so both say the same thing the same
// way. Values, durations and counts are common/format.ts's, shared with the reports.

/** Significant digits of values on the dashboard and in progress lines, whose columns are narrow. */
export const LIVE_DIGITS = 3;

const SPARK = "▁▂▃▄▅▆▇█";

/** A learning rate as `9.8e-4`. */
export function formatLr(lr: number): string {
  if (lr === 0) return "0";
  return lr.toExponential(1).replace("e+", "e");
}

/** A rate such as images per second, without spurious digits. */
export function formatRate(x: number): string {
  if (!Number.isFinite(x)) return "?";
  return x >= 100 ? String(Math.round(x)) : x.toFixed(1);
}

/**
 * A sparkline of `values` in `width` cells (▁ … █). Longer histories are averaged into
 * buckets so the line covers the whole history; non-finite values are skipped.
 */
export function sparkline(values: readonly number[], width: number): string {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0 || width <= 0) return "";
  let points: number[] = finite;
  if (finite.length > width) {
    points = [];
    for (let i = 0; i < width; i++) {
      const from = Math.floor((i * finite.length) / width);
      const to = Math.floor(((i + 1) * finite.length) / width);
      const bucket = finite.slice(from, Math.max(to, from + 1));
      points.push(bucket.reduce((a, b) => a + b, 0) / bucket.length);
    }
  }
  const lo = Math.min(...points);
  const hi = Math.max(...points);
  const span = hi - lo;
  return points
    .map((v) => SPARK[span === 0 ? 3 : Math.min(SPARK.length - 1, Math.floor(((v - lo) / span) * SPARK.length))])
    .join("");
}

/** A progress bar of `width` cells for a fraction in [0, 1]. */
export function bar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(f * width);
  return "█".repeat(full) + "░".repeat(width - full);
}

/**
 * Milliseconds left, from the average time per step since this process started training:
 * `elapsedMs` over the steps done since `startStep`. Undefined until a step has been timed.
 */
export function etaMs(step: number, totalSteps: number, elapsedMs: number, startStep = 0): number | undefined {
  const done = step - startStep;
  if (done <= 0 || elapsedMs <= 0) return undefined;
  return Math.max(0, ((totalSteps - step) * elapsedMs) / done);
}

/** Rows of text cells laid out in left-aligned columns separated by two spaces. */
export function layoutTable(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + " ".repeat(widths[i]! - [...cell].length)))
      .join("  ")
      .trimEnd(),
  );
}

/** The backend a run trains on and how many native kernels replace its own (their names are in `hgc doctor`). */
export function formatEngine(e: Pick<StartEvent, "backend" | "kernels">): string {
  return e.kernels.length === 0 ? e.backend : `${e.backend}, native kernels: ${e.kernels.length}`;
}

/**
 * The matrix product the native kernels use — the built-in GEMM or a system BLAS, and its threads —
 * named in the header since it sets a run's speed; undefined on a backend's own kernels.
 */
export function formatProduct(e: Pick<StartEvent, "kernels">): string | undefined {
  return e.kernels.find((k) => k.startsWith("BatchMatMul ("))?.match(/^BatchMatMul \((.*)\)$/)?.[1]?.split(";")[0];
}
