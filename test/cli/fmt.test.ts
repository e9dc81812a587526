import { spawnSync } from "node:child_process";
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../cli/fmt.js";

const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const UGLY = "experiment a{seed=1\n\n\n   objective=gen+l*con   // why\n}\n";
const PRETTY = "experiment a {\n  seed = 1\n\n  objective = gen + l * con  // why\n}\n";

let dir: string;
let out: string;
let err: string;

async function run(...argv: string[]): Promise<number> {
  out = "";
  err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  try {
    return await main(argv);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hgc-fmt-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("hgc fmt", () => {
  it("prints the formatted text of one file to stdout", async () => {
    const p = file("a.hgc", UGLY);
    expect(await run(p)).toBe(0);
    expect(out).toBe(PRETTY);
    expect(readFileSync(p, "utf8")).toBe(UGLY);
  });

  it("lists the files that would change with --check and exits 1", async () => {
    const ugly = file("ugly.hgc", UGLY);
    const pretty = file("pretty.hgc", PRETTY);
    expect(await run("--check", ugly, pretty)).toBe(1);
    expect(out).toBe(`${ugly}\n`);
    expect(await run("--check", pretty)).toBe(0);
    expect(out).toBe("");
  });

  it("rewrites only the files that change with --write, leaving no temporary file", async () => {
    const ugly = file("ugly.hgc", UGLY);
    const pretty = file("pretty.hgc", PRETTY);
    expect(await run("--write", ugly, pretty)).toBe(0);
    expect(readFileSync(ugly, "utf8")).toBe(PRETTY);
    expect(readFileSync(pretty, "utf8")).toBe(PRETTY);
    expect(out).toBe(`formatted ${ugly}\n`);
    expect(readdirSync(dir).sort()).toEqual(["pretty.hgc", "ugly.hgc"]);
  });

  it("rewrites the target of a symlink and keeps the link", async () => {
    const target = file("target.hgc", UGLY);
    const link = join(dir, "link.hgc");
    symlinkSync(target, link);
    expect(await run("--write", link)).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, "utf8")).toBe(PRETTY);
  });

  it("formats every .hgc file below a folder", async () => {
    mkdirSync(join(dir, "sub"));
    const a = file("sub/a.hgc", UGLY);
    file("notes.txt", "not hgc");
    expect(await run("--check", dir)).toBe(1);
    expect(out).toBe(`${a}\n`);
  });

  it("prints syntax errors with their position and code, exits 1 and leaves the file alone", async () => {
    const bad = file("bad.hgc", "experiment a {\n  seed = (1\n}\n");
    expect(await run("--write", bad)).toBe(1);
    expect(err).toContain("bad.hgc:3:1: error[HGC001]: expected `)`, found `}`");
    expect(readFileSync(bad, "utf8")).toBe("experiment a {\n  seed = (1\n}\n");
  });

  it("reports a missing file in one line and exits 2", async () => {
    expect(await run(join(dir, "missing.hgc"))).toBe(2);
    expect(err).toBe(`hgc fmt: error: ${join(dir, "missing.hgc")}: no such file or folder\n`);
  });

  // root may write anywhere, so the case cannot be made there
  it.skipIf(process.getuid?.() === 0)("exits 2 when a file cannot be written", async () => {
    const ugly = file("ugly.hgc", UGLY);
    chmodSync(dir, 0o500);
    try {
      expect(await run("--write", ugly)).toBe(2);
      expect(err).toMatch(/^hgc fmt: error: .*ugly\.hgc: permission denied\n$/);
    } finally {
      chmodSync(dir, 0o700);
    }
  });

  it("rejects bad usage with exit 2", async () => {
    expect(await run()).toBe(2);
    expect(await run("--check", "--write", "x.hgc")).toBe(2);
    // Unknown options are the shared argument parser's UserError (exit 2 through cli/main.ts: test/cli/args.test.ts).
    await expect(run("--frobnicate", "x.hgc")).rejects.toThrow(/unknown option `--frobnicate`/);
    const a = file("a.hgc", PRETTY);
    const b = file("b.hgc", PRETTY);
    expect(await run(a, b)).toBe(2);
    expect(err).toContain("exactly one file");
  });

  it("formats stdin with `-` through the built command", () => {
    const r = spawnSync(process.execPath, [CLI, "fmt", "-"], { input: UGLY, encoding: "utf8" });
    expect(r.stdout).toBe(PRETTY);
    expect(r.status).toBe(0);
    const check = spawnSync(process.execPath, [CLI, "fmt", "--check", "-"], { input: UGLY, encoding: "utf8" });
    expect([check.status, check.stdout]).toEqual([1, "<stdin>\n"]);
    const bad = spawnSync(process.execPath, [CLI, "fmt", "-"], { input: "experiment a { seed = }", encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("<stdin>:1:23: error[HGC001]: expected a value, found `}`");
  });
});
