import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { jsonDiff } from "../../cli/compare.js";

const CLI = join(process.cwd(), "dist", "cli", "main.js");

function hgc(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", env: { ...process.env, HGC_DB: "", ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A run folder as `hgc run` leaves it. */
function runFolder(dir: string, opts: { lambda: number; acc: number; bpd?: number; status?: string; seed?: number }) {
  mkdirSync(dir, { recursive: true });
  const ir = {
    irVersion: 1,
    name: "hybrid",
    source: { file: "/x/a.hgc", line: 1 },
    seed: opts.seed ?? 1,
    params: { lambda: opts.lambda },
    objective: { terms: [{ loss: "gen", weight: { op: "num", value: 1 } }, { loss: "con", weight: { op: "param", name: "lambda", value: opts.lambda } }], text: "gen + lambda * con" },
    train: { data: "train", steps: 10, batch: 8 },
    estimates: { parameters: 5000, flopsPerStep: 2e6, imagesPerStep: 16 },
    hash: String(opts.lambda).replace(".", "").padEnd(64, "a"),
  };
  writeFileSync(join(dir, "ir.json"), JSON.stringify(ir));
  writeFileSync(
    join(dir, "metrics.jsonl"),
    [
      { type: "start", time: `2026-11-29T0${opts.seed ?? 1}:00:00.000Z`, experiment: "hybrid", runDir: dir, backend: "cpu", kernels: [], parameters: 5000, datasets: [], totalSteps: 10, batch: 8, seed: opts.seed ?? 1, startStep: 0 },
      { type: "step", step: 10, totalSteps: 10, losses: { con: 3.5, gen: 2.5 }, weights: {}, objective: 6, lr: 0.001, gradNorm: 1, imagesPerSec: 1, msPerStep: 1, elapsedMs: 1 },
    ]
      .map((e) => JSON.stringify(e))
      .join("\n") + "\n",
  );
  writeFileSync(join(dir, "result.json"), JSON.stringify({ status: opts.status ?? "completed", metrics: { "linear_probe.accuracy": opts.acc, bits_per_dim: opts.bpd ?? 2.5 }, steps: 10 }));
}

describe("hgc runs", () => {
  it("lists run folders that were never indexed, newest first, and shows one by id prefix", () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-runs-"));
    runFolder(join(cwd, "runs", "hybrid-aaaa"), { lambda: 0.1, acc: 0.61, seed: 1 });
    runFolder(join(cwd, "runs", "hybrid-bbbb"), { lambda: 1, acc: 0.72, seed: 2 });
    const list = hgc(["runs"], cwd);
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+EXPERIMENT\s+POINT\s+SEED\s+STATUS\s+STEPS\s+BACKEND\s+STARTED\s+METRICS\s+DIR$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/hybrid\s+—\s+2\s+completed\s+10\/10\s+cpu\s+2026-11-29 02:00:00\s+linear_probe.accuracy 0.72  bits_per_dim 2.5\s+runs\/hybrid-bbbb$/);
    expect(lines[2]).toContain("runs/hybrid-aaaa");

    const id = lines[1]!.split(/\s+/)[0]!;
    const show = hgc(["runs", "show", id.slice(0, 6)], cwd);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`run ${id}`);
    expect(show.stdout).toMatch(/status\s+completed/);
    expect(show.stdout).toContain("objective gen + lambda * con");
    expect(show.stdout).toContain("params lambda=1");
    expect(show.stdout).toMatch(/linear_probe\.accuracy\s+0\.72/);
    expect(show.stdout).toMatch(/loss\.con\s+3\.5 at step 10/);
  });

  it("uses the database named by HGC_DB", () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-runs-"));
    runFolder(join(cwd, "runs", "hybrid-aaaa"), { lambda: 0.1, acc: 0.61 });
    const db = join(cwd, "elsewhere", "results.sqlite");
    expect(hgc(["runs", "--json"], cwd, { HGC_DB: db }).code).toBe(0);
    const out = execFileSync("node", ["-e", `const D=require(${JSON.stringify(join(process.cwd(), "node_modules", "better-sqlite3"))}); console.log(new D(${JSON.stringify(db)}).prepare("select count(*) n from runs").get().n)`], { encoding: "utf8" });
    expect(out.trim()).toBe("1");
  });

  it("says which runs an ambiguous reference matches and which reference matches none", () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-runs-"));
    runFolder(join(cwd, "runs", "hybrid-aaaa"), { lambda: 0.1, acc: 0.6 });
    runFolder(join(cwd, "runs", "hybrid-bbbb"), { lambda: 1, acc: 0.7 });
    const amb = hgc(["runs", "show", "hybrid"], cwd);
    expect(amb.code).toBe(1);
    expect(amb.stderr).toMatch(/^hgc: error: `hybrid` matches 2 runs: /);
    expect(amb.stderr).toContain("hint: give a longer id prefix");
    const none = hgc(["runs", "show", "zzz"], cwd);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("no run matches `zzz`");
  });

  it("rejects an unknown option with a usage error", () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-runs-"));
    const r = hgc(["runs", "--colour"], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option `--colour` for `hgc runs`");
  });
});

describe("hgc compare", () => {
  it("sets two runs side by side with metric differences and the changed IR paths", () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-cmp-"));
    runFolder(join(cwd, "runs", "hybrid-aaaa"), { lambda: 0.1, acc: 0.6, bpd: 2.5 });
    runFolder(join(cwd, "runs", "hybrid-bbbb"), { lambda: 1, acc: 0.75, bpd: 2.75 });
    const r = hgc(["compare", "hybrid-a", "hybrid-b"], cwd);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/linear_probe\.accuracy\s+0\.6\s+0\.75\s+\+0\.15/);
    expect(r.stdout).toMatch(/bits_per_dim\s+2\.5\s+2\.75\s+\+0\.25/);
    expect(r.stdout).toContain("IR differences (2)");
    expect(r.stdout).toContain("~ objective.terms[1].weight.value: 0.1 → 1");
    expect(r.stdout).toContain("~ params.lambda: 0.1 → 1");
    expect(r.stdout).not.toContain("hash");
  });
});

describe("jsonDiff", () => {
  it("lists changed, added and removed paths, ignoring the IR's source and hash", () => {
    expect(
      jsonDiff({ hash: "a", source: { line: 1 }, a: 1, b: [1, 2], c: { d: "x" } }, { hash: "b", source: { line: 2 }, a: 2, b: [1], c: { d: "x", e: true } }),
    ).toEqual([
      { path: "a", kind: "changed", a: 1, b: 2 },
      { path: "b[1]", kind: "removed", a: 2 },
      { path: "c.e", kind: "added", b: true },
    ]);
  });
});

/** A tiny experiment that trains in a few seconds; `train` gets `args` beside its data and batch. */
const TINY = (args: string) => `experiment tiny {
  dataset train = synthetic(split: "train", count: 32, classes: 4, size: 8x8)
  tokens pixels = quantize(size: 8x8, levels: 4)
  encoder enc = transformer(tokens: pixels, layers: 1, width: 16, heads: 2, mlp: 2, causal: true, pool: mean)
  head lm = linear(enc.tokens, out: pixels.vocab)
  loss gen = autoregressive(lm, target: pixels)
  objective = gen
  optimizer = adam(lr: 1e-3)
  train(data: train, batch: 8, ${args})
}
`;

describe("hgc runs with a real run", () => {
  it("lists a plain `hgc run` that no sweep indexed", () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-runs-real-"));
    writeFileSync(
      join(cwd, "tiny.hgc"),
      TINY("steps: 3"),
    );
    const run = hgc(["run", "tiny.hgc", "--no-tui", "--quiet"], cwd);
    expect(run.code, run.stderr).toBe(0);
    const list = hgc(["runs"], cwd);
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^[0-9a-f]{8}\s+tiny\s+—\s+\S+\s+completed\s+3\/3\s+\S+\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+.*runs\/tiny-[0-9a-f]+$/);

    // one id everywhere: the list's id names the folder, and every command takes a prefix of it
    const id = lines[1]!.split(/\s+/)[0]!;
    expect(lines[1]).toContain(`runs/tiny-${id}`);
    const report = hgc(["report", id.slice(0, 6)], cwd);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain("tiny");

    // running it again trains nothing: it says where the finished run is
    const again = hgc(["run", "tiny.hgc", "--no-tui", "--quiet"], cwd);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`has already run to completion in ${join(cwd, "runs", `tiny-${id}`)} (run ${id})`);
    expect(again.stderr).toContain("`--fresh` trains a new run beside it");

    // --fresh trains a second run of the same experiment beside it, under its own id
    const fresh = hgc(["run", "tiny.hgc", "--fresh", "--no-tui", "--quiet"], cwd);
    expect(fresh.code, fresh.stderr).toBe(0);
    const after = hgc(["runs"], cwd).stdout.trimEnd().split("\n").slice(1);
    expect(after).toHaveLength(2);
    const ids = after.map((l) => l.split(/\s+/)[0]!);
    expect(new Set(ids).size).toBe(2);
    for (const i of ids) expect(after.find((l) => l.startsWith(i))).toContain(`runs/tiny-${i}`);
  });

  it("never deletes an unfinished run's checkpoints: without --resume it refuses and says how to go on", () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-runs-keep-"));
    writeFileSync(
      join(cwd, "tiny.hgc"),
      TINY("steps: 4, checkpoint_every: 2"),
    );
    const first = hgc(["run", "tiny.hgc", "--no-tui", "--quiet"], cwd);
    expect(first.code, first.stderr).toBe(0);
    const [folder] = readdirSync(join(cwd, "runs")).filter((f) => f.startsWith("tiny-"));
    const runDir = join(cwd, "runs", folder!);
    // as an interrupted run leaves it: a checkpoint, a result that is not completed
    const result = JSON.parse(readFileSync(join(runDir, "result.json"), "utf8"));
    writeFileSync(join(runDir, "result.json"), JSON.stringify({ ...result, status: "interrupted", steps: 2 }));
    const before = readdirSync(join(runDir, "checkpoints")).sort();
    const refused = hgc(["run", "tiny.hgc", "--no-tui", "--quiet"], cwd);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/already holds the checkpoints of an unfinished run \(interrupted at step 2\) \(id [0-9a-f]{8}\); hgc never deletes checkpoints/);
    expect(refused.stderr).toContain("hint: add --resume to continue it from its last checkpoint, or --fresh to train a new run beside it");
    expect(readdirSync(join(runDir, "checkpoints")).sort()).toEqual(before);
  });
});
