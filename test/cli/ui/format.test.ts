import { describe, expect, it } from "vitest";
import { bar, etaMs, formatCount, formatDuration, formatLr, formatValue, layoutTable, sparkline } from "../../../cli/ui/format.js";

describe("formatting", () => {
  it("writes durations as seconds, minutes and seconds, or hours and minutes", () => {
    expect(formatDuration(4_400)).toBe("4s");
    expect(formatDuration(192_000)).toBe("3m12s");
    expect(formatDuration(7_500_000)).toBe("2h05m");
  });

  it("writes values with three significant digits, and NaN, Inf and missing values by name", () => {
    expect(formatValue(2.3149)).toBe("2.31");
    expect(formatValue(0.81234)).toBe("0.812");
    expect(formatValue(123.45)).toBe("123.5");
    expect(formatValue(0.00012)).toBe("1.2e-4");
    expect(formatValue(NaN)).toBe("NaN");
    expect(formatValue(-Infinity)).toBe("-Inf");
    expect(formatValue(null)).toBe("—");
    expect(formatLr(0.00098)).toBe("9.8e-4");
    expect(formatCount(1_234_567)).toBe("1.23M");
  });

  it("draws a rising series as a rising sparkline, one cell per value", () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8)).toBe("▁▂▃▄▅▆▇█");
    expect(sparkline([5, 5, 5], 8)).toBe("▄▄▄");
  });

  it("averages a long history into the sparkline's width and skips non-finite values", () => {
    const values = [...Array.from({ length: 100 }, () => 1), ...Array.from({ length: 100 }, () => 9), NaN];
    expect(sparkline(values, 4)).toBe("▁▁██");
  });

  it("fills a bar in proportion and clamps fractions outside [0, 1]", () => {
    expect(bar(0.25, 8)).toBe("██░░░░░░");
    expect(bar(2, 4)).toBe("████");
    expect(bar(NaN, 4)).toBe("░░░░");
  });

  it("estimates the time left from the steps run in this process", () => {
    expect(etaMs(300, 1500, 45_000)).toBe(180_000);
    expect(etaMs(1100, 1500, 15_000, 1000)).toBe(60_000);
    expect(etaMs(1000, 1500, 0, 1000)).toBeUndefined();
  });

  it("aligns table columns by their widest cell", () => {
    expect(layoutTable([["a", "1"], ["long name", "22"]])).toEqual(["a          1", "long name  22"]);
  });
});
