// The red-team list of issue 20, replayed through the built CLI: damaged checkpoints, a
// hand-edited IR, a full disk, a read-only or forbidden folder, a locked results database,
// SIGTERM, readers fed a FIFO or /dev/zero, invalid UTF-8 under `fmt --write`, absurd flags.
// Faults of the world are real: a tiny tmpfs (or a read-only one) mounted in a private mount
// namespace (`unshare`), a folder the process does not own, a second process holding the lock.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync, chmodSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { tinyIr } from "../runtime/fixtures.js";

const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), "hgc-harden-"));
const STACK = /at .*\.js:\d+|internal error/;

function hgc(args: string[], cwd: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", ...env } });
}

/** A shell command run in a private mount namespace (so a tmpfs mounted there vanishes with it). */
function inNamespace(script: string, cwd: string, flags = ["-rm"]) {
  return spawnSync("unshare", [...flags, "sh", "-c", script], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
}
/** Whether this machine lets an unprivileged process mount a tmpfs in a namespace of its own. */
const canUnshare = spawnSync("unshare", ["-rm", "sh", "-c", 'mount -t tmpfs -o size=64k tmpfs "$0"', mkdtempSync(join(tmpdir(), "hgc-probe-"))]).status === 0;

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "0"]);
  return r.pid!;
}

const step = (n: number) => `step-${String(n).padStart(8, "0")}`;

// One small run (4 steps, checkpoints at 2 and 4) that every scenario copies.
let base = "";
let work = "";
let irPath = "";
beforeAll(() => {
  work = tmp();
  irPath = join(work, "tiny.json");
  writeFileSync(irPath, JSON.stringify(tinyIr({ steps: 4, checkpointEvery: 2 })));
  base = join(work, "base");
  const r = hgc(["run", irPath, "--out", base, "--backend", "wasm", "--quiet"], work);
  expect(r.status, r.stderr).toBe(0);
});

function copyRun(name: string): string {
  const dir = join(work, name);
  cpSync(base, dir, { recursive: true });
  return dir;
}

describe("checkpoints prove their integrity", () => {
  it("eval refuses a checkpoint with flipped bytes; --resume falls back to the newest intact one and reproduces the run", () => {
    const run = copyRun("flipped");
    const file = join(run, "checkpoints", step(4), "weights.safetensors");
    const bytes = readFileSync(file);
    for (let i = 0; i < 50; i++) bytes[200 + i * 7] ^= 0x5a;
    writeFileSync(file, bytes);

    const ev = hgc(["eval", run, "--backend", "wasm"], work);
    expect(ev.status).toBe(1);
    expect(ev.stderr).toMatch(/damaged: weights\.safetensors does not match its sha256 checksum/);
    expect(ev.stderr).not.toMatch(STACK);

    const resumed = hgc(["run", irPath, "--out", run, "--backend", "wasm", "--resume", "--quiet"], work);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming from the newest intact checkpoint instead: step 2/);
    // Steps 3–4 trained again from step 2 give the very weights of the uninterrupted run.
    expect(readFileSync(file).equals(readFileSync(join(base, "checkpoints", step(4), "weights.safetensors")))).toBe(true);
  });

  it("falls back past a truncated latest checkpoint, and refuses when none is intact", () => {
    const run = copyRun("truncated");
    const opt = join(run, "checkpoints", step(4), "optimizer.safetensors");
    truncateSync(opt, Math.floor(statSync(opt).size / 2));
    const resumed = hgc(["run", irPath, "--out", run, "--backend", "wasm", "--resume", "--quiet"], work);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/optimizer\.safetensors is \d+ bytes, its manifest says \d+ \(truncated\?\)/);
    expect(resumed.stderr).toMatch(/instead: step 2/);

    for (const n of [2, 4]) truncateSync(join(run, "checkpoints", step(n), "weights.safetensors"), 100);
    const none = hgc(["run", irPath, "--out", run, "--backend", "wasm", "--resume", "--quiet"], work);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/no intact checkpoint in/);
    expect(none.stderr).not.toMatch(STACK);
    expect(JSON.parse(readFileSync(join(run, "result.json"), "utf8")).status).toBe("completed");
  });

  it("refuses a NaN weight and the weights of another model with a clear error; an old checkpoint loads with a warning", () => {
    const run = copyRun("old");
    const dir = join(run, "checkpoints", step(4));
    // As written by an hgc without manifests: no checksums, no copy of the IR.
    const state = JSON.parse(readFileSync(join(dir, "state.json"), "utf8"));
    delete state.files;
    delete state.checksum;
    writeFileSync(join(dir, "state.json"), JSON.stringify(state));
    rmSync(join(dir, "ir.json"));

    const other = join(run, "ir.json");
    const own = readFileSync(other);
    writeFileSync(other, JSON.stringify(tinyIr({ steps: 4, checkpointEvery: 2, levels: 8 })));
    const wrong = hgc(["eval", run, "--backend", "wasm"], work);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/holds the weights of another model: enc\.wte has 64 values, the model needs 128/);
    expect(wrong.stderr).toMatch(/used unverified/);
    expect(wrong.stderr).not.toMatch(STACK);
    writeFileSync(other, own);

    const weights = readFileSync(join(dir, "weights.safetensors"));
    weights.writeFloatLE(NaN, 8 + Number(weights.readBigUInt64LE(0)));
    writeFileSync(join(dir, "weights.safetensors"), weights);
    const nan = hgc(["eval", run, "--backend", "wasm"], work);
    expect(nan.status).toBe(1);
    expect(nan.stderr).toMatch(/holds a non-finite weight: .*\[0\] is NaN/);
    expect(nan.stderr).not.toMatch(STACK);
  });
});

describe("a hand-edited IR", () => {
  it("is flagged as edited, and a resume with it is refused naming the fields (after the leftovers of dead writers are cleaned)", () => {
    const run = copyRun("edited");
    // Leftovers: a crash between moving step 4 aside and renaming its new copy into place, a
    // dead writer's half folder and temporary file, and a live writer's folder (this process).
    const ck = join(run, "checkpoints");
    const dead = deadPid();
    cpSync(join(ck, step(4)), join(ck, `.${step(4)}.${dead}.tmp.old`), { recursive: true });
    rmSync(join(ck, step(4)), { recursive: true });
    mkdirSync(join(ck, `.${step(4)}.${dead}.tmp`));
    writeFileSync(join(ck, `.${step(4)}.${dead}.tmp`, "weights.safetensors"), "half");
    mkdirSync(join(ck, `.${step(6)}.${process.pid}.tmp`));
    writeFileSync(join(run, `.result.json.${dead}.0.tmp`), "{");
    const ir = JSON.parse(readFileSync(irPath, "utf8"));
    ir.optimizer.lr = 0.5;
    ir.train.batch = 6;
    const edited = join(work, "edited.json");
    writeFileSync(edited, JSON.stringify(ir));
    const r = hgc(["run", edited, "--out", run, "--backend", "wasm", "--resume", "--quiet"], work);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/edited\.json` was edited after it was compiled/);
    expect(r.stderr).toMatch(/differs from the one .* was run with, in 2 fields: ~ optimizer\.lr: 0\.003 → 0\.5; ~ train\.batch: 8 → 6/);
    expect(r.stderr).not.toMatch(STACK);
    expect(JSON.parse(readFileSync(join(run, "result.json"), "utf8")).status).toBe("completed");
    // The half-replaced step 4 is whole again; only the dead writers' leftovers are gone.
    expect(readdirSync(ck).sort()).toEqual([`.${step(6)}.${process.pid}.tmp`, step(2), step(4)]);
    expect(readFileSync(join(ck, step(4), "weights.safetensors")).equals(readFileSync(join(base, "checkpoints", step(4), "weights.safetensors")))).toBe(true);
  });

  it("with batch 1 and a contrastive loss fails the run with a message, not a stack", () => {
    const ir = JSON.parse(readFileSync(irPath, "utf8"));
    ir.train.batch = 1;
    const file = join(work, "batch1.json");
    writeFileSync(file, JSON.stringify(ir));
    const r = hgc(["run", file, "--out", join(work, "batch1"), "--backend", "wasm", "--quiet"], work);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/train\.batch is 1: the contrastive loss `con` needs at least 2 images a batch/);
    expect(r.stderr).not.toMatch(STACK);
  });
});

describe("faults of the world are user errors", () => {
  it.skipIf(!canUnshare)("a full disk mid-run: exit 1, the last good checkpoint named, result.json saying what happened", () => {
    // Room for the run folder and one checkpoint, not two (KEEP=2 writes the second beside the first).
    const page = 4096;
    const pages = (f: string) => Math.ceil(statSync(f).size / page);
    const first = join(base, "checkpoints", step(2));
    const room = readdirSync(first).reduce((n, f) => n + pages(join(first, f)), 0) + pages(join(base, "ir.json")) + 3;
    const mnt = join(work, "full");
    const saved = join(work, "full-copy");
    mkdirSync(mnt);
    const r = inNamespace(
      `mount -t tmpfs -o size=${room * page} tmpfs "${mnt}" && "${process.execPath}" "${CLI}" run "${irPath}" --out "${mnt}/r" --backend wasm --quiet; rc=$?; cp -r "${mnt}/r" "${saved}"; exit $rc`,
      work,
    );
    expect(r.stderr).toMatch(/writing the checkpoint of step 4 in .* failed: no space left on the device .*\[ENOSPC\]/);
    expect(r.stderr).toMatch(/hint: .*the last good checkpoint is step 2 .*--resume/);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.status).toBe(1);
    const result = JSON.parse(readFileSync(join(saved, "result.json"), "utf8"));
    expect(result).toMatchObject({ status: "failed", steps: 4 });
    expect(result.error.message).toMatch(/ENOSPC/);
    expect(readdirSync(join(saved, "checkpoints"))).toEqual([step(2)]);
  });

  it.skipIf(!canUnshare)("a read-only file system and a folder without write permission: exit 2 with a hint", () => {
    const mnt = join(work, "ro");
    mkdirSync(mnt);
    const ro = inNamespace(`mount -t tmpfs -o ro tmpfs "${mnt}" && "${process.execPath}" "${CLI}" run "${irPath}" --out "${mnt}/a/r" --backend wasm --quiet`, work);
    expect(ro.status).toBe(2);
    expect(ro.stderr).toMatch(/creating the run folder .* failed: the file system is read-only .*\[EROFS\]/);
    expect(ro.stderr).toMatch(/hint: write elsewhere with --out/);
    expect(ro.stderr).not.toMatch(STACK);

    const locked = join(work, "locked");
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    // Mapped to an unprivileged user that owns the folder, so its permission bits apply even under root.
    const acc = inNamespace(`"${process.execPath}" "${CLI}" run "${irPath}" --out "${locked}/r" --backend wasm --quiet`, work, ["--map-user=1000", "--map-group=1000"]);
    expect(acc.status).toBe(2);
    expect(acc.stderr).toMatch(/failed: permission denied .*\[EACCES\]/);
    expect(acc.stderr).not.toMatch(STACK);
  });

  it("a locked results database is waited for, then reported", async () => {
    const root = join(work, "db");
    mkdirSync(root);
    cpSync(base, join(root, "a"), { recursive: true });
    expect(hgc(["runs", "--root", root], work).status).toBe(0);
    cpSync(base, join(root, "b"), { recursive: true }); // a new run to index: a write
    const sqlite = createRequire(import.meta.url).resolve("better-sqlite3");
    const hold = (ms: number) =>
      spawn(process.execPath, [
        "-e",
        `const db = new (require(${JSON.stringify(sqlite)}))(${JSON.stringify(join(root, "hgc.sqlite"))}); db.exec("BEGIN EXCLUSIVE"); console.log("locked"); setTimeout(() => { db.exec("COMMIT"); process.exit(0); }, ${ms});`,
      ]);
    const held = (child: ReturnType<typeof hold>) => new Promise<void>((resolve) => child.stdout!.once("data", () => resolve()));
    const run = (env: Record<string, string>) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const c = spawn(process.execPath, [CLI, "runs", "--root", root], { cwd: work, env: { ...process.env, NO_COLOR: "1", ...env } });
        let stdout = "";
        let stderr = "";
        c.stdout.on("data", (d) => (stdout += d));
        c.stderr.on("data", (d) => (stderr += d));
        c.on("exit", (status) => resolve({ status, stdout, stderr }));
      });

    const long = hold(60_000);
    await held(long);
    const refused = await run({ HGC_DB_WAIT_MS: "300" });
    long.kill();
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/the results database .*hgc\.sqlite is locked by another process \(waited \d/);
    expect(refused.stderr).toMatch(/hint: wait for the other hgc command/);
    expect(refused.stderr).not.toMatch(STACK);

    const brief = hold(1000);
    await held(brief);
    const waited = await run({ HGC_DB_WAIT_MS: "60000" });
    expect(waited.status, waited.stderr).toBe(0);
    expect(waited.stdout).toMatch(/\bb\b/);
  });

  it("SIGTERM finishes the step, leaves a resumable checkpoint and exits 143", async () => {
    const dir = tmp();
    const file = join(dir, "long.json");
    writeFileSync(file, JSON.stringify(tinyIr({ steps: 60 })));
    const out = join(dir, "run");
    const child = spawn(process.execPath, [CLI, "run", file, "--out", out, "--backend", "wasm", "--json"], { cwd: dir });
    let buffer = "";
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on("data", (chunk: Buffer) => {
        buffer += chunk.toString();
        if (buffer.includes('"type":"step"') && !child.killed) child.kill("SIGTERM");
      });
      child.on("exit", (c) => resolve(c));
    });
    expect(code).toBe(143);
    const end = buffer.trim().split("\n").map((l) => JSON.parse(l)).at(-1);
    expect(end).toMatchObject({ type: "end", status: "interrupted" });
    expect(existsSync(join(out, "checkpoints", step(end.step), "state.json"))).toBe(true);
    const again = hgc(["run", file, "--out", out, "--backend", "wasm", "--json", "--resume"], dir);
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout.split("\n")[0]!)).toMatchObject({ type: "start", startStep: end.step });
  });
});

describe("readers refuse what they should not read", () => {
  it("fmt refuses a FIFO, a symlink to /dev/zero and an endless stdin", () => {
    const dir = tmp();
    spawnSync("mkfifo", [join(dir, "pipe.hgc")]);
    symlinkSync("/dev/zero", join(dir, "zero.hgc"));
    const fifo = hgc(["fmt", "pipe.hgc"], dir);
    expect(fifo.status).toBe(2);
    expect(fifo.stderr).toMatch(/pipe\.hgc: is not a regular file \(a named pipe\)/);
    const zero = hgc(["fmt", "--write", "zero.hgc"], dir);
    expect(zero.status).toBe(2);
    expect(zero.stderr).toMatch(/zero\.hgc: is not a regular file \(a character device\)/);
    const stdin = spawnSync("sh", ["-c", `"${process.execPath}" "${CLI}" fmt - < /dev/zero`], { cwd: dir, encoding: "utf8" });
    expect(stdin.status).toBe(2);
    expect(stdin.stderr).toMatch(/<stdin>: is too large/);
  });

  it("report refuses a run folder whose files are a symlink to /dev/zero or a FIFO", () => {
    const run = copyRun("devices");
    rmSync(join(run, "metrics.jsonl"));
    symlinkSync("/dev/zero", join(run, "metrics.jsonl"));
    const zero = hgc(["report", run], work);
    expect(zero.status).toBe(2);
    expect(zero.stderr).toMatch(/metrics\.jsonl: it is not a regular file \(a character device\)/);
    expect(zero.stderr).not.toMatch(STACK);
    rmSync(join(run, "result.json"));
    spawnSync("mkfifo", [join(run, "result.json")]);
    const fifo = hgc(["report", run], work);
    expect(fifo.status).toBe(2);
    expect(fifo.stderr).toMatch(/result\.json: it is not a regular file \(a named pipe\)/);
  });

  it("fmt --write keeps the bytes it does not change, invalid UTF-8 included", () => {
    const dir = tmp();
    const file = join(dir, "latin1.hgc");
    const comment = Buffer.from([0x2f, 0x2f, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x20, 0xff, 0xfe, 0x20, 0xed, 0xa0, 0x80, 0x20, 0xe2, 0x82, 0xac]); // "// café" in Latin-1, junk, a CESU surrogate, "€"
    writeFileSync(file, Buffer.concat([Buffer.from("experiment e {\n    seed   =  1 "), comment, Buffer.from("\n}\n")]));
    const r = hgc(["fmt", "--write", "latin1.hgc"], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(file).equals(Buffer.concat([Buffer.from("experiment e {\n  seed = 1  "), comment, Buffer.from("\n}\n")]))).toBe(true);
    expect(readFileSync(file).includes(Buffer.from("\ufffd"))).toBe(false);
  });

  it("rejects numeric flags out of range", () => {
    const dir = tmp();
    const steps = hgc(["run", irPath, "--steps", "99999999999999999999"], dir);
    expect(steps.status).toBe(2);
    expect(steps.stderr).toMatch(/`--steps` must be an integer ≤ 2147483647, got `99999999999999999999`/);
    const ckpt = hgc(["eval", base, "--checkpoint", "1e3"], dir);
    expect(ckpt.status).toBe(2);
    expect(ckpt.stderr).toMatch(/`--checkpoint` must be an integer/);
  });
});
