import { describe, expect, it } from "vitest";
import { colors, useColor } from "../../cli/color.js";

describe("useColor", () => {
  it("colours a terminal and not a pipe", () => {
    expect(useColor({ isTTY: true }, {})).toBe(true);
    expect(useColor({ isTTY: false }, {})).toBe(false);
    expect(useColor({}, {})).toBe(false);
  });
  it("respects NO_COLOR and TERM=dumb on a terminal", () => {
    expect(useColor({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(useColor({ isTTY: true }, { TERM: "dumb" })).toBe(false);
  });
  it("honours FORCE_COLOR in both directions", () => {
    expect(useColor({ isTTY: false }, { FORCE_COLOR: "1" })).toBe(true);
    expect(useColor({ isTTY: true }, { FORCE_COLOR: "0" })).toBe(false);
  });
});

describe("colors", () => {
  it("wraps text in ANSI codes when enabled and leaves it alone when not", () => {
    expect(colors(true).red("x")).toBe("\u001b[31mx\u001b[39m");
    expect(colors(true).bold("x")).toBe("\u001b[1mx\u001b[22m");
    expect(colors(false).red("x")).toBe("x");
  });
});
