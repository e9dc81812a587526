// A researcher's sweep through the real binary: ASHA pruning (a pruned trial keeps its checkpoint
// and is finished by hand), the best checkpoints and `hgc eval --best`, and a seeded TPE search
// that a second run finds done.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const CLI = join(process.cwd(), "dist", "cli", "main.js");

function hgc(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", env: { ...process.env, HGC_DB: "", NO_COLOR: "1" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const EXPERIMENT = (lr: string) => `experiment tiny {
  seed = 1
  dataset train = synthetic(split: "train", count: 64, classes: 4, size: 8x8)
  dataset test = synthetic(split: "test", count: 32, classes: 4, size: 8x8)
  tokens pixels = quantize(size: 8x8, levels: 4)
  encoder enc = transformer(tokens: pixels, layers: 1, width: 16, heads: 2, mlp: 2, causal: true, pool: mean)
  head lm = linear(enc.tokens, out: pixels.vocab)
  loss gen = autoregressive(lm, target: pixels)
  param lr = ${lr}
  objective = gen
  optimizer = adam(lr: lr)
  train(data: train, steps: 6, batch: 8, eval_every: 2, keep_best: bits_per_dim, keep: 2)
  evaluate {
    bits_per_dim(data: test)
  }
}
`;

function sweepState(cwd: string): { dir: string; trials: any[] } {
  const [name] = readdirSync(join(cwd, "runs", "sweeps"));
  const dir = join(cwd, "runs", "sweeps", name!);
  return { dir, trials: JSON.parse(readFileSync(join(dir, "sweep.json"), "utf8")).trials };
}

describe("pruning and best checkpoints", () => {
  it("stops a trial that cannot make the cut, keeps its checkpoint, and lets it be finished by hand", () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-asha-"));
    writeFileSync(
      join(cwd, "prune.hgc"),
      `${EXPERIMENT("3e-3")}
sweep cut {
  experiments = [tiny]
  grid lr = [3e-3, 1e-7]
  objectives = [minimize bits_per_dim]
  prune = asha(metric: bits_per_dim, grace: 2, reduction: 3)
}
`,
    );
    const r = hgc(["sweep", "prune.hgc", "--no-tui"], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 done, 1 pruned/);
    const { dir, trials } = sweepState(cwd);
    const good = trials.find((t) => t.point.lr === 3e-3);
    const cut = trials.find((t) => t.point.lr === 1e-7);
    expect(good.status).toBe("completed");
    // lr 1e-7 learns nothing: its bits/dim at the first rung (step 2) is worse than the other's
    expect(cut.status).toBe("pruned");
    expect(cut.pruned).toMatchObject({ rung: 0, at: 2, step: 2 });
    const result = JSON.parse(readFileSync(join(cut.runDir, "result.json"), "utf8"));
    expect(result.status).toBe("pruned");
    expect(result.pruned).toMatchObject({ metric: "bits_per_dim", step: 2, rung: 0 });
    expect(readdirSync(join(cut.runDir, "checkpoints")).filter((f) => f.startsWith("step-")).length).toBeGreaterThan(0);
    expect(readFileSync(join(dir, "sweep.md"), "utf8")).toContain("## Pruned trials");

    // a second run of the sweep leaves the pruned trial be
    const again = hgc(["sweep", "prune.hgc", "--no-tui"], cwd);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/0 done, 1 pruned, 1 skipped/);

    // finished by hand from its checkpoint
    const irPath = join(dir, "ir", `${cut.id.slice(0, 8)}.json`);
    const resumed = hgc(["run", irPath, "--out", cut.runDir, "--resume", "--no-tui", "--quiet"], cwd);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(cut.runDir, "result.json"), "utf8"))).toMatchObject({ status: "completed", steps: 6 });

    // the completed trial kept its two best checkpoints by bits/dim; `hgc eval --best` takes the best
    const best = JSON.parse(readFileSync(join(good.runDir, "checkpoints", "best", "best.json"), "utf8"));
    expect(best).toMatchObject({ metric: "bits_per_dim", direction: "minimize", keep: 2 });
    expect(best.best).toHaveLength(2);
    expect(best.best[0].value).toBeLessThanOrEqual(best.best[1].value);
    for (const e of best.best) expect(existsSync(join(good.runDir, "checkpoints", "best", e.path, "weights.safetensors"))).toBe(true);
    const evaluated = hgc(["eval", good.id.slice(0, 8), "--best", "--json"], cwd);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const figures = JSON.parse(evaluated.stdout);
    expect(figures.step).toBe(best.best[0].step);
    expect(figures.metrics.bits_per_dim).toBeCloseTo(best.best[0].value, 6);
  });
});

describe("search", () => {
  it("draws a seeded TPE search over a log range, and a second run proposes the same points and finds them done", () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-tpe-"));
    writeFileSync(
      join(cwd, "tpe.hgc"),
      `${EXPERIMENT("1e-5..1e-2 log").replace("steps: 6", "steps: 2").replace(", keep_best: bits_per_dim, keep: 2", "")}
sweep tune {
  experiments = [tiny]
  search tpe(trials: 3, seed: 4)
  objectives = [minimize bits_per_dim]
}
`,
    );
    const dry = hgc(["sweep", "tpe.hgc", "--dry-run"], cwd);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("search tpe: 3 points; the first 2 random, the rest proposed from the results as it runs");
    const r = hgc(["sweep", "tpe.hgc", "--no-tui"], cwd);
    expect(r.code, r.stderr).toBe(0);
    const { trials } = sweepState(cwd);
    expect(trials).toHaveLength(3);
    expect(new Set(trials.map((t) => t.point.lr)).size).toBe(3);
    for (const t of trials) {
      expect(t.status).toBe("completed");
      expect(t.point.lr).toBeGreaterThanOrEqual(1e-5);
      expect(t.point.lr).toBeLessThanOrEqual(1e-2);
    }
    const again = hgc(["sweep", "tpe.hgc", "--no-tui"], cwd);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/0 done, 3 skipped/);
    expect(sweepState(cwd).trials.map((t) => t.id)).toEqual(trials.map((t) => t.id));
  });
});
