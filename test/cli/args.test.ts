import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseArgs } from "../../cli/args.js";

const CLI = join(process.cwd(), "dist", "cli", "main.js");
const SPEC = { values: ["out", "seed"], flags: ["fresh", "json"], repeat: ["seed"], short: { v: "json" } };

describe("parseArgs", () => {
  it("reads flags, values in both spellings, repeats, short forms and positionals after --", () => {
    const a = parseArgs(["x.hgc", "--fresh", "--out", "o", "--seed=1", "--seed", "2", "-v", "--", "--not-an-option"], SPEC, "run");
    expect(a.positionals).toEqual(["x.hgc", "--not-an-option"]);
    expect(a.values).toEqual({ out: ["o"], seed: ["1", "2"] });
    expect([...a.flags].sort()).toEqual(["fresh", "json"]);
    expect(parseArgs(["-h"], SPEC, "run").flags.has("help")).toBe(true);
    expect(parseArgs(["-"], SPEC, "run").positionals).toEqual(["-"]);
  });

  it("names the nearest option when one is mistyped, and nothing when none is near", () => {
    expect(() => parseArgs(["--frsh"], SPEC, "run")).toThrow("unknown option `--frsh` for `hgc run` (did you mean `--fresh`?)");
    expect(() => parseArgs(["--colour"], SPEC, "run")).toThrow(/^unknown option `--colour` for `hgc run`$/);
    expect(() => parseArgs(["-x"], SPEC, "run")).toThrow(/^unknown option `-x` for `hgc run`$/);
  });

  it("rejects a missing value, a value given to a flag and a value given twice", () => {
    expect(() => parseArgs(["--out"], SPEC, "run")).toThrow("`--out` needs a value");
    expect(() => parseArgs(["--fresh=1"], SPEC, "run")).toThrow("`--fresh` takes no value");
    expect(() => parseArgs(["--out", "a", "--out", "b"], SPEC, "run")).toThrow("`--out` is given twice");
  });
});

describe("every command", () => {
  const commands = ["check", "compile", "fmt", "run", "eval", "report", "export", "sweep", "runs", "compare", "doctor", "lsp"];
  it.each(commands)("`hgc %s` rejects an unknown option with one line, a hint and exit 2", (command) => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-args-"));
    const r = spawnSync(process.execPath, [CLI, command, "--jsno"], { cwd, encoding: "utf8", env: { ...process.env, HGC_DB: "" } });
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(new RegExp(`^hgc: error: unknown option \`--jsno\` for \`hgc ${command}\`( \\(did you mean \`--json\`\\?\\))?\n  hint: run \`hgc ${command} --help\` to see the options\n$`));
    expect(r.status).toBe(2);
  });
});
