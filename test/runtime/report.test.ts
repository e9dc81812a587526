import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main as reportMain } from "../../cli/report.js";
import { UserError } from "../../common/errors.js";
import type { RunEvent } from "../../runtime/events.js";
import { encodePng } from "../../runtime/image.js";
import { formatValue } from "../../common/format.js";
import { linePlot, niceTicks, readRun, summaryTable, writeReports } from "../../runtime/report.js";

const FINAL = {
  "linear_probe.accuracy": 0.8125,
  "linear_probe.ece": 0.0412,
  "knn.accuracy": 0.7931,
  bits_per_dim: 1.2345,
  "ood.auroc": 0.9021,
  "ood.likelihood.auroc": 0.9021,
  "ood.likelihood.fpr95": 0.3333,
  "robustness.blur.1.accuracy": 0.8,
  "robustness.blur.accuracy": 0.7,
  "robustness.mean_accuracy": 0.7,
  "robustness.clean_accuracy": 0.8125,
  "robustness.drop": 0.1125,
  "samples.count": 4,
};

/** A small hand-written run folder: 4 logged steps, evaluations at steps 2 and 4. */
function runFolder(opts: { result?: boolean; samples?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "hgc-report-"));
  writeFileSync(
    join(dir, "ir.json"),
    JSON.stringify({ irVersion: 1, name: "hybrid", seed: 7, hash: "ab".repeat(32), objective: { text: "gen + 0.5 * con" }, train: { steps: 4 }, estimates: { parameters: 12345 } }),
  );
  const events: RunEvent[] = [
    { type: "start", time: "2026-01-01T00:00:00Z", experiment: "hybrid", runDir: dir, backend: "cpu", kernels: [], parameters: 12345, datasets: [], totalSteps: 4, batch: 8, seed: 7, startStep: 0 },
  ];
  for (let step = 1; step <= 4; step++) {
    events.push({
      type: "step",
      step,
      totalSteps: 4,
      losses: { gen: 3 - step * 0.25, con: 4 - step * 0.5 },
      weights: { gen: 1, con: 0.5 },
      objective: 3 - step * 0.25 + 0.5 * (4 - step * 0.5),
      lr: step * 1e-4,
      gradNorm: 1,
      imagesPerSec: 100,
      msPerStep: 10,
      elapsedMs: step * 10,
    });
    if (step === 2) {
      events.push({ type: "eval", step, metrics: { ...FINAL, "linear_probe.accuracy": 0.5, "knn.accuracy": null }, skipped: [], elapsedMs: 25 });
    }
  }
  events.push({ type: "checkpoint", step: 4, path: join(dir, "checkpoints", "step4") });
  events.push({ type: "eval", step: 4, metrics: FINAL, skipped: [{ protocol: "ood.mahalanobis", reason: "a made-up reason" }], elapsedMs: 50 });
  events.push({ type: "end", step: 4, status: "completed", elapsedMs: 60, metrics: FINAL, runDir: dir });
  writeFileSync(join(dir, "metrics.jsonl"), events.map((e) => JSON.stringify(e)).join("\n") + "\n");
  if (opts.result ?? true) writeFileSync(join(dir, "result.json"), JSON.stringify({ status: "completed", experiment: "hybrid", steps: 4, metrics: FINAL }));
  if (opts.samples) writeFileSync(join(dir, "samples.png"), encodePng(new Float32Array(16).fill(0.5), 4, 4));
  return dir;
}

const dirs: string[] = [];
const folder = (opts?: { result?: boolean; samples?: boolean }) => {
  const d = runFolder(opts);
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  vi.restoreAllMocks();
});

describe("reports", () => {
  it("writes report.md and report.html containing every final metric", () => {
    const dir = folder({ samples: true });
    const { markdown, html } = writeReports(dir);
    const md = readFileSync(markdown, "utf8");
    const page = readFileSync(html, "utf8");
    for (const [name, value] of Object.entries(FINAL)) {
      expect(md, name).toContain(`\`${name}\``);
      expect(page, name).toContain(name);
      expect(md).toContain(formatValue(value));
    }
    expect(md).toContain("| `linear_probe.accuracy` | 0.8125 |");
    expect(md).toContain("| `knn.accuracy` | — | 0.7931 |"); // null at step 2, a value at step 4
    expect(md).toContain("`ood.mahalanobis`: a made-up reason");
    expect(md).toContain("![samples](samples.png)");
  });

  it("makes the HTML self-contained, with an inline SVG plot per loss term, the lr and each protocol", () => {
    const dir = folder({ samples: true });
    const page = readFileSync(writeReports(dir).html, "utf8");
    for (const title of ["loss: gen", "loss: con", "objective", "learning rate", "linear_probe at each evaluation", "ood at each evaluation", "robustness at each evaluation"]) {
      expect(page, title).toContain(`aria-label="${title}"`);
    }
    expect(page).toContain('aria-label="robustness: accuracy by severity (final)"');
    expect(page.match(/<svg /g)!.length).toBeGreaterThanOrEqual(10);
    expect(page).toContain('src="data:image/png;base64,');
    expect(page).not.toMatch(/(src|href)="(https?:|\/\/|[^d"#][^"]*\.(png|css|js))/);
    expect(page).not.toMatch(/<script|<link/);
  });

  it("falls back to the end event's metrics when there is no result.json", () => {
    const s = readRun(folder({ result: false }));
    expect(s.status).toBe("completed");
    expect(s.metrics).toEqual(FINAL);
    expect(s.steps.map((p) => p.step)).toEqual([1, 2, 3, 4]);
    expect(s.evals.map((e) => e.step)).toEqual([2, 4]);
  });

  it("tolerates a last line cut short by a crash", () => {
    const dir = folder({ result: false });
    writeFileSync(join(dir, "metrics.jsonl"), readFileSync(join(dir, "metrics.jsonl"), "utf8").split("\n").slice(0, 3).join("\n") + '\n{"type":"st');
    const s = readRun(dir);
    expect(s.status).toBe("running or interrupted");
    expect(s.steps).toHaveLength(2);
  });

  it("reports a missing folder, a folder without ir.json and corrupt files as one UserError each", () => {
    expect(() => readRun("/nonexistent/run")).toThrow(UserError);
    expect(() => readRun("/nonexistent/run")).toThrow(/no run folder at \/nonexistent\/run/);
    const empty = mkdtempSync(join(tmpdir(), "hgc-report-"));
    dirs.push(empty);
    expect(() => readRun(empty)).toThrow(/is not a run folder: it has no ir.json/);
    const a = folder();
    writeFileSync(join(a, "result.json"), "{ not json");
    expect(() => readRun(a)).toThrow(/result\.json: not valid JSON \(line 1\)$/);
    const b = folder();
    writeFileSync(join(b, "metrics.jsonl"), 'garbage\n{"type":"end"}\n');
    expect(() => readRun(b)).toThrow(/metrics\.jsonl: line 1 is not valid JSON$/);
    const c = folder();
    writeFileSync(join(c, "result.json"), '{\n  "status": "completed",\n  "steps": 4,\n}\n');
    expect(() => readRun(c)).toThrow(/result\.json: not valid JSON \(line 4\)$/);
    writeFileSync(join(c, "result.json"), JSON.stringify({ status: "completed", steps: "four" }));
    expect(() => readRun(c)).toThrow(/result\.json: `steps` \("four"\) is not what hgc writes there$/);
    writeFileSync(join(c, "result.json"), JSON.stringify({ status: "done" }));
    expect(() => readRun(c)).toThrow(/result\.json: `status` \("done"\)/);
    const d = folder();
    writeFileSync(join(d, "metrics.jsonl"), '{"type":"step","step":1}\n{"type":"eval"}\n{"type":"end","step":1}\n');
    expect(() => readRun(d)).toThrow(/metrics\.jsonl: line 2: `step` is missing$/);
    writeFileSync(join(d, "ir.json"), "[]");
    expect(() => readRun(d)).toThrow(/ir\.json: not an object$/);
  });

  it("reads the trainer's result.json: parameters, timings and the last losses when no step was logged", () => {
    const dir = folder({ result: false });
    writeFileSync(join(dir, "metrics.jsonl"), "");
    writeFileSync(
      join(dir, "result.json"),
      JSON.stringify({ status: "completed", steps: 4, totalSteps: 4, parameters: 999, losses: { gen: 1.25, con: 2.5 }, objective: 2.5, metrics: FINAL, timings: { totalMs: 125_000, msPerStep: 12.5 } }),
    );
    const s = readRun(dir);
    expect(s.parameters).toBe(999);
    expect(s.step).toBe(4);
    const table = summaryTable(s);
    expect(table).toMatch(/time\s+2m05s \(12\.5 ms\/step\)/);
    expect(table).toMatch(/loss\.con\s+2\.5/);
    expect(table).toMatch(/parameters\s+999/);
  });

  it("shows why a failed run failed", () => {
    const dir = folder();
    writeFileSync(join(dir, "result.json"), JSON.stringify({ status: "failed", steps: 3, metrics: {}, error: { message: "loss `con` became NaN at step 3", step: 3 } }));
    const s = readRun(dir);
    expect(s.status).toBe("failed");
    expect(summaryTable(s)).toMatch(/error\s+loss `con` became NaN at step 3/);
    expect(readFileSync(writeReports(dir).markdown, "utf8")).toContain("| error | loss `con` became NaN at step 3 |");
    // It evaluated before failing; those figures are its last word.
    expect(s.metrics).toEqual(FINAL);
  });

  it("formats values to four significant digits and a missing one as a dash", () => {
    expect(formatValue(0.81254)).toBe("0.8125");
    expect(formatValue(1.5)).toBe("1.5");
    expect(formatValue(4)).toBe("4");
    expect(formatValue(2e-5)).toBe("2e-5");
    expect(formatValue(null)).toBe("—");
  });

  it("chooses round axis ticks that cover the data", () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 97)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(2, 2, 5, true)).toEqual([1, 2, 3]);
    expect(niceTicks(1, 3, 5, true)).toEqual([1, 2, 3]);
    const flat = niceTicks(2, 2);
    expect(flat[0]).toBeLessThan(2);
    expect(flat.at(-1)).toBeGreaterThan(2);
  });

  it("draws one path per series through every point", () => {
    const svg = linePlot("t", [{ name: "a", points: [[0, 0], [10, 1]] }, { name: "b<c", points: [[0, 1], [10, 0]] }]);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain("b&lt;c");
    expect(svg.match(/<circle /g)).toHaveLength(4);
  });
});

describe("hgc report", () => {
  it("prints the summary table with every final metric and the last losses", async () => {
    const dir = folder();
    let out = "";
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((out += String(chunk)), true));
    expect(await reportMain([dir])).toBe(0);
    for (const name of Object.keys(FINAL)) expect(out).toContain(name);
    expect(out).toMatch(/linear_probe\.accuracy\s+0\.8125/);
    expect(out).toMatch(/loss\.gen\s+2/);
    expect(out).toContain("ood.mahalanobis: a made-up reason");
    expect(summaryTable(readRun(dir))).toBe(out);
    expect(existsSync(join(dir, "report.md"))).toBe(false);
  });

  it("rewrites the report files with --write", async () => {
    const dir = folder();
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    expect(await reportMain([dir, "--write"])).toBe(0);
    expect(existsSync(join(dir, "report.md"))).toBe(true);
    expect(existsSync(join(dir, "report.html"))).toBe(true);
  });

  it("fails with a usage error for a missing folder or no argument", async () => {
    await expect(reportMain(["/nonexistent/run"])).rejects.toMatchObject({ name: "UserError", exitCode: 2 });
    await expect(reportMain([])).rejects.toThrow(/takes one run folder/);
    await expect(reportMain(["--bogus", "x"])).rejects.toThrow(/unknown option `--bogus`/);
  });
});
