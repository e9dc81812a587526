import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import type { IRExperiment } from "../../compiler/ir.js";
import { listCheckpoints, loadCheckpoint } from "../../runtime/checkpoint.js";
import { EventBus, type RunEvent, type StepEvent } from "../../runtime/events.js";
import { runExperiment } from "../../runtime/run.js";
import { Model } from "../../runtime/model.js";
import { Trainer } from "../../runtime/train.js";
import { tinyIr } from "./fixtures.js";

const tmp = () => mkdtempSync(join(tmpdir(), "hgc-run-"));

function events(runDir: string): RunEvent[] {
  return readFileSync(join(runDir, "metrics.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RunEvent);
}

const stepLosses = (runDir: string) =>
  events(runDir)
    .filter((e): e is StepEvent => e.type === "step")
    .map((e) => ({ step: e.step, losses: e.losses, objective: e.objective, gradNorm: e.gradNorm }));

async function run(ir: IRExperiment, out: string, extra: Partial<Parameters<typeof runExperiment>[0]> = {}) {
  return runExperiment({ ir, out, backend: "wasm", evaluate: false, ...extra });
}

describe("a run", () => {
  it("writes ir.json, metrics.jsonl, checkpoints, result.json and the reports", async () => {
    const out = tmp();
    const bus = new EventBus();
    const seen: string[] = [];
    bus.on((e) => seen.push(e.type));
    const r = await run(tinyIr({ steps: 6, checkpointEvery: 2 }), out, { bus });
    expect(r.status).toBe("completed");
    expect(readdirSync(out).sort()).toEqual(["checkpoints", "ir.json", "metrics.jsonl", "report.html", "report.md", "result.json"]);
    // the last two checkpoints, nothing half-written
    expect(readdirSync(join(out, "checkpoints"))).toEqual(["step-00000004", "step-00000006"]);
    const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8"));
    expect(result).toMatchObject({ experiment: "tiny", status: "completed", steps: 6, totalSteps: 6, backend: "wasm", seed: 1 });
    expect(Object.keys(result.losses).sort()).toEqual(["con", "gen"]);
    expect(seen[0]).toBe("start");
    expect(seen.at(-1)).toBe("end");
    expect(seen.filter((t) => t === "step")).toHaveLength(6);
    expect(JSON.parse(readFileSync(join(out, "ir.json"), "utf8")).name).toBe("tiny");
  });

  it("resumed after an interruption, reproduces the uninterrupted run's numbers exactly", async () => {
    const ir = tinyIr({ steps: 8, checkpointEvery: 5 });
    const whole = tmp();
    await run(ir, whole);
    const split = tmp();
    let steps = 0;
    const bus = new EventBus();
    bus.on((e) => {
      if (e.type === "step") steps = e.step;
    });
    const first = await run(ir, split, { bus, shouldStop: () => steps >= 3 });
    expect(first.status).toBe("interrupted");
    expect(listCheckpoints(split).map((c) => c.step)).toEqual([3]);
    const second = await run(ir, split, { resume: true });
    expect(second.status).toBe("completed");
    expect(stepLosses(split)).toEqual(stepLosses(whole));
    const a = loadCheckpoint(listCheckpoints(whole).at(-1)!.path);
    const b = loadCheckpoint(listCheckpoints(split).at(-1)!.path);
    for (const [name, data] of a.weights) expect(Array.from(b.weights.get(name)!), name).toEqual(Array.from(data));
  });

  it("stops on NaN with an error event naming the step, keeping the last good checkpoint", async () => {
    const ir = tinyIr({ steps: 6, checkpointEvery: 2 });
    // weight 1 / (1 − ramp(0, 1, 5)): finite until step 5, then 1/0 = Infinity
    ir.objective.terms[0]!.weight = {
      op: "div",
      a: { op: "num", value: 1 },
      b: { op: "sub", a: { op: "num", value: 1 }, b: { op: "ramp", from: { op: "num", value: 0 }, to: { op: "num", value: 1 }, steps: 5 } },
    };
    const out = tmp();
    const bus = new EventBus();
    const errors: RunEvent[] = [];
    bus.on((e) => e.type === "error" && errors.push(e));
    const r = await run(ir, out, { bus });
    expect(r.status).toBe("failed");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ type: "error", step: 5 });
    expect((errors[0] as { message: string }).message).toMatch(/at step 5/);
    expect(listCheckpoints(out).map((c) => c.step)).toEqual([2, 4]);
    expect(JSON.parse(readFileSync(join(out, "result.json"), "utf8"))).toMatchObject({ status: "failed", steps: 4, error: { step: 5 } });
  });

  it("fails clearly when a step runs out of the wasm heap: one error, result.json, the last checkpoint kept, nothing disposed", async () => {
    const ir = tinyIr({ steps: 6, checkpointEvery: 2 });
    const real = Trainer.prototype.trainStep;
    const step = vi.spyOn(Trainer.prototype, "trainStep").mockImplementation(function (this: Trainer) {
      if (this.step < 3) return real.call(this);
      return Promise.reject(new WebAssembly.RuntimeError("memory access out of bounds"));
    });
    const dispose = vi.spyOn(Model.prototype, "dispose");
    const out = tmp();
    const bus = new EventBus();
    const errors: RunEvent[] = [];
    bus.on((e) => e.type === "error" && errors.push(e));
    try {
      const r = await run(ir, out, { bus });
      expect(r.status).toBe("failed");
    } finally {
      step.mockRestore();
      dispose.mockRestore();
    }
    expect(errors).toEqual([
      {
        type: "error",
        step: 4,
        message: "the training step at step 4 ran out of the wasm backend's memory",
        hint: expect.stringMatching(/lower `batch`.*patches\(…\).*fewer `layers`/),
      },
    ]);
    expect(dispose).not.toHaveBeenCalled();
    expect(listCheckpoints(out).map((c) => c.step)).toEqual([2]);
    expect(JSON.parse(readFileSync(join(out, "result.json"), "utf8"))).toMatchObject({
      status: "failed",
      steps: 3,
      error: { step: 4, message: expect.stringMatching(/ran out of the wasm backend's memory/) },
    });
  });

  it("refuses to resume a folder without a checkpoint", async () => {
    await expect(run(tinyIr({ steps: 2 }), tmp(), { resume: true })).rejects.toThrow(/no checkpoint/);
  });

  it("reports a corrupt data file clearly, naming it", async () => {
    const dir = tmp();
    const images = join(dir, "images.idx");
    const labels = join(dir, "labels.idx");
    writeFileSync(images, Buffer.from([0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 8, 0, 0, 0, 8, 1, 2, 3])); // 10 8×8 images promised, 3 bytes given
    writeFileSync(labels, Buffer.from([0, 0, 8, 1, 0, 0, 0, 10, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1]));
    const ir = tinyIr({ steps: 2 });
    ir.datasets.train = { ...ir.datasets.train!, source: "idx", args: { images, labels }, split: "all" };
    const bus = new EventBus();
    const errors: string[] = [];
    bus.on((e) => e.type === "error" && errors.push(e.message));
    const r = await run(ir, join(dir, "run"), { bus });
    expect(r.status).toBe("failed");
    expect(errors.join("\n")).toContain("images.idx");
  });
});
