// `hgc check` and `hgc compile`, called in-process: exit codes, --strict, --json, and output.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main as check } from "../../cli/check.js";
import { main as compile } from "../../cli/compile.js";

const EXAMPLES = fileURLToPath(new URL("../../examples/", import.meta.url));
const CASES = fileURLToPath(new URL("./cases/", import.meta.url));

async function run(cmd: (argv: string[]) => Promise<number>, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    const code = await cmd(argv);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe("hgc check", () => {
  it("exits 0 and prints nothing for the clean examples", async () => {
    const r = await run(check, [join(EXAMPLES, "hybrid.hgc"), join(EXAMPLES, "quickstart.hgc")]);
    expect(r).toEqual({ code: 0, out: "", err: "" });
  });

  it("exits 1 and reports every error of a file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hgc-check-"));
    const f = join(dir, "two.hgc");
    writeFileSync(f, "experiment e {\n  sed = 1\n  param p = \"x\"\n}\n");
    const r = await run(check, [f]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/two\.hgc:2:3: error\[HGC016\]: unknown statement `sed = …`/);
    expect(r.out).toMatch(/error\[HGC021\]: param `p` must be a number/);
    expect(r.out).toMatch(/hint: did you mean `seed`\?/);
    expect(r.out.trimEnd().split("\n").at(-1)).toMatch(/^\d+ errors$/);
  });

  it("lets warnings pass unless --strict", async () => {
    const f = join(CASES, "warning-unused-loss", "input.hgc");
    expect((await run(check, [f])).code).toBe(0);
    expect((await run(check, [f, "--strict"])).code).toBe(1);
  });

  it("prints machine-readable diagnostics with --json", async () => {
    const r = await run(check, ["--json", join(CASES, "temperature-zero", "input.hgc")]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out);
    expect(doc.ok).toBe(false);
    expect(doc.files[0].diagnostics[0]).toMatchObject({ code: "HGC050", severity: "error", line: 9, col: 52 });
  });

  it("exits 2 with one line for a missing file or a bad option", async () => {
    const r = await run(check, ["no/such/file.hgc"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^hgc: error: cannot find no\/such\/file\.hgc\n/);
    expect((await run(check, ["--frobnicate", "x.hgc"])).code).toBe(2);
    expect((await run(check, [])).code).toBe(2);
  });

  it("does not colour piped output", async () => {
    const r = await run(check, [join(CASES, "temperature-zero", "input.hgc")]);
    expect(r.out).not.toContain("\u001b[");
  });
});

describe("hgc compile", () => {
  it("prints the IR of the first experiment as JSON", async () => {
    const r = await run(compile, [join(EXAMPLES, "quickstart.hgc")]);
    expect(r.code).toBe(0);
    const ir = JSON.parse(r.out);
    expect(ir).toMatchObject({ irVersion: 1, name: "quickstart" });
    expect(ir.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("prints a sweep's trials with --sweep", async () => {
    const r = await run(compile, [join(EXAMPLES, "hybrid.hgc"), "--sweep", "paper"]);
    expect(r.code).toBe(0);
    const sweep = JSON.parse(r.out);
    expect(sweep.trials.map((t: { experiment: string }) => t.experiment)).toEqual([
      "contrastive_only", "contrastive_only", "contrastive_only",
      "generative_only", "generative_only", "generative_only",
      "hybrid", "hybrid", "hybrid",
    ]);
  });

  it("prints diagnostics to stderr and exits 1 when the program has errors", async () => {
    const r = await run(compile, [join(CASES, "temperature-zero", "input.hgc")]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/error\[HGC050\]/);
  });
});
