import { describe, expect, it } from "vitest";
import { formatCount, formatDuration, formatValue } from "../../common/format.js";

describe("formatValue", () => {
  it("writes 4 significant digits unless asked for fewer, without trailing zeros", () => {
    expect(formatValue(0.81254)).toBe("0.8125");
    expect(formatValue(0.123456)).toBe("0.1235");
    expect(formatValue(1.5)).toBe("1.5");
    expect(formatValue(2.3149, 3)).toBe("2.31");
    expect(formatValue(0.81234, 3)).toBe("0.812");
    expect(formatValue(123.45, 3)).toBe("123");
  });

  it("writes whole numbers exactly and very small or large ones in exponent form", () => {
    expect(formatValue(4)).toBe("4");
    expect(formatValue(-12345)).toBe("-12345");
    expect(formatValue(2e-5)).toBe("2e-5");
    expect(formatValue(2.5e-6)).toBe("2.5e-6");
    expect(formatValue(0.00012, 3)).toBe("1.2e-4");
    expect(formatValue(1.2e9)).toBe("1.2e9");
    expect(formatValue(123456.7)).toBe("1.235e5");
  });

  it("names NaN and infinities, and shows a dash for a value not computed", () => {
    expect(formatValue(NaN)).toBe("NaN");
    expect(formatValue(Infinity)).toBe("Inf");
    expect(formatValue(-Infinity)).toBe("-Inf");
    expect(formatValue(null)).toBe("—");
    expect(formatValue(undefined)).toBe("—");
    expect(formatValue(0)).toBe("0");
  });
});

describe("formatDuration", () => {
  it("writes tenths of seconds under ten seconds, then seconds, minutes and seconds, or hours and minutes", () => {
    expect(formatDuration(4_400)).toBe("4.4s");
    expect(formatDuration(12_345)).toBe("12s");
    expect(formatDuration(192_000)).toBe("3m12s");
    expect(formatDuration(7_500_000)).toBe("2h05m");
    expect(formatDuration(NaN)).toBe("?");
  });
});

describe("formatCount", () => {
  it("writes counts exactly below 10,000, else at 3 significant digits with an SI prefix", () => {
    expect(formatCount(812)).toBe("812");
    expect(formatCount(3820)).toBe("3820");
    expect(formatCount(12_345)).toBe("12.3k");
    expect(formatCount(1_234_567)).toBe("1.23M");
    expect(formatCount(5e9)).toBe("5G");
    expect(formatCount(999_999)).toBe("1M");
  });
});
