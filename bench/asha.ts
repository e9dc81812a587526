// ASHA against no pruning: the same 12-point random search (same seed, so the same trials) run
// twice through the real binary, once with `prune = asha(…)`, and the wall time of each, the best
// point each found on the pruning metric, and the load average around each (the machine is shared).
//   npm run bench -- --only asha            HGC_BENCH_ASHA_JOBS=2 for two trials at once
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../cli/main.js", import.meta.url));

const SOURCE = `experiment small {
  seed = 1
  dataset train = synthetic(split: "train", count: 512, classes: 4, size: 8x8)
  dataset test = synthetic(split: "test", count: 128, classes: 4, size: 8x8)
  tokens pixels = quantize(size: 8x8, levels: 4)
  encoder enc = transformer(tokens: pixels, layers: 2, width: 32, heads: 2, mlp: 2, causal: true, pool: mean)
  head lm = linear(enc.tokens, out: pixels.vocab)
  loss gen = autoregressive(lm, target: pixels)
  param lr = 1e-5..3e-2 log
  objective = gen
  optimizer = adam(lr: lr)
  train(data: train, steps: 270, batch: 16, eval_every: 30)
  evaluate {
    bits_per_dim(data: test)
  }
}

sweep unpruned {
  experiments = [small]
  search random(trials: 12, seed: 7)
  objectives = [minimize bits_per_dim]
}

sweep pruned {
  experiments = [small]
  search random(trials: 12, seed: 7)
  objectives = [minimize bits_per_dim]
  prune = asha(metric: bits_per_dim, grace: 30, reduction: 3)
}
`;

interface Outcome {
  wallMs: number;
  load: [number, number];
  best: number;
  completed: number;
  pruned: number;
  steps: number;
}

function runSweep(cwd: string, name: string, jobs: number): Outcome {
  const load0 = loadavg()[0]!;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [CLI, "sweep", "asha.hgc", "--sweep", name, "--jobs", String(jobs), "--no-tui", "--root", join(cwd, name)], { cwd, encoding: "utf8", env: { ...process.env, HGC_DB: join(cwd, `${name}.sqlite`) } });
  const wallMs = Date.now() - t0;
  if (r.status !== 0) throw new Error(`hgc sweep --sweep ${name} exited ${r.status}: ${r.stderr}`);
  const sweeps = join(cwd, name, "sweeps");
  const dir = join(sweeps, readdirSync(sweeps)[0]!);
  const trials = JSON.parse(readFileSync(join(dir, "sweep.json"), "utf8")).trials as { status: string; metrics: Record<string, number | null>; runDir: string; pruned?: { step: number } }[];
  const completed = trials.filter((t) => t.status === "completed");
  const steps = trials.reduce((s, t) => s + (t.status === "pruned" ? t.pruned!.step : 270), 0);
  return { wallMs, load: [load0, loadavg()[0]!], best: Math.min(...completed.map((t) => t.metrics.bits_per_dim ?? Infinity)), completed: completed.length, pruned: trials.filter((t) => t.status === "pruned").length, steps };
}

export async function benchAsha(): Promise<string[]> {
  const cwd = mkdtempSync(join(tmpdir(), "hgc-bench-asha-"));
  writeFileSync(join(cwd, "asha.hgc"), SOURCE);
  const jobs = Number(process.env.HGC_BENCH_ASHA_JOBS ?? 1);
  const a = runSweep(cwd, "unpruned", jobs);
  const b = runSweep(cwd, "pruned", jobs);
  const line = (name: string, o: Outcome) =>
    `${name.padEnd(9)} wall ${(o.wallMs / 1000).toFixed(1)} s  ${o.completed} completed, ${o.pruned} pruned, ${o.steps} steps trained  best bits_per_dim ${o.best.toFixed(4)}  load ${o.load[0].toFixed(2)} → ${o.load[1].toFixed(2)}`;
  return [
    `12-point random search (seed 7) over lr 1e-5..3e-2 log, 270 steps each, evaluated every 30; jobs ${jobs}; ${cwd}`,
    line("unpruned", a),
    line("asha", b),
    `asha took ${((100 * b.wallMs) / a.wallMs).toFixed(0)}% of the unpruned wall time; its best is ${b.best <= a.best ? "as good or better" : "worse"} (${(b.best - a.best).toFixed(4)})`,
  ];
}
