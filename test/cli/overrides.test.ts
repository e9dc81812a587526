import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const CLI = join(process.cwd(), "dist", "cli", "main.js");

function hgc(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", env: { ...process.env, HGC_DB: "", NO_COLOR: "1" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SOURCE = (o: { lambda?: string; crop?: string; steps?: string; lr?: string } = {}) => `experiment tiny {
  seed = 1
  dataset train = synthetic(split: "train", count: 32, classes: 4, size: 8x8)
  tokens pixels = quantize(size: 8x8, levels: 4)
  views aug = augment(crop: ${o.crop ?? "0.6..1.0"}, noise: 0.05)
  encoder enc = transformer(tokens: pixels, layers: 1, width: 16, heads: 2, mlp: 2, causal: true, pool: mean)
  head proj = mlp(enc.pooled, hidden: [16], out: 8)
  head lm = linear(enc.tokens, out: pixels.vocab)
  loss con = ntxent(proj, views: aug, temperature: 0.2)
  loss gen = autoregressive(lm, target: pixels)
  param lambda = ${o.lambda ?? "0.5"}
  objective = gen + lambda * con
  optimizer = adam(lr: ${o.lr ?? "1e-3"})
  train(data: train, steps: ${o.steps ?? "3"}, batch: 8)
}
`;

function setup(): string {
  const cwd = mkdtempSync(join(tmpdir(), "hgc-overrides-"));
  writeFileSync(join(cwd, "tiny.hgc"), SOURCE());
  return cwd;
}

describe("PATH=VALUE overrides", () => {
  it("compile to the very IR (and hash) of the file written with those values, and record themselves in it", () => {
    const cwd = setup();
    const over = hgc(["compile", "tiny.hgc", "lambda=0.25", "views.aug.crop=0.5..1.0", "train.steps=7", "optimizer.lr=3e-4"], cwd);
    expect(over.code, over.stderr).toBe(0);
    writeFileSync(join(cwd, "edited.hgc"), SOURCE({ lambda: "0.25", crop: "0.5..1.0", steps: "7", lr: "3e-4" }));
    const edited = hgc(["compile", "edited.hgc"], cwd);
    const a = JSON.parse(over.stdout);
    const b = JSON.parse(edited.stdout);
    expect(a.params.lambda).toBe(0.25);
    expect(a.train.steps).toBe(7);
    expect(a.optimizer.lr).toBe(3e-4);
    expect(a.hash).toBe(b.hash);
    expect(a.source.overrides).toEqual(["lambda=0.25", "views.aug.crop=0.5..1.0", "train.steps=7", "optimizer.lr=3e-4"]);
  });

  it("are checked like source: a typo points at the override with a suggestion", () => {
    const cwd = setup();
    const r = hgc(["check", "tiny.hgc", "train.stpes=5", "ecn.layers=2", "optimizer.lr=-1"], cwd);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("<command line>:1:7: error[HGC019]: `train` has no argument `stpes`");
    expect(r.stdout).toContain("1 | train.stpes=5 ecn.layers=2 optimizer.lr=-1");
    expect(r.stdout).toContain("hint: did you mean `steps`?");
    expect(r.stdout).toContain("<command line>:1:15: error[HGC010]: `ecn.layers` names nothing that can be set");
    expect(r.stdout).toContain("did you mean `enc.layers`?");
    expect(r.stdout).toMatch(/<command line>:1:41: error\[HGC050\]: `lr` must be/);
    const run = hgc(["run", "tiny.hgc", "lamda=0.1"], cwd);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("did you mean `lambda`?");
    expect(run.stderr).toContain("nothing was run");
  });

  it("lists the paths a file's experiments can set", () => {
    const cwd = setup();
    const r = hgc(["compile", "tiny.hgc", "--paths"], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\* train\.steps\s+3/);
    expect(r.stdout).toMatch(/\* lambda\s+0\.5/);
    expect(r.stdout).toMatch(/\* aug\.crop\s+0\.6\.\.1\.0/);
    expect(r.stdout).toMatch(/ {3}train\.checkpoint_every\s/); // settable, not written
  });

  it("says to use `:` for a `=` inside a call", () => {
    const cwd = setup();
    writeFileSync(join(cwd, "eq.hgc"), SOURCE().replace("steps: 3", "steps = 3"));
    const r = hgc(["check", "eq.hgc"], cwd);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("error[HGC001]: `steps =` inside a call: arguments are named with `:`");
    expect(r.stdout).toContain("hint: use `:`: write `steps: 3`");
  });

  it("show in the run's header and are recorded in the run", () => {
    const cwd = setup();
    const r = hgc(["run", "tiny.hgc", "train.steps=2", "lambda=0.3", "--no-tui", "--no-eval"], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^run tiny [0-9a-f]{8}  train\.steps=2 lambda=0\.3  backend/m);
    const [folder] = readdirSync(join(cwd, "runs")).filter((f) => f.startsWith("tiny-"));
    const result = JSON.parse(readFileSync(join(cwd, "runs", folder!, "result.json"), "utf8"));
    expect(result.overrides.set).toEqual(["train.steps=2", "lambda=0.3"]);
    expect(result.steps).toBe(2);
    expect(folder).toBe(`tiny-${result.id.slice(0, 8)}`);
    const ir = JSON.parse(readFileSync(join(cwd, "runs", folder!, "ir.json"), "utf8"));
    expect(ir.params.lambda).toBe(0.3);
    expect(ir.source.overrides).toEqual(["train.steps=2", "lambda=0.3"]);
  });
});
