// `hgc run --log tensorboard --log mlflow` on a tiny run, read back by readers.py: an independent
// reader of each format (CRC-checked TFRecords and protobuf decoded by hand; MLflow's file-store
// layout), which must find every metric of the run in both.
import { hashIR } from "../../../compiler/hash.js";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import type { IRProtocol } from "../../../compiler/ir.js";
import type { RunEvent } from "../../../runtime/events.js";
import { tinyIr } from "../fixtures.js";
import { readDashboard } from "./read.js";

const CLI = fileURLToPath(new URL("../../../dist/cli/main.js", import.meta.url));

describe("hgc run --log tensorboard --log mlflow", () => {
  let dir: string;
  let events: RunEvent[];
  let stdout: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "hgc-dashboards-"));
    const ir = tinyIr({ steps: 4, evalEvery: 2 });
    const features = { encoder: "enc", member: "pooled" } as const;
    ir.evaluate = [
      { kind: "knn", features, k: 5, train: "train", test: "test", temperature: 0.1, applicable: true, baselines: ["init", "pixels"] },
      { kind: "bits_per_dim", data: "test", head: "lm", tokenizer: "pixels", applicable: true },
      { kind: "samples", count: 4, temperature: 1, head: "lm", tokenizer: "pixels", applicable: true },
    ] as IRProtocol[];
    ir.hash = hashIR(ir); // the protocols changed: the file must still verify against its hash
    writeFileSync(join(dir, "tiny.json"), JSON.stringify(ir));
    const r = spawnSync(process.execPath, [CLI, "run", "tiny.json", "--out", "run", "--backend", "wasm", "--log", "tensorboard", "--log=mlflow", "--no-tui"], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", MLFLOW_TRACKING_URI: "" },
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    stdout = r.stdout;
    events = readFileSync(join(dir, "run", "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  }, 120_000);

  const steps = () => events.filter((e): e is Extract<RunEvent, { type: "step" }> => e.type === "step");
  const evals = () => events.filter((e): e is Extract<RunEvent, { type: "eval" }> => e.type === "eval");

  it("composes with the plain logger", () => {
    expect(stdout).toMatch(/^run tiny/);
    expect(stdout).toMatch(/finished at step 4/);
  });

  it("writes TensorBoard event files holding every scalar, every metric and the sample sheets", () => {
    const files = readdirSync(join(dir, "run")).filter((f) => f.startsWith("events.out.tfevents."));
    expect(files).toHaveLength(1);
    const tb = readDashboard("tfevents", join(dir, "run", files[0]!));
    expect(tb.file_version).toEqual(["brain.Event:2"]);
    const f32 = (v: number) => Math.fround(v);
    for (const s of steps()) {
      for (const [name, v] of Object.entries(s.losses)) expect(tb.scalars[`loss/${name}`]).toContainEqual([s.step, f32(v)]);
      expect(tb.scalars["train/objective"]).toContainEqual([s.step, f32(s.objective)]);
      expect(tb.scalars["train/lr"]).toContainEqual([s.step, f32(s.lr)]);
      expect(tb.scalars["train/grad_norm"]).toContainEqual([s.step, f32(s.gradNorm)]);
    }
    expect(evals().map((e) => e.step)).toEqual([2, 4]);
    let metrics = 0;
    for (const e of evals()) {
      for (const [name, v] of Object.entries(e.metrics)) {
        if (v === null) continue;
        const dot = name.indexOf(".");
        const tag = dot < 0 ? `eval/${name}` : `${name.slice(0, dot)}/${name.slice(dot + 1)}`;
        expect(tb.scalars[tag], tag).toContainEqual([e.step, f32(v)]);
        metrics++;
      }
    }
    expect(metrics).toBeGreaterThanOrEqual(6);
    const sheets = tb.images.samples;
    expect(sheets.map((i: any) => i.step)).toEqual([2, 4]);
    for (const i of sheets) expect(i).toMatchObject({ png: true, colorspace: 1 });
    expect(sheets[0].width).toBeGreaterThan(50);
  });

  it("writes an MLflow file store with params, stepped metrics, tags and artifacts", () => {
    const store = readDashboard("mlflow", join(dir, "mlruns"));
    expect(store["0"].name).toBe("Default");
    const exp = Object.values(store).find((x: any) => x.name === "tiny") as any;
    expect(exp).toBeDefined();
    const runs = Object.values(exp.runs) as any[];
    expect(runs).toHaveLength(1);
    const run = runs[0];
    expect(run.meta.status).toBe(3); // FINISHED
    expect(run.meta.end_time).toBeGreaterThanOrEqual(run.meta.start_time);
    expect(run.params).toMatchObject({ seed: "1", batch: "8", steps: "4", objective: "gen + lambda * con", "param.lambda": "0.5" });
    expect(run.tags["mlflow.runName"]).toBe("run");
    expect(run.tags["hgc.run_dir"]).toBe(join(dir, "run"));
    const at = (key: string, step: number) => run.metrics[key]?.find((r: number[]) => r[0] === step)?.[1];
    for (const s of steps()) {
      for (const [name, v] of Object.entries(s.losses)) expect(at(`loss.${name}`, s.step)).toBe(v);
      expect(at("objective", s.step)).toBe(s.objective);
      expect(at("lr", s.step)).toBe(s.lr);
      expect(at("grad_norm", s.step)).toBe(s.gradNorm);
    }
    for (const e of evals()) for (const [name, v] of Object.entries(e.metrics)) if (v !== null) expect(at(name, e.step), name).toBe(v);
    expect(run.artifacts).toEqual(expect.arrayContaining(["ir.json", "result.json", "report.html", "samples.png"]));
  });

  it("rejects an unknown --log target with a usage error", () => {
    const r = spawnSync(process.execPath, [CLI, "run", "tiny.json", "--log", "wandb"], { cwd: dir, encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown `--log` target `wandb`/);
  });
});
