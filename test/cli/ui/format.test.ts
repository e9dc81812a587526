import { describe, expect, it } from "vitest";
import { bar, etaMs, formatLr, layoutTable, sparkline } from "../../../cli/ui/format.js";

describe("formatting", () => {
  it("writes learning rates in short exponent form", () => {
    expect(formatLr(0.00098)).toBe("9.8e-4");
    expect(formatLr(0)).toBe("0");
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
