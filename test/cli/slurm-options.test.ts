// The Slurm options of a sweep without a cluster: the `slurm(…)` statement (checked, lowered into
// the sweep's IR, formatted), the command line over it, and the sbatch command line they make.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { slurmOptions } from "../../cli/sweep.js";
import { compileFile } from "../../compiler/index.js";
import { format } from "../../compiler/format.js";
import type { IRSweep } from "../../compiler/ir.js";
import { compressIndices, sbatchArgs, taskScript } from "../../runtime/sweep/slurm.js";

const EXPERIMENT = `experiment tiny {
  dataset train = synthetic(split: "train", count: 64, classes: 4, size: 8x8)
  tokens pixels = quantize(size: 8x8, levels: 4)
  encoder enc = transformer(tokens: pixels, layers: 1, width: 16, heads: 2, mlp: 2, causal: true, pool: mean)
  head lm = linear(enc.tokens, out: pixels.vocab)
  loss gen = autoregressive(lm, target: pixels)
  objective = gen
  optimizer = adamw(lr: 3e-3)
  train(data: train, steps: 4, batch: 16)
}
`;

function compile(sweepBody: string) {
  const dir = mkdtempSync(join(tmpdir(), "hgc-slurm-opts-"));
  const file = join(dir, "s.hgc");
  writeFileSync(file, `${EXPERIMENT}sweep s {\n  experiments = [tiny]\n  seeds = [1, 2]\n${sweepBody}\n}\n`);
  const r = compileFile(file, { sweep: "s" });
  return { ir: r.value as IRSweep | null, errors: r.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.span.start.line}: ${d.message}`) };
}

describe("the slurm(…) statement of a sweep", () => {
  it("is lowered into the sweep's IR and changes no trial", () => {
    const plain = compile("");
    const r = compile('  slurm(partition: "gpu", time: "2:00:00", cpus: 4, gpus: 1, mem: "16G", sbatch_args: ["--account=lab", "--qos=short"])');
    expect(r.errors).toEqual([]);
    expect(r.ir!.slurm).toEqual({ partition: "gpu", time: "2:00:00", cpus: 4, gpus: 1, mem: "16G", sbatchArgs: ["--account=lab", "--qos=short"] });
    expect(r.ir!.trials.map((t) => t.id)).toEqual(plain.ir!.trials.map((t) => t.id));
    expect(plain.ir!.slurm).toBeUndefined();
    // minutes as a number, as sbatch takes them
    expect(compile("  slurm(time: 90)").ir!.slurm).toEqual({ time: "90" });
  });

  it("reports unknown arguments, wrong types, bad times and sizes, and a second slurm(…)", () => {
    expect(compile('  slurm(partiton: "gpu")').errors).toEqual([expect.stringMatching(/^HGC019 14: `slurm` has no argument `partiton`$/)]);
    expect(compile("  slurm(cpus: 0)").errors).toEqual(["HGC051 14: `cpus` must be a whole number ≥ 1, found the number `0`"]);
    expect(compile('  slurm(gpus: "1")').errors).toEqual(['HGC051 14: `gpus` must be a whole number ≥ 0, found the string "1"']);
    expect(compile('  slurm(time: "two hours")').errors).toEqual(['HGC021 14: `time` is not a Slurm time limit: the string "two hours"']);
    expect(compile('  slurm(mem: "lots")').errors).toEqual(['HGC021 14: `mem` is not a Slurm memory size: the string "lots"']);
    expect(compile('  slurm(partition: "a")\n  slurm(partition: "b")').errors).toEqual(["HGC011 15: `slurm(…)` is given twice"]);
  });

  it("belongs in a sweep, and `hgc fmt` keeps it", () => {
    const dir = mkdtempSync(join(tmpdir(), "hgc-slurm-opts-"));
    const file = join(dir, "e.hgc");
    writeFileSync(file, EXPERIMENT.replace("objective = gen", 'objective = gen\n  slurm(partition: "gpu")'));
    const r = compileFile(file);
    expect(r.diagnostics.map((d) => `${d.code}: ${d.message}`)).toContain("HGC006: `slurm(…)` belongs in a sweep, not in an experiment");
    const text = 'sweep s {\n  experiments = [tiny]\n  slurm(partition:"gpu",gpus:1)\n}\n';
    expect(format(text, "s.hgc").value).toBe('sweep s {\n  experiments = [tiny]\n  slurm(partition: "gpu", gpus: 1)\n}\n');
  });
});

describe("the Slurm options of `hgc sweep`", () => {
  it("take the statement's values, each overridden by the command line", () => {
    const block = { partition: "gpu", time: "2:00:00", cpus: 4, sbatchArgs: ["--account=lab"] };
    expect(slurmOptions({}, undefined, block)).toEqual(block);
    expect(slurmOptions({ time: ["30"], "sbatch-arg": ["--qos=short"], gpus: ["2"] }, 3, block)).toEqual({
      partition: "gpu",
      time: "30",
      cpus: 4,
      gpus: 2,
      throttle: 3,
      sbatchArgs: ["--qos=short"],
    });
    expect(() => slurmOptions({ time: ["soon"] }, undefined)).toThrow("`--time soon` is not a Slurm time limit");
    expect(() => slurmOptions({ mem: ["8 GB"] }, undefined)).toThrow("`--mem 8 GB` is not a Slurm memory size");
    expect(() => slurmOptions({ cpus: ["0"] }, undefined)).toThrow("`--cpus` must be an integer ≥ 1, got `0`");
  });

  it("make one sbatch array with requeue, an output file per task in its run folder, and the resources asked", () => {
    const args = sbatchArgs({ partition: "gpu", time: "1:00:00", cpus: 2, gpus: 1, mem: "8G", throttle: 2, sbatchArgs: ["--account=lab"] }, "/sw/s-1", "s", [0, 1, 2, 5, 7, 8]);
    expect(args).toEqual([
      "--parsable",
      "--job-name=hgc-s",
      "--array=0-2,5,7-8%2",
      "--requeue",
      "--open-mode=append",
      "--output=/sw/s-1/slurm/tasks/%a/slurm-%A_%a.out",
      "--ntasks=1",
      "--cpus-per-task=2",
      "--partition=gpu",
      "--time=1:00:00",
      "--gpus-per-task=1",
      "--mem=8G",
      "--account=lab",
      "/sw/s-1/slurm/task.sh",
    ]);
    expect(compressIndices([3, 1, 2, 9])).toBe("1-3,9");
  });

  it("write a batch script whose trials get the sweep's --log, with the MLflow store named absolutely", () => {
    const plain = taskScript("/sw/s-1", "/hgc/cli/main.js");
    expect(plain).toMatch(/ sweep --slurm-task '\/sw\/s-1'\n$/);
    expect(plain).not.toContain("MLFLOW_TRACKING_URI");
    const logged = taskScript("/sw/s-1", "/hgc/cli/main.js", { kinds: ["tensorboard", "mlflow"], mlflowRoot: "/home/me/it's/mlruns" });
    expect(logged).toContain("\nexport MLFLOW_TRACKING_URI='/home/me/it'\\''s/mlruns'\n");
    expect(logged).toMatch(/ sweep --slurm-task '\/sw\/s-1' --log tensorboard,mlflow\n$/);
    const sh = spawnSync("sh", ["-n", "-c", logged]);
    expect(sh.status).toBe(0);
  });

  it("are refused without --on slurm, and --on must name a place", () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-slurm-opts-"));
    const run = (...a: string[]) => spawnSync(process.execPath, [join(process.cwd(), "dist", "cli", "main.js"), "sweep", "x.hgc", ...a], { cwd, encoding: "utf8" });
    const noOn = run("--partition", "gpu");
    expect(noOn.status).toBe(2);
    expect(noOn.stderr).toBe("hgc: error: `--partition` is for sweeps on Slurm\n  hint: add `--on slurm`\n");
    const where = run("--on", "cloud");
    expect(where.status).toBe(2);
    expect(where.stderr).toContain("`--on cloud` is not a place to run trials");
  });
});
