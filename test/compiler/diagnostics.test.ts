import { describe, expect, it } from "vitest";
import { diag, didYouMean, didYouMeanHint, displayPath, editDistance, renderDiagnostic, renderDiagnostics, sortDiagnostics, type Diagnostic } from "../../compiler/diagnostics.js";

const src = "experiment e {\n  loss con = ntxent(prj, views: aug)\n}\n";
const d: Diagnostic = {
  code: "HGC010",
  severity: "error",
  message: "unknown name `prj`",
  span: { file: "/work/x/bad.hgc", start: { offset: 35, line: 2, col: 21 }, end: { offset: 38, line: 2, col: 24 } },
  notes: [{ message: "`proj` is declared elsewhere" }],
  suggestion: { message: "did you mean `proj`?" },
};

describe("rendering diagnostics", () => {
  it("prints the location, the source line, a caret under the span, notes and the hint", () => {
    expect(renderDiagnostic(d, src, { cwd: "/work/x" })).toBe(
      [
        "bad.hgc:2:21: error[HGC010]: unknown name `prj`",
        "2 |   loss con = ntxent(prj, views: aug)",
        "  |                     ^^^",
        "  note: `proj` is declared elsewhere",
        "  hint: did you mean `proj`?",
      ].join("\n"),
    );
  });

  it("colours only when asked", () => {
    expect(renderDiagnostic(d, src)).not.toContain("\u001b[");
    expect(renderDiagnostic(d, src, { color: true })).toContain("\u001b[31m");
  });

  it("shows paths below the working folder relative to it and others as given", () => {
    expect(displayPath("/a/b/c.hgc", "/a")).toBe("b/c.hgc");
    expect(displayPath("/z/c.hgc", "/a")).toBe("/z/c.hgc");
    expect(displayPath("<stdin>", "/a")).toBe("<stdin>");
  });

  it("ends a list with a count of errors and warnings", () => {
    const w: Diagnostic = { ...d, severity: "warning", code: "HGC064" };
    const out = renderDiagnostics([d, w], new Map([[d.span.file, src]]));
    expect(out.trimEnd().split("\n").at(-1)).toBe("1 error and 1 warning");
  });

  it("drops exact duplicates and sorts by position", () => {
    const later: Diagnostic = { ...d, span: { ...d.span, start: { offset: 50, line: 3, col: 1 } } };
    expect(sortDiagnostics([later, d, d]).map((x) => x.span.start.line)).toEqual([2, 3]);
  });

  it("still renders a span past the end of the text", () => {
    const far: Diagnostic = { ...d, span: { ...d.span, start: { offset: 999, line: 99, col: 5 } } };
    expect(renderDiagnostic(far, src)).toMatch(/^.*bad.hgc:99:5: error/);
  });
});

describe("did you mean", () => {
  it("suggests the nearest names by edit distance, swaps counting once", () => {
    expect(editDistance("trian", "train")).toBe(1);
    expect(didYouMean("prj", ["proj", "lm", "gen"])).toEqual(["proj"]);
    expect(didYouMean("agu", ["aug", "pixels"])).toEqual(["aug"]);
    expect(didYouMean("zzzzzz", ["proj", "lm"])).toEqual([]);
    expect(didYouMeanHint("lamda", ["lambda", "lr"])).toEqual({ message: "did you mean `lambda`?", replace: ["lambda"] });
  });
});

describe("the registry of codes", () => {
  it("explains every code on a hint page titled as the registry titles it", async () => {
    const { readFileSync } = await import("node:fs");
    const { CODES } = await import("../../compiler/codes.js");
    expect(Object.keys(CODES).length).toBeGreaterThan(40);
    for (const [code, spec] of Object.entries(CODES)) {
      const page = readFileSync(new URL(`../../docs/hints/${code}.md`, import.meta.url), "utf8");
      expect(page.split("\n")[0], code).toBe(`# ${code}: ${spec.title}`);
    }
  });

  it("reports only codes of the registry, each with a severity it allows", async () => {
    const { readdirSync, readFileSync, statSync } = await import("node:fs");
    const { CODES } = await import("../../compiler/codes.js");
    const root = new URL("../../", import.meta.url);
    const used = new Set<string>();
    const walk = (dir: URL): void => {
      for (const f of readdirSync(dir)) {
        const u = new URL(f, dir);
        if (statSync(u).isDirectory()) walk(new URL(`${f}/`, dir));
        else if (f.endsWith(".ts") && f !== "codes.ts") for (const m of readFileSync(u, "utf8").matchAll(/"(HGC\d{3})"/g)) used.add(m[1]!);
      }
    };
    for (const dir of ["compiler/", "grammar/", "editors/"]) walk(new URL(dir, root));
    expect([...used].filter((c) => !(c in CODES))).toEqual([]);
    expect(() => diag("HGC010", "warning", d.span, "x")).toThrow(/never reported as warning/);
  });
});
