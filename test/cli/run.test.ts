// Drives the built CLI (dist/, as `npm test` builds it) as a user would: `hgc run`, Ctrl-C,
// `--resume`, `hgc export`, `hgc doctor`.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tinyIr } from "../runtime/fixtures.js";
import { trialId } from "../../compiler/hash.js";

const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), "hgc-cli-run-"));

function hgc(args: string[], cwd = tmp()) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
}

function irFile(dir: string, steps: number, checkpointEvery: number | null = null): string {
  const file = join(dir, "tiny.json");
  writeFileSync(file, JSON.stringify(tinyIr({ steps, checkpointEvery })));
  return file;
}

describe("hgc run", () => {
  it("trains an IR file and prints one JSON event per line with --json", () => {
    const dir = tmp();
    const r = hgc(["run", irFile(dir, 3), "--out", join(dir, "run"), "--backend", "wasm", "--json"], dir);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ type: "start", backend: "wasm", totalSteps: 3 });
    expect(events.filter((e) => e.type === "step").map((e) => e.step)).toEqual([1, 2, 3]);
    expect(events.at(-1)).toMatchObject({ type: "end", status: "completed", step: 3 });
    expect(JSON.parse(readFileSync(join(dir, "run", "result.json"), "utf8")).status).toBe("completed");
  });

  it("writes plain progress lines when stdout is not a terminal and honours --steps and --seed", () => {
    const dir = tmp();
    const r = hgc(["run", irFile(dir, 50), "--out", join(dir, "run"), "--backend", "cpu", "--steps", "2", "--seed", "9"], dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/backend cpu/);
    expect(r.stdout).not.toMatch(/Hi, looks like/);
    const result = JSON.parse(readFileSync(join(dir, "run", "result.json"), "utf8"));
    expect(result).toMatchObject({ steps: 2, totalSteps: 2, seed: 9, backend: "cpu", overrides: { steps: 2, seed: 9 } });
  });

  it("puts the run in runs/<experiment>-<id8> by default, the id of its IR hash and seed", () => {
    const dir = tmp();
    const r = hgc(["run", irFile(dir, 1), "--backend", "wasm", "--quiet"], dir);
    expect(r.status).toBe(0);
    const ir = tinyIr({ steps: 1 });
    const id = trialId(ir.hash, ir.seed);
    expect(JSON.parse(readFileSync(join(dir, "runs", `tiny-${id.slice(0, 8)}`, "result.json"), "utf8")).id).toBe(id);
  });

  it("prints the compiler's diagnostics and runs nothing for a .hgc file with errors", () => {
    const dir = tmp();
    const file = join(dir, "bad.hgc");
    writeFileSync(file, "experiment e {\n  seed = 1\n  objective = gen\n}\n");
    const r = hgc(["run", file, "--backend", "wasm"], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/bad\.hgc:3/);
    expect(r.stderr).toMatch(/nothing was run/);
    expect(existsSync(join(dir, "runs"))).toBe(false);
  });

  it("reports a missing file as a usage error without a stack trace", () => {
    const r = hgc(["run", "nope.hgc"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^hgc: error: cannot read `nope.hgc`/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it("on Ctrl-C finishes the step, writes a checkpoint, exits 130, and --resume completes the run", async () => {
    const dir = tmp();
    const file = irFile(dir, 60);
    const out = join(dir, "run");
    const child = spawn(process.execPath, [CLI, "run", file, "--out", out, "--backend", "wasm", "--json"], { cwd: dir });
    let buffer = "";
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on("data", (chunk: Buffer) => {
        buffer += chunk.toString();
        if (buffer.includes('"type":"step"') && !child.killed) child.kill("SIGINT");
      });
      child.on("exit", (c) => resolve(c));
    });
    expect(code).toBe(130);
    const events = buffer.trim().split("\n").map((l) => JSON.parse(l));
    const end = events.at(-1);
    expect(end).toMatchObject({ type: "end", status: "interrupted" });
    expect(events.some((e) => e.type === "checkpoint" && e.step === end.step)).toBe(true);
    expect(end.step).toBeLessThan(60);
    const mismatch = hgc(["run", file, "--out", out, "--backend", "wasm", "--json", "--resume", "--seed", "5"], dir);
    expect(mismatch.status).toBe(1); // the checkpoint belongs to seed 1
    const again = hgc(["run", file, "--out", out, "--backend", "wasm", "--json", "--resume"], dir);
    expect(again.status).toBe(0);
    const evs = again.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(evs[0]).toMatchObject({ type: "start", startStep: end.step });
    expect(evs.at(-1)).toMatchObject({ type: "end", status: "completed", step: 60 });
  });
});

describe("hgc export and hgc doctor", () => {
  it("exports a run's weights as safetensors", () => {
    const dir = tmp();
    expect(hgc(["run", irFile(dir, 2), "--out", join(dir, "run"), "--backend", "wasm", "--quiet"], dir).status).toBe(0);
    const r = hgc(["export", join(dir, "run"), "--format", "safetensors", "--out", join(dir, "w.safetensors")], dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/of step 2 to .*w\.safetensors/);
    const buf = readFileSync(join(dir, "w.safetensors"));
    const header = JSON.parse(buf.subarray(8, 8 + Number(buf.readBigUInt64LE(0))).toString());
    expect(header["enc.wte"]).toMatchObject({ dtype: "F32", shape: [4, 16] });
    expect(hgc(["export", join(dir, "run"), "--format", "onnx"], dir).status).toBe(2);
  });

  it("lists the backends, which one auto picks, and the data cache", () => {
    const r = hgc(["doctor"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/ok\s+wasm/);
    expect(r.stdout).toMatch(/ok\s+cpu/);
    expect(r.stdout).toMatch(/auto picks (wasm|tensorflow)/);
    expect(r.stdout).toMatch(/data cache /);
  });
});
