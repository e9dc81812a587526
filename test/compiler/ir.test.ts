import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkFile, checkSource, compileExperiment, compileFile, compileSweep, isSweepIR, loadIR, validateIR } from "../../compiler/index.js";
import { canonicalJSON, hashIR } from "../../compiler/lower.js";
import { UserError } from "../../common/errors.js";

const EXAMPLES = fileURLToPath(new URL("../../examples/", import.meta.url));
const examples = readdirSync(EXAMPLES).filter((f) => f.endsWith(".hgc")).sort();

describe("the IR", () => {
  it("includes at least the language.md program and the quickstart among the examples", () => {
    expect(examples).toContain("hybrid.hgc");
    expect(examples).toContain("quickstart.hgc");
  });

  for (const f of examples) {
    it(`compiles every experiment and sweep of ${f} to IR that matches the schema`, () => {
      const r = checkFile(join(EXAMPLES, f));
      expect(r.diagnostics.filter((d) => d.severity === "error" || d.severity === "warning")).toEqual([]);
      for (const name of r.experiments.keys()) {
        const ir = compileExperiment(r, name).value!;
        expect(validateIR(ir)).toEqual({ ok: true, errors: [] });
        expect(JSON.parse(JSON.stringify(ir))).toEqual(ir);
      }
      for (const name of r.sweeps.keys()) {
        const sweep = compileSweep(r, name).value!;
        expect(validateIR(sweep).ok).toBe(true);
      }
    });
  }

  it("rejects IR with a missing field or a value out of range", () => {
    const ir = compileFile(join(EXAMPLES, "hybrid.hgc")).value!;
    expect(isSweepIR(ir)).toBe(false);
    const { train: _train, ...noTrain } = ir as unknown as Record<string, unknown>;
    expect(validateIR(noTrain).ok).toBe(false);
    const bad = JSON.parse(JSON.stringify(ir));
    bad.optimizer.lr = 2;
    const v = validateIR(bad);
    expect(v.ok).toBe(false);
    expect(v.errors.join("\n")).toMatch(/optimizer\/lr/);
  });

  it("hashes the same experiment to the same value wherever and however it is written", () => {
    const text = readFileSync(join(EXAMPLES, "quickstart.hgc"), "utf8");
    const a = compileExperiment(checkSource(text, "/a/one.hgc")).value!;
    const respaced = text.replace(/\/\/[^\n]*/g, "").replace(/ {2,}/g, " ").replace("seed = 1", "\n\n  seed = 1");
    const b = compileExperiment(checkSource(respaced, "/elsewhere/two.hgc")).value!;
    expect(b.hash).toBe(a.hash);
    expect(hashIR(a)).toBe(a.hash);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    const c = compileExperiment(checkSource(text.replace("param lambda = 0.5", "param lambda = 0.6"), "/a/one.hgc")).value!;
    expect(c.hash).not.toBe(a.hash);
  });

  it("writes canonical JSON with sorted keys at every level", () => {
    expect(canonicalJSON({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}');
  });

  it("reads back an IR file and refuses an invalid one with a UserError", () => {
    const dir = mkdtempSync(join(tmpdir(), "hgc-ir-"));
    const ir = compileFile(join(EXAMPLES, "quickstart.hgc")).value!;
    writeFileSync(join(dir, "ir.json"), JSON.stringify(ir));
    expect(loadIR(join(dir, "ir.json"))).toEqual(ir);
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ ...ir, train: { ...(ir as { train: object }).train, batch: 0 } }));
    expect(() => loadIR(join(dir, "bad.json"))).toThrow(UserError);
    writeFileSync(join(dir, "junk.json"), "{ not json");
    expect(() => loadIR(join(dir, "junk.json"))).toThrow(/not valid JSON/);
    expect(() => loadIR(join(dir, "missing.json"))).toThrow(/cannot find/);
  });

  it("compiles the first experiment by default and a named one on request", () => {
    expect(compileFile(join(EXAMPLES, "hybrid.hgc")).value!.name).toBe("hybrid");
    expect(compileFile(join(EXAMPLES, "hybrid.hgc"), { experiment: "generative_only" }).value!.name).toBe("generative_only");
    const missing = compileFile(join(EXAMPLES, "hybrid.hgc"), { experiment: "nope" });
    expect(missing.value).toBeNull();
    expect(missing.diagnostics.at(-1)!.message).toMatch(/no experiment named `nope`/);
  });
});

describe("reading files", () => {
  it("refuses devices, folders and oversized files instead of reading them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hgc-read-"));
    writeFileSync(join(dir, "big.hgc"), " ".repeat(3 * 1024 * 1024));
    writeFileSync(join(dir, "main.hgc"), 'import "/dev/zero"\nimport "big.hgc"\nimport "."\n');
    const r = checkFile(join(dir, "main.hgc"));
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "cannot read `/dev/zero` (not a regular file)",
      "`big.hgc` is too large (3.1 MB, more than 2 MB)",
      "`.` is a folder, not a file",
    ]);
    expect(() => checkFile("/dev/zero")).toThrow(/not a regular file/);
    expect(() => checkFile(join(dir, "big.hgc"))).toThrow(/too large/);
  });
});
