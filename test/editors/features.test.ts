import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { DiagnosticSeverity } from "vscode-languageserver";
import {
  analyze,
  codeActions,
  completion,
  definition,
  documentSymbols,
  formatting,
  hover,
  lspDiagnostics,
  signatureHelp,
  type Analysis,
} from "../../editors/features.js";

const FIXTURES = join(import.meta.dirname, "fixtures");
const HYBRID = join(FIXTURES, "hybrid.hgc");
const hybridText = readFileSync(HYBRID, "utf8");

function open(text: string, file = HYBRID): Analysis {
  return analyze(pathToFileURL(file).href, file, text, 1);
}

/** The offset just after the first occurrence of `marker` (or at `|` inside it). */
function at(text: string, marker: string): number {
  const bar = marker.indexOf("|");
  const plain = marker.replace("|", "");
  const i = text.indexOf(plain);
  if (i < 0) throw new Error(`no \`${plain}\``);
  return i + (bar >= 0 ? bar : plain.length);
}

function labels(a: Analysis, offset: number): string[] {
  return completion(a, offset).map((c) => c.label);
}

describe("diagnostics", () => {
  it("reports an unknown name with a 0-based range, its code, severity and hint", () => {
    const text = hybridText.replace("ntxent(proj", "ntxent(prj");
    const d = lspDiagnostics(open(text)).find((x) => x.code === "HGC010")!;
    expect(d).toBeDefined();
    const line = text.split("\n").findIndex((l) => l.includes("ntxent(prj"));
    const col = text.split("\n")[line]!.indexOf("prj");
    expect(d.range).toEqual({ start: { line, character: col }, end: { line, character: col + 3 } });
    expect(d.severity).toBe(DiagnosticSeverity.Error);
    expect(d.source).toBe("hgc");
    expect(d.message).toContain("did you mean `proj`?");
    // the code links to its longer explanation
    expect(d.codeDescription?.href).toMatch(/^file:.*\/docs\/hints\/HGC010\.md$/);
  });

  it("reports a problem of an inherited statement once, not once per experiment", () => {
    const text = hybridText.replace("ntxent(proj", "ntxent(prj");
    const ds = lspDiagnostics(open(text)).filter((x) => x.code === "HGC010");
    expect(ds).toHaveLength(1);
  });

  it("is clean on the language.md program except for notes", () => {
    expect(lspDiagnostics(open(hybridText)).filter((d) => d.severity === DiagnosticSeverity.Error)).toEqual([]);
  });

  it("points at the first definition of a duplicate name as related information", () => {
    const text = hybridText.replace("  dataset test  =", "  dataset train =");
    const d = lspDiagnostics(open(text)).find((x) => x.code === "HGC011")!;
    expect(d.relatedInformation?.[0]?.location.range.start.line).toBe(4);
  });

  it("reports the errors of an imported file on the import", () => {
    const main = join(FIXTURES, "imports", "main.hgc");
    const base = join(FIXTURES, "imports", "base.hgc");
    const broken = readFileSync(base, "utf8").replace("layers: 1", "layers: 1.5");
    const a = analyze(pathToFileURL(main).href, main, readFileSync(main, "utf8"), 1, { overlays: new Map([[base, broken]]) });
    const d = lspDiagnostics(a).find((x) => x.message.includes("base.hgc"))!;
    expect(d.range.start).toEqual({ line: 0, character: 7 });
    expect(d.message).toMatch(/has 1 error/);
  });
});

describe("quick fixes", () => {
  it("offers to replace an unknown name with the one the hint suggests", () => {
    const text = hybridText.replace("ntxent(proj", "ntxent(prj");
    const a = open(text);
    const actions = codeActions(a.uri, lspDiagnostics(a));
    const fix = actions.find((x) => x.title.includes("proj"))!;
    const edit = fix.edit!.changes![a.uri]![0]!;
    const lines = text.split("\n");
    const applied = lines[edit.range.start.line]!.slice(0, edit.range.start.character) + edit.newText + lines[edit.range.end.line]!.slice(edit.range.end.character);
    expect(applied).toContain("ntxent(proj, views: aug");
    expect(fix.isPreferred).toBe(true);
  });

  it("builds one fix per name the diagnostic's data carries, whatever its wording", () => {
    const text = hybridText.replace("ntxent(proj", "ntxent(prj");
    const a = open(text);
    const d = a.check.diagnostics.find((x) => x.code === "HGC010")!;
    expect(d.data).toEqual({ replace: ["proj"] });
    // The fix comes from the data: rewording the hint changes nothing.
    d.suggestion = { message: "a hint in other words" };
    const fixes = codeActions(a.uri, lspDiagnostics(a)).map((x) => x.edit!.changes![a.uri]![0]!.newText);
    expect(fixes).toEqual(["proj"]);
  });

  it("offers no fix for a hint that only mentions names", () => {
    const text = hybridText.replace("experiment hybrid {", "experiment hybrid {\n  epochs = 3");
    const a = open(text);
    const d = a.check.diagnostics.find((x) => x.code === "HGC016")!;
    expect(d.suggestion?.message).toMatch(/`seed`/);
    expect(d.data).toBeUndefined();
  });
});

describe("completion", () => {
  const a = open(hybridText);

  it("offers item kinds at the top level", () => {
    expect(labels(a, hybridText.indexOf("// the two baselines"))).toEqual(expect.arrayContaining(["experiment", "sweep", "import"]));
  });

  it("offers declaration kinds and statements at the start of an experiment statement", () => {
    const got = labels(a, at(hybridText, "  |seed = 7"));
    expect(got).toEqual(expect.arrayContaining(["dataset", "tokens", "views", "encoder", "head", "loss", "param", "seed", "objective", "optimizer", "train", "evaluate"]));
    expect(got).not.toContain("experiment");
  });

  it("offers the built-ins of a declaration's kind after `=`", () => {
    const got = labels(a, at(hybridText, "tokens pixels = |quantize"));
    expect(got).toEqual(["quantize", "patches"]);
    expect(labels(a, at(hybridText, "optimizer = |adamw"))).toEqual(["adam", "adamw", "sgd"]);
  });

  it("offers the argument names of the built-in being called, without those already given", () => {
    const got = labels(a, at(hybridText, "transformer(tokens: pixels, |layers"));
    expect(got).toEqual(expect.arrayContaining(["layers", "width", "heads", "mlp", "causal", "pool", "dropout"]));
    expect(got).not.toContain("tokens");
  });

  it("offers the names in scope that fit an argument", () => {
    expect(labels(a, at(hybridText, "transformer(tokens: |pixels"))).toEqual(["pixels"]);
    expect(labels(a, at(hybridText, "knn(features: enc.pooled, k: 20, train: |train"))).toEqual(expect.arrayContaining(["train", "test", "ood"]));
    expect(labels(a, at(hybridText, "pool: |mean"))).toEqual(["mean", "last", "max"]);
  });

  it("offers members after a dot: `.pooled` and `.tokens` of an encoder, `.vocab` and `.length` of tokens", () => {
    expect(labels(a, at(hybridText, "mlp(enc.|pooled"))).toEqual(["tokens", "pooled"]);
    expect(labels(a, at(hybridText, "out: pixels.|vocab"))).toEqual(["vocab", "length"]);
  });

  it("offers losses, params and schedules in an objective", () => {
    const got = labels(a, at(hybridText, "objective = gen + |lambda"));
    expect(got).toEqual(expect.arrayContaining(["con", "gen", "lambda", "warmup", "ramp", "cosine"]));
    expect(got).not.toContain("enc");
  });

  it("offers protocols in an evaluate block and sweep statements in a sweep", () => {
    expect(labels(a, at(hybridText, "    |samples(count"))).toEqual(expect.arrayContaining(["linear_probe", "knn", "bits_per_dim", "ood", "robustness", "samples"]));
    expect(labels(a, at(hybridText, "  |jobs = 2"))).toEqual(expect.arrayContaining(["experiments", "seeds", "jobs", "objectives", "grid"]));
  });

  it("offers experiments in a sweep and the metrics its experiments report", () => {
    expect(labels(a, at(hybridText, "experiments = [|hybrid]"))).toEqual(["hybrid", "contrastive_only", "generative_only"]);
    const metrics = labels(a, at(hybridText, "maximize linear_probe.|accuracy"));
    expect(metrics).toContain("accuracy");
    expect(metrics.every((m) => !m.includes("."))).toBe(true);
    expect(labels(a, at(hybridText, "maximize ood.|auroc"))).not.toContain("accuracy");
  });

  it("offers nothing inside a comment or a string", () => {
    expect(labels(a, at(hybridText, "// image -> |token"))).toEqual([]);
    expect(labels(a, at(hybridText, 'split: "tr|ain"'))).toEqual([]);
  });
});

describe("hover", () => {
  const a = open(hybridText);

  it("shows a declared name's kind, inferred shape and parameter count", () => {
    const h = hover(a, at(hybridText, "head pr|oj"))!;
    const v = (h.contents as { value: string }).value;
    expect(v).toContain("**head** `proj`");
    expect(v).toContain("shape `[batch, 48]`");
    expect(v).toContain("13,968 parameters");
  });

  it("shows what a used name refers to", () => {
    const v = (hover(a, at(hybridText, "ntxent(pr|oj"))!.contents as { value: string }).value;
    expect(v).toContain("[batch, 48]");
  });

  it("shows the shape of a member", () => {
    const v = (hover(a, at(hybridText, "mlp(enc.po|oled"))!.contents as { value: string }).value;
    expect(v).toContain("`enc.pooled`: `[batch, 96]`");
    const vocab = (hover(a, at(hybridText, "out: pixels.vo|cab"))!.contents as { value: string }).value;
    expect(vocab).toContain("`pixels.vocab`: `8`");
  });

  it("shows a built-in's doc and an argument's doc", () => {
    const v = (hover(a, at(hybridText, "ntx|ent("))!.contents as { value: string }).value;
    expect(v).toContain("NT-Xent");
    const arg = (hover(a, at(hybridText, "temper|ature: 0.2"))!.contents as { value: string }).value;
    expect(arg).toContain("Softmax temperature");
  });

  it("shows a keyword's doc and nothing on punctuation", () => {
    expect((hover(a, at(hybridText, "exten|ds hybrid"))!.contents as { value: string }).value).toContain("Copy the parent");
    expect((hover(a, at(hybridText, "se|ed = 7"))!.contents as { value: string }).value).toContain("`seed = INT`");
    expect(hover(a, at(hybridText, "seed |= 7"))).toBeNull();
  });
});

describe("definition", () => {
  it("goes from a use to the declaration in the same file", () => {
    const a = open(hybridText);
    const [loc] = definition(a, at(hybridText, "ntxent(pr|oj"));
    expect(loc!.uri).toBe(a.uri);
    expect(loc!.range.start.line).toBe(hybridText.split("\n").findIndex((l) => l.includes("head proj")));
  });

  it("goes across an import to the parent experiment and to an inherited declaration", () => {
    const main = join(FIXTURES, "imports", "main.hgc");
    const text = readFileSync(main, "utf8");
    const a = analyze(pathToFileURL(main).href, main, text, 1);
    const base = pathToFileURL(join(FIXTURES, "imports", "base.hgc")).href;
    expect(definition(a, at(text, "extends ba|se"))).toEqual([{ uri: base, range: { start: { line: 1, character: 11 }, end: { line: 1, character: 15 } } }]);
    const [pixels] = definition(a, at(text, "tokens: pix|els"));
    expect(pixels).toEqual({ uri: base, range: { start: { line: 4, character: 9 }, end: { line: 4, character: 15 } } });
    const [file] = definition(a, at(text, '"ba|se.hgc"'));
    expect(file!.uri).toBe(base);
  });
});

describe("document symbols", () => {
  it("lists experiments and sweeps with their declarations", () => {
    const symbols = documentSymbols(open(hybridText));
    expect(symbols.map((s) => s.name)).toEqual(["hybrid", "contrastive_only", "generative_only", "lambda_grid", "paper"]);
    const hybrid = symbols[0]!;
    expect(hybrid.children!.map((c) => c.name)).toEqual(
      expect.arrayContaining(["seed", "train", "test", "ood", "pixels", "aug", "enc", "proj", "lm", "con", "gen", "lambda", "objective", "optimizer", "evaluate"]),
    );
    expect(hybrid.children!.find((c) => c.name === "enc")!.detail).toContain("355,488 parameters");
    expect(symbols[3]!.detail).toBe("sweep, 12 trials");
  });
});

describe("formatting", () => {
  it("formats as `hgc fmt` does, and leaves a formatted or broken file alone", () => {
    const messy = "experiment a {\n      seed=7\n}\n";
    const [edit] = formatting(messy, "/tmp/a.hgc");
    expect(edit!.newText).toBe("experiment a {\n  seed = 7\n}\n");
    expect(edit!.range).toEqual({ start: { line: 0, character: 0 }, end: { line: 3, character: 0 } });
    expect(formatting(edit!.newText, "/tmp/a.hgc")).toEqual([]);
    expect(formatting("experiment a { seed = }", "/tmp/a.hgc")).toEqual([]);
  });
});

describe("robustness", () => {
  it("answers every request on truncated and garbled programs without throwing", () => {
    // a deterministic walk over cut points and cursor positions
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let i = 0; i < 40; i++) {
      const cut = rand(hybridText.length);
      const text = i % 2 === 0 ? hybridText.slice(0, cut) : hybridText.slice(0, cut) + "(.[{:" + hybridText.slice(cut + 7);
      const a = open(text);
      lspDiagnostics(a);
      documentSymbols(a);
      for (let k = 0; k < 5; k++) {
        const offset = rand(text.length + 1);
        completion(a, offset);
        hover(a, offset);
        definition(a, offset);
      }
    }
  });
});

describe("hover on experiments and sweeps", () => {
  const a = open(hybridText);

  it("summarises an experiment at its declaration and where a sweep names it", () => {
    const v = (hover(a, at(hybridText, "experiment hy|brid"))!.contents as { value: string }).value;
    expect(v).toContain("**experiment** `hybrid`");
    expect(v).toMatch(/\d+ declarations · [\d,]+ parameters/);
    const child = (hover(a, at(hybridText, "experiment contrastive_o|nly"))!.contents as { value: string }).value;
    expect(child).toContain("extends `hybrid`");
    const use = (hover(a, at(hybridText, "experiments = [hy|brid]"))!.contents as { value: string }).value;
    expect(use).toContain("**experiment** `hybrid`");
  });

  it("gives a sweep's trial count and what it crosses", () => {
    const v = (hover(a, at(hybridText, "sweep lambda_g|rid"))!.contents as { value: string }).value;
    expect(v).toContain("12 trials: `hybrid` × grid lambda (4) × 3 seeds");
  });
});

describe("completion of import paths", () => {
  it("offers the .hgc files next to the document inside `import \"…\"`", () => {
    const main = join(FIXTURES, "imports", "main.hgc");
    const text = 'import "b"\n';
    const a = analyze(pathToFileURL(main).href, main, text, 1);
    const items = completion(a, text.indexOf("b") + 1);
    expect(items.map((i) => i.label)).toEqual(["base.hgc"]);
    expect((items[0]!.textEdit as { range: unknown }).range).toEqual({ start: { line: 0, character: 8 }, end: { line: 0, character: 9 } });
  });
});

describe("signature help", () => {
  const a = open(hybridText);

  it("shows the built-in's arguments with the one being written active", () => {
    const help = signatureHelp(a, at(hybridText, "temperature: |0.2"))!;
    const sig = help.signatures[0]!;
    expect(sig.label).toBe("ntxent(VALUE, views:, temperature:)");
    const [from, to] = sig.parameters![help.activeParameter!]!.label as [number, number];
    expect(sig.label.slice(from, to)).toBe("temperature:");
  });

  it("makes the positional slot active right after the parenthesis, and nothing outside calls", () => {
    const help = signatureHelp(a, at(hybridText, "mlp(|enc.pooled"))!;
    expect(help.activeParameter).toBe(0);
    expect(signatureHelp(a, at(hybridText, "seed = |7"))).toBeNull();
  });
});

describe("the slurm(…) statement of a sweep", () => {
  const text = hybridText.replace("  jobs = 2\n", '  jobs = 2\n  slurm(partition: "gpu", cpus: 4, time: "2:00:00")\n');
  const a = open(text);

  it("is checked clean and offered among a sweep's statements", () => {
    expect(lspDiagnostics(a).filter((d) => d.severity === DiagnosticSeverity.Error)).toEqual([]);
    expect(labels(a, at(text, "  |jobs = 2"))).toContain("slurm");
    expect(labels(a, at(text, "    |samples(count"))).not.toContain("slurm");
  });

  it("completes its argument names from the registry, without those already given", () => {
    const items = completion(a, at(text, 'slurm(partition: "gpu", |cpus'));
    expect(items.map((i) => i.label)).toEqual(expect.arrayContaining(["time", "gpus", "mem", "sbatch_args"]));
    expect(items.map((i) => i.label)).not.toContain("partition");
    expect(items.find((i) => i.label === "gpus")!.detail).toBe("slurm(gpus: int ≥ 0)");
  });

  it("shows an argument's doc and default on hover, and the statement's signature", () => {
    const v = (hover(a, at(text, "cp|us: 4"))!.contents as { value: string }).value;
    expect(v).toBe("`slurm(cpus: …)` — int ≥ 1 (default `1`) — CPUs per task (sbatch `--cpus-per-task`).");
    expect((hover(a, at(text, "slu|rm("))!.contents as { value: string }).value).toContain("hgc sweep --on slurm");
    const help = signatureHelp(a, at(text, 'time: |"2:00:00"'))!;
    const sig = help.signatures[0]!;
    expect(sig.label).toBe("slurm(partition:, time:, cpus:, gpus:, mem:, sbatch_args:)");
    const [from, to] = sig.parameters![help.activeParameter!]!.label as [number, number];
    expect(sig.label.slice(from, to)).toBe("time:");
  });
});

describe("line ends", () => {
  it("gives the same ranges for a file with CRLF line ends", () => {
    const text = hybridText.replace("ntxent(proj", "ntxent(prj");
    const lf = lspDiagnostics(open(text)).find((x) => x.code === "HGC010")!;
    const crlf = lspDiagnostics(open(text.replace(/\n/g, "\r\n"))).find((x) => x.code === "HGC010")!;
    expect(crlf.range).toEqual(lf.range);
  });
});
