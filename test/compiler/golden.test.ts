// The golden corpus: every case is a folder test/compiler/cases/<name>/ with input.hgc (and any
// files it imports) and expected.txt, the rendered diagnostics (or, for valid programs, "ok" with
// the sweeps' trial counts, or the compiled IR for `valid-compile-*`). Regenerate with
// `npm run golden` (UPDATE_GOLDEN=1) and review the diff.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkFile, compileExperiment } from "../../compiler/index.js";
import { renderDiagnostic } from "../../compiler/diagnostics.js";

const CASES = fileURLToPath(new URL("./cases/", import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === "1";

function output(name: string): { text: string; errors: number; warnings: number } {
  const dir = join(CASES, name);
  const r = checkFile(join(dir, "input.hgc"));
  const errors = r.diagnostics.filter((d) => d.severity === "error").length;
  const warnings = r.diagnostics.filter((d) => d.severity === "warning").length;
  if (r.diagnostics.length > 0) {
    const text = r.diagnostics.map((d) => renderDiagnostic(d, r.sources.get(d.span.file), { cwd: dir })).join("\n\n");
    return { text: `${text}\n`, errors, warnings };
  }
  if (name.startsWith("valid-compile-")) {
    const ir = compileExperiment(r).value!;
    return { text: `${JSON.stringify({ ...ir, source: { ...ir.source, file: "input.hgc" } }, null, 2)}\n`, errors, warnings };
  }
  const lines = ["ok", ...[...r.sweeps].map(([n, s]) => `sweep ${n}: ${s.trialCount} trials`)];
  return { text: `${lines.join("\n")}\n`, errors, warnings };
}

const names = readdirSync(CASES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe("golden cases", () => {
  it("has at least 45 invalid programs", () => {
    expect(names.filter((n) => !n.startsWith("valid-")).length).toBeGreaterThanOrEqual(45);
  });

  for (const name of names) {
    it(`renders the expected output for ${name}`, () => {
      const { text, errors, warnings } = output(name);
      if (name.startsWith("valid-")) expect(errors + warnings, text).toBe(0);
      else if (name.startsWith("warning-")) {
        expect(errors, text).toBe(0);
        expect(warnings, text).toBeGreaterThan(0);
      } else expect(errors, text).toBeGreaterThan(0);
      const file = join(CASES, name, "expected.txt");
      if (UPDATE) {
        writeFileSync(file, text);
        return;
      }
      expect(text).toBe(readFileSync(file, "utf8"));
    });
  }
});
