// The real `hgc run` at a terminal: a pseudo-terminal (python3's pty module, driven by
// pty-drive.py) stands in for a person's terminal, and a small terminal emulator replays what
// hgc wrote to it to give the screen the person is left with.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Screen } from "./screen.js";

const CLI = join(process.cwd(), "dist", "cli", "main.js");
const DRIVER = join(process.cwd(), "test", "cli", "ui", "pty-drive.py");
const COLS = 100;
const ROWS = 40;

function tinyExperiment(steps: number, every: number): string {
  return `// a tiny hybrid experiment on synthetic shapes
experiment tiny {
  seed = 3

  dataset train = synthetic(split: "train", count: 128, classes: 4, size: 8x8)
  dataset test  = synthetic(split: "test", count: 64, classes: 4, size: 8x8)

  tokens pixels = quantize(size: 8x8, levels: 4)
  views aug = augment(crop: 0.7..1.0, noise: 0.05)

  encoder enc = transformer(tokens: pixels, layers: 1, width: 16, heads: 2, mlp: 2, causal: true, pool: mean)

  head proj = mlp(enc.pooled, hidden: [16], out: 8)
  head lm   = linear(enc.tokens, out: pixels.vocab)

  loss con = ntxent(proj, views: aug, temperature: 0.5)
  loss gen = autoregressive(lm, target: pixels)

  objective = gen + 0.5 * con

  optimizer = adam(lr: 3e-3)
  train(data: train, steps: ${steps}, batch: 16, eval_every: ${every}, checkpoint_every: ${every})

  evaluate {
    knn(features: enc.pooled, k: 5, train: train, test: test)
    bits_per_dim(data: test)
  }
}
`;
}

interface Driven {
  code: number | null;
  signal: number | null;
  interruptedAt: number | null;
  timedOut: boolean;
  /** Everything hgc wrote to the terminal. */
  raw: string;
  screen: Screen;
}

/** Runs `hgc ARGS` in `cwd` at a 100×40 pseudo-terminal; types Ctrl-C once `interruptWhen` shows. */
function atTerminal(args: string[], cwd: string, interruptWhen = "", extraEnv: NodeJS.ProcessEnv = {}): Driven {
  const transcript = join(cwd, "terminal.out");
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: "xterm-256color", HGC_DB: "" };
  // A terminal as a person has one: not CI (which turns the TUI off), colours allowed.
  delete env.CI;
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  Object.assign(env, extraEnv);
  const r = spawnSync("python3", [DRIVER, String(COLS), String(ROWS), "240", transcript, interruptWhen, "--", process.execPath, CLI, ...args], {
    cwd,
    env,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`pty-drive.py failed: ${r.stderr}`);
  const result = JSON.parse(r.stdout) as Omit<Driven, "raw" | "screen">;
  const raw = readFileSync(transcript, "utf8");
  return { ...result, raw, screen: new Screen(COLS, ROWS).write(raw) };
}

const CURSOR_SHOW = "\u001b[?25h";
const CURSOR_HIDE = "\u001b[?25l";

// Real training under a loaded machine can be slow; the driver gives up after 240 s itself.
describe("hgc run at a terminal", { timeout: 300_000 }, () => {
  it("shows the dashboard and leaves the final results on the screen", () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-pty-"));
    writeFileSync(join(cwd, "tiny.hgc"), tinyExperiment(8, 4));
    const run = atTerminal(["run", "tiny.hgc", "--out", "run"], cwd);
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(0);
    const screen = run.screen.text();
    const lines = screen.split("\n");
    // The header, both evaluations and checkpoints, printed once each.
    expect(screen).toMatch(/^hgc run tiny  backend \S+/m);
    expect(screen).toContain("steps 8 × batch 16  seed 3");
    expect(screen.match(/^eval at step 4/gm)).toHaveLength(1);
    expect(screen.match(/^eval at step 8/gm)).toHaveLength(1);
    expect(screen).toMatch(/^checkpoint at step 4 → \S*\/run\/checkpoints\/\S+/m);
    // The live part, drawn over in place: one progress bar, at its end.
    expect(lines.filter((l) => /\d+\/8 +\d+%/.test(l))).toEqual([expect.stringMatching(/^█{30} 8\/8 100%  elapsed \d+(\.\d)?s/)]);
    for (const name of ["con", "gen", "objective", "lr"]) expect(lines.filter((l) => l.startsWith(name + " "))).toHaveLength(1);
    expect(lines.find((l) => l.startsWith("gen "))).toMatch(/^gen +×1 +\d\.\d\d +[▁▂▃▄▅▆▇█]{8}$/);
    // The summary last.
    const finished = lines.findIndex((l) => /^finished at step 8 after \d+s → \S*\/run$/.test(l));
    expect(finished).toBeGreaterThan(lines.findIndex((l) => l.startsWith("lr ")));
    expect(lines.slice(finished)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^  knn\.accuracy +0\.\d{3}$/), expect.stringMatching(/^  bits_per_dim +\d\.\d\d$/)]),
    );
    // The cursor was hidden while drawing and is shown again.
    expect(run.raw).toContain(CURSOR_HIDE);
    expect(run.screen.cursorVisible).toBe(true);
    expect(existsSync(join(cwd, "run", "result.json"))).toBe(true);
  });

  it("on Ctrl-C writes a checkpoint that resumes, and gives the terminal back with its cursor", () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-pty-"));
    writeFileSync(join(cwd, "tiny.hgc"), tinyExperiment(60, 30));
    // Ctrl-C once the dashboard shows step 3 or later of 60.
    const run = atTerminal(["run", "tiny.hgc", "--out", "run"], cwd, "(?:[3-9]|[1-5][0-9])/60 ");
    expect(run.timedOut).toBe(false);
    expect(run.interruptedAt).not.toBeNull();
    expect(run.code).toBe(130);
    const screen = run.screen.text();
    const stopped = Number(/^interrupted at step (\d+) after \d+(\.\d)?s → \S*\/run$/m.exec(screen)?.[1]);
    expect(stopped).toBeGreaterThanOrEqual(3);
    // Ctrl-C is handled at the next step, well before the evaluation at step 30.
    expect(stopped).toBeLessThan(30);
    expect(screen).toMatch(new RegExp(`^checkpoint at step ${stopped} → \\S*/run/checkpoints/`, "m"));
    expect(screen).toContain("to continue, run the same command again with --resume");
    // The terminal is restored: the last cursor command shows it.
    expect(run.raw.lastIndexOf(CURSOR_SHOW)).toBeGreaterThan(run.raw.lastIndexOf(CURSOR_HIDE));
    expect(run.screen.cursorVisible).toBe(true);
    expect(readdirSync(join(cwd, "run", "checkpoints")).length).toBeGreaterThan(0);

    // The checkpoint resumes: the run goes on from where it stopped to the end.
    const resumed = spawnSync(process.execPath, [CLI, "run", "tiny.hgc", "--out", "run", "--resume", "--json"], {
      cwd,
      encoding: "utf8",
      env: { ...process.env, HGC_DB: "" },
    });
    expect(resumed.status).toBe(0);
    const events = resumed.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; startStep?: number; step?: number; status?: string });
    expect(events.find((e) => e.type === "start")?.startStep).toBe(stopped);
    expect(events.find((e) => e.type === "step")?.step).toBe(stopped + 1);
    expect(events.at(-1)).toMatchObject({ type: "end", status: "completed", step: 60 });
  });
});

describe("hgc sweep at a terminal", { timeout: 300_000 }, () => {
  it("shows each trial done with its key metric, then the aggregate table and the Pareto points", () => {
    const cwd = mkdtempSync(join(tmpdir(), "hgc-pty-sweep-"));
    const source = tinyExperiment(6, 6).replace("objective = gen + 0.5 * con", "param lambda = 0.5\n  objective = gen + lambda * con");
    writeFileSync(
      join(cwd, "s.hgc"),
      `${source}
sweep lam {
  experiments = [tiny]
  grid lambda = [0.25, 1]
  seeds = [1]
  jobs = 2
  objectives = [maximize knn.accuracy, minimize bits_per_dim]
}
`,
    );
    const run = atTerminal(["sweep", "s.hgc"], cwd);
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(0);
    const screen = run.screen.text();
    expect(screen).toMatch(/^hgc sweep lam  experiment tiny  trials 2  jobs 2$/m);
    expect(screen).toMatch(/^✓ [0-9a-f]{8}  lambda=0\.25  seed 1 +done +knn\.accuracy 0\.\d{1,3}/m);
    expect(screen).toMatch(/^✓ [0-9a-f]{8}  lambda=1 +seed 1 +done +knn\.accuracy 0\.\d{1,3}/m);
    expect(screen).not.toMatch(/running|queued/);
    expect(screen).toMatch(/^█{30} 2\/2 done/m);
    expect(screen).toMatch(/^sweep finished after \d+(\.\d)?s: 2 done, 0 skipped, 0 failed$/m);
    expect(screen).toMatch(/^point +seeds +knn\.accuracy +bits_per_dim$/m);
    expect(screen).toMatch(/^lambda=0\.25 +1 +0\.\d{1,3} ± 0 +\d(\.\d{1,2})? ± 0$/m);
    expect(screen).toContain("pareto front (max knn.accuracy, min bits_per_dim)");
    expect(screen).toMatch(/^  ★ lambda=/m);
    expect(run.screen.cursorVisible).toBe(true);
  });
});

describe("hgc check at a terminal", { timeout: 120_000 }, () => {
  const SGR = /\u001b\[[0-9;]*m/;
  const cwd = mkdtempSync(join(tmpdir(), "hgc-pty-check-"));
  writeFileSync(join(cwd, "bad.hgc"), tinyExperiment(8, 4).replace("gen + 0.5 * con", "gen + 0.5 * conn"));

  it("colours its diagnostics on a terminal", () => {
    const run = atTerminal(["check", "bad.hgc"], cwd);
    expect(run.code).toBe(1);
    expect(run.raw).toMatch(SGR);
    expect(run.screen.text()).toContain("error[HGC010]: unknown name `conn`");
  });

  it("prints them plain on a terminal when NO_COLOR is set, and when piped", () => {
    const noColor = atTerminal(["check", "bad.hgc"], cwd, "", { NO_COLOR: "1" });
    expect(noColor.raw).toContain("error[HGC010]: unknown name `conn`");
    expect(noColor.raw).not.toMatch(SGR);
    const env = { ...process.env };
    delete env.NO_COLOR;
    delete env.FORCE_COLOR;
    const piped = spawnSync(process.execPath, [CLI, "check", "bad.hgc"], { cwd, encoding: "utf8", env });
    expect(piped.stdout + piped.stderr).toContain("error[HGC010]: unknown name `conn`");
    expect(piped.stdout + piped.stderr).not.toMatch(SGR);
  });
});
