import { describe, expect, it } from "vitest";
import { examplesPage, highlightHgc } from "../../editors/highlight.js";

/** The light colour of the span whose text is exactly `text`. */
function colorOf(html: string, text: string): string | undefined {
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`<span style="color:(#[0-9A-Fa-f]{6});[^"]*">\\s*${escaped}</span>`).exec(html)?.[1];
}

describe("highlighting the docs with shiki", () => {
  it("colours keywords, built-ins, numbers, strings and comments through the hgc grammar", async () => {
    const html = await highlightHgc('// c\nexperiment a {\n  dataset d = mnist(split: "test", limit: 64)\n}\n');
    const keyword = colorOf(html, "experiment");
    expect(keyword).toBeDefined();
    expect(colorOf(html, "dataset")).toBe(keyword);
    const builtin = colorOf(html, "mnist");
    expect(builtin).toBeDefined();
    expect(builtin).not.toBe(colorOf(html, "{"));
    expect(colorOf(html, "64")).toBeDefined();
    expect(colorOf(html, "64")).not.toBe(colorOf(html, "limit"));
    expect(colorOf(html, "// c")).toBeDefined();
    expect(html).toContain("--shiki-dark:");
  });

  it("renders a page with one section per file, escaping names", async () => {
    const page = await examplesPage([
      { path: "examples/a.hgc", text: "experiment a { seed = 1 }\n" },
      { path: "examples/<b>.hgc", text: "sweep s { jobs = 2 }\n" },
    ]);
    expect(page.match(/<section /g)).toHaveLength(2);
    expect(page).toContain("<code>examples/&lt;b&gt;.hgc</code>");
    expect(page.startsWith("<!doctype html>")).toBe(true);
  });
});
