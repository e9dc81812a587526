// Numbers and durations for people, written one way everywhere: the terminal UI, the plain
// logger, the run and sweep reports and the CLI's tables all format through here. Imports nothing.

/**
 * A metric, loss or other measured value: `digits` significant digits (4 unless a caller has
 * less room), trailing zeros dropped; whole numbers below 100,000 exactly; exponent form below
 * 0.001 and from 100,000 (`2e-5`, `1.2e9`); `—` for a value that was not computed, and NaN and
 * infinities by name, since a run whose loss diverged must say so rather than show a dash.
 */
export function formatValue(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined) return "—";
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Inf" : "-Inf";
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (Number.isInteger(x) && a < 1e5) return String(x);
  if (a < 1e-3 || a >= 1e5) return x.toExponential(digits - 1).replace(/\.?0+e/, "e").replace("e+", "e");
  return String(Number(x.toPrecision(digits)));
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/** A duration: `4.4s` under ten seconds, then `45s`, `3m12s`, `2h05m`; `?` when unknown. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  if (ms < 9_950) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${pad2(s % 60)}s`;
  return `${Math.floor(m / 60)}h${pad2(m % 60)}m`;
}

const SI = ["", "k", "M", "G", "T", "P", "E"];

/** A count: exact below 10,000, else 3 significant digits and an SI prefix: `812`, `12.3k`, `1.24M`, `5G`. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return formatValue(n);
  if (Math.abs(n) < 1e4) return String(Math.round(n));
  let x = n;
  let i = 0;
  // Round before choosing the prefix, so 999,999 is `1M`, not `1000k`.
  while (Math.abs(Number(x.toPrecision(3))) >= 1000 && i < SI.length - 1) {
    x /= 1000;
    i++;
  }
  return `${Number(x.toPrecision(3))}${SI[i]}`;
}
