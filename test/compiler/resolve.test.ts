import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkFile, checkSource, compileExperiment } from "../../compiler/index.js";
import { loadWorkspace, mergeExperiments } from "../../compiler/resolve.js";

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "hgc-resolve-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe("imports", () => {
  it("loads a file imported along two paths once, without calling it a cycle", () => {
    const dir = folder({
      "main.hgc": 'import "a.hgc"\nimport "b.hgc"\n',
      "a.hgc": 'import "common.hgc"\n',
      "b.hgc": 'import "common.hgc"\n',
      "common.hgc": "experiment base { seed = 1 }\n",
    });
    const ws = loadWorkspace(join(dir, "main.hgc"));
    expect([...ws.files.keys()].map((p) => p.slice(dir.length + 1))).toEqual(["main.hgc", "a.hgc", "common.hgc", "b.hgc"]);
    expect(ws.diagnostics).toEqual([]);
    expect(ws.experiments.has("base")).toBe(true);
  });

  it("names every file of a longer import cycle", () => {
    const dir = folder({ "a.hgc": 'import "b.hgc"\n', "b.hgc": 'import "c.hgc"\n', "c.hgc": 'import "a.hgc"\n' });
    const r = checkFile(join(dir, "a.hgc"));
    expect(r.diagnostics.map((d) => d.message)).toEqual(["import cycle: a.hgc → b.hgc → c.hgc → a.hgc"]);
  });

  it("links an import to the file it names for go-to-definition", () => {
    const dir = folder({ "main.hgc": 'import "lib.hgc"\n', "lib.hgc": "" });
    const r = checkFile(join(dir, "main.hgc"));
    expect(r.references.find((x) => x.kind === "file")!.definition.file).toBe(join(dir, "lib.hgc"));
  });
});

describe("extends", () => {
  const text = `
experiment a {
  seed = 1
  param p = 1
  param q = 2
}
experiment b extends a { param p = 10 }
experiment c extends b { seed = 3 }
`;

  it("flattens a chain, the nearest restatement winning and order kept", () => {
    const ws = loadWorkspace("/x/m.hgc", text);
    const { experiments } = mergeExperiments(ws);
    const c = experiments.get("c")!;
    expect(c.parents).toEqual(["b", "a"]);
    const shown = c.stmts.map((m) => `${m.stmt.kind === "Decl" || m.stmt.kind === "Assign" ? m.stmt.name.name : m.stmt.kind}@${m.from}${m.inherited ? "" : "*"}`);
    expect(shown).toEqual(["seed@c*", "p@b", "q@a"]);
  });

  it("reports a name declared twice in one body but not a restated parent name", () => {
    const r = checkSource(`${text}experiment d extends a { param q = 5\n param q = 6 }\n`, "/x/m.hgc");
    const dup = r.diagnostics.filter((d) => d.code === "HGC011");
    expect(dup.length).toBe(1);
    expect(dup[0]!.span.start.line).toBe(10);
  });

  it("does not check an experiment whose parent is unknown beyond saying so", () => {
    const r = checkSource("experiment x extends nothing { seed = 1 }\n", "/x/m.hgc");
    expect(r.diagnostics.map((d) => d.code)).toEqual(["HGC014"]);
    expect(compileExperiment(r, "x").value).toBeNull();
  });
});
