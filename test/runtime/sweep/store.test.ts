import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Store, defaultDbPath, readRunFolder, runIdFor } from "../../../runtime/store.js";

function runFolder(root: string, name: string, opts: { status?: string; acc?: number; steps?: number; withResult?: boolean } = {}) {
  const dir = join(root, name);
  mkdirSync(join(dir, "checkpoints"), { recursive: true });
  writeFileSync(join(dir, "ir.json"), JSON.stringify({ name: name.split("-")[0], hash: "c0ffee".padEnd(64, "0"), seed: 7, train: { steps: 2 }, estimates: { parameters: 4242 } }));
  const lines = [
    { type: "start", time: "2026-11-29T05:00:00.000Z", experiment: name, runDir: dir, backend: "wasm", kernels: [], parameters: 4242, datasets: [], totalSteps: 2, batch: 4, seed: 7, startStep: 0 },
    { type: "step", step: 1, totalSteps: 2, losses: { con: 4.1, gen: 2.9 }, weights: {}, objective: 7, lr: 0.001, gradNorm: 1, imagesPerSec: 1, msPerStep: 1, elapsedMs: 1 },
    { type: "step", step: 2, totalSteps: 2, losses: { con: 3.9, gen: 2.7 }, weights: {}, objective: 6.6, lr: 0.0005, gradNorm: 1, imagesPerSec: 1, msPerStep: 1, elapsedMs: 2 },
  ];
  writeFileSync(join(dir, "metrics.jsonl"), lines.map((l) => JSON.stringify(l)).join("\n") + "\n{\"type\":\"st");
  if (opts.withResult !== false) {
    writeFileSync(join(dir, "result.json"), JSON.stringify({ status: opts.status ?? "completed", metrics: { "linear_probe.accuracy": opts.acc ?? 0.5, bits_per_dim: 2.8, "ood.auroc": null }, steps: opts.steps ?? 2 }));
  }
  return dir;
}

describe("readRunFolder", () => {
  it("reads the record and every logged series, tolerating a line cut short", () => {
    const root = mkdtempSync(join(tmpdir(), "hgc-store-"));
    const { record, series } = readRunFolder(runFolder(root, "tiny-abc"));
    expect(record).toMatchObject({ experiment: "tiny", seed: 7, status: "completed", backend: "wasm", steps: 2, totalSteps: 2, parameters: 4242, started: "2026-11-29T05:00:00.000Z" });
    expect(record.metrics).toEqual({ "linear_probe.accuracy": 0.5, bits_per_dim: 2.8, "ood.auroc": null });
    expect(series.filter((s) => s.name === "loss.con").map((s) => [s.step, s.value])).toEqual([[1, 4.1], [2, 3.9]]);
    expect(series.find((s) => s.name === "linear_probe.accuracy")).toEqual({ step: 2, name: "linear_probe.accuracy", value: 0.5 });
  });

  it("indexes a folder with a damaged file as damaged, naming the file and the line", () => {
    const root = mkdtempSync(join(tmpdir(), "hgc-store-"));
    const dir = runFolder(root, "tiny-bad", { withResult: false });
    writeFileSync(join(dir, "result.json"), '{\n  "status": "completed",\n  "metrics": {\n}');
    const { record } = readRunFolder(dir);
    expect(record.status).toBe("damaged");
    expect(record.error).toBe(`${join(dir, "result.json")}: not valid JSON (line 4)`);
    expect(record.steps).toBe(2);
  });

  it("calls a run that started but left no result interrupted", () => {
    const root = mkdtempSync(join(tmpdir(), "hgc-store-"));
    expect(readRunFolder(runFolder(root, "tiny-x", { withResult: false })).record.status).toBe("interrupted");
  });
});

describe("Store", () => {
  it("uses $HGC_DB when set", () => {
    const old = process.env.HGC_DB;
    process.env.HGC_DB = "/tmp/elsewhere.sqlite";
    try {
      expect(defaultDbPath()).toBe("/tmp/elsewhere.sqlite");
    } finally {
      if (old === undefined) delete process.env.HGC_DB;
      else process.env.HGC_DB = old;
    }
  });

  it("indexes a run folder once and updates it in place when re-indexed", () => {
    const root = mkdtempSync(join(tmpdir(), "hgc-store-"));
    const store = new Store(join(root, "hgc.sqlite"));
    const dir = runFolder(root, "tiny-abc", { acc: 0.5 });
    const id = store.indexRun(dir);
    expect(id).toBe(runIdFor(dir));
    runFolder(root, "tiny-abc", { acc: 0.75 });
    store.indexRun(dir);
    const runs = store.listRuns();
    expect(runs).toHaveLength(1);
    expect(runs[0]!.metrics["linear_probe.accuracy"]).toBe(0.75);
    expect(store.metricSeries(id)["loss.gen"]).toEqual([{ step: 1, value: 2.9 }, { step: 2, value: 2.7 }]);
    store.close();
  });

  it("finds new and changed run folders when scanning, and leaves unchanged ones alone", () => {
    const root = mkdtempSync(join(tmpdir(), "hgc-store-"));
    const store = new Store(join(root, "hgc.sqlite"));
    runFolder(root, "a-1");
    runFolder(join(root, "sweeps", "s-12345678", "trials"), "b-2");
    mkdirSync(join(root, "not-a-run"));
    expect(store.scan(root)).toBe(2);
    expect(store.scan(root)).toBe(0);
    expect(store.listRuns().map((r) => r.experiment).sort()).toEqual(["a", "b"]);
    store.close();
  });

  it("finds a run by id prefix, folder path or folder name prefix", () => {
    const root = mkdtempSync(join(tmpdir(), "hgc-store-"));
    const store = new Store(join(root, "hgc.sqlite"));
    const a = runFolder(root, "hybrid-1234");
    const b = runFolder(root, "hybrid-5678");
    const idA = store.indexRun(a);
    store.indexRun(b);
    expect(store.findRuns(idA.slice(0, 6)).map((r) => r.runDir)).toEqual([a]);
    expect(store.findRuns(b).map((r) => r.runDir)).toEqual([b]);
    expect(store.findRuns("hybrid-12").map((r) => r.runDir)).toEqual([a]);
    expect(store.findRuns("hybrid")).toHaveLength(2);
    expect(store.findRuns("brid")).toHaveLength(0);
    store.close();
  });

  it("records sweeps and their trials linked to runs", () => {
    const root = mkdtempSync(join(tmpdir(), "hgc-store-"));
    const store = new Store(join(root, "hgc.sqlite"));
    const run = store.indexRun(runFolder(root, "tiny-1"));
    store.upsertSweep({ id: "s1", name: "grid", dir: root, file: null, params: ["lambda"], objectives: [{ direction: "maximize", metric: "acc" }], status: "running" });
    store.upsertTrial({ sweep: "s1", trial: "t1", run, experiment: "tiny", point: { lambda: 0.5 }, seed: 1, status: "completed", error: null });
    store.upsertTrial({ sweep: "s1", trial: "t2", run: null, experiment: "tiny", point: { lambda: 1 }, seed: 1, status: "failed", error: "boom" });
    store.upsertSweep({ id: "s1", name: "grid", dir: root, file: null, params: ["lambda"], objectives: [], status: "failed" });
    expect(store.listSweeps().map((s) => [s.name, s.status])).toEqual([["grid", "failed"]]);
    expect(store.listTrials("s1").map((t) => [t.trial, t.status, t.error])).toEqual([["t1", "completed", null], ["t2", "failed", "boom"]]);
    expect(store.trialOf(run)).toEqual({ sweep: "s1", sweepName: "grid", point: { lambda: 0.5 } });
    expect(store.listRuns({ sweep: "grid" }).map((r) => r.id)).toEqual([run]);
    store.close();
  });
});

describe("a damaged database", () => {
  it("is a clear user error that says the database can be rebuilt", () => {
    const root = mkdtempSync(join(tmpdir(), "hgc-store-"));
    const path = join(root, "hgc.sqlite");
    writeFileSync(path, "this is not a sqlite file, just text that is long enough to have a header".repeat(20));
    let err: any;
    try {
      new Store(path);
    } catch (e) {
      err = e;
    }
    expect(err?.name).toBe("UserError");
    expect(err.message).toMatch(/^cannot use the results database .*hgc\.sqlite: file is not a database$/);
    expect(err.hint).toContain("`hgc runs` rebuilds it");
  });
});
