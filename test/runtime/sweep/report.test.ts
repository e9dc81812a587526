import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { aggregate, type TrialOutcome } from "../../../runtime/sweep/aggregate.js";
import { writeSweepOutputs } from "../../../runtime/sweep/output.js";
import { metricPlots, niceTicks, paretoPlot, plotFileName } from "../../../runtime/sweep/plots.js";
import { toCsv, toMarkdown } from "../../../runtime/sweep/report.js";

const sweep = {
  name: "lambda_grid",
  params: ["lambda"],
  objectives: [
    { direction: "maximize" as const, metric: "acc" },
    { direction: "minimize" as const, metric: "bpd" },
  ],
};

function t(lambda: number, seed: number, acc: number, bpd: number): TrialOutcome {
  return { id: `${lambda}-${seed}`.padEnd(16, "0"), experiment: "hybrid", point: { lambda }, seed, status: "completed", runDir: "/r", metrics: { acc, bpd } };
}

// λ=0.1: acc (0.6, 0.8) → 0.7 ± 0.1414; bpd (3.0, 3.2) → 3.1
// λ=1:   acc (0.9, 0.9) → 0.9 ± 0;      bpd (3.5, 3.7) → 3.6
// λ=10:  acc (0.5, 0.7) → 0.6;          bpd (3.6, 3.8) → 3.7  (dominated by both)
const trials = [t(0.1, 1, 0.6, 3.0), t(0.1, 2, 0.8, 3.2), t(1, 1, 0.9, 3.5), t(1, 2, 0.9, 3.7), t(10, 1, 0.5, 3.6), t(10, 2, 0.7, 3.8)];
const failed: TrialOutcome = { id: "f".repeat(16), experiment: "hybrid", point: { lambda: 10 }, seed: 3, status: "failed", runDir: "/r", metrics: {}, error: "cannot read /data/x.idx: no such file" };

describe("toCsv", () => {
  it("writes one row per grid point with mean, std and n of every metric", () => {
    const csv = toCsv(aggregate(sweep, trials));
    const lines = csv.trimEnd().split("\n");
    expect(lines[0]).toBe("experiment,lambda,seeds,completed,failed,pareto,acc.mean,acc.std,acc.n,bpd.mean,bpd.std,bpd.n");
    const row = lines[1]!.split(",");
    expect(row.slice(0, 6)).toEqual(["hybrid", "0.1", "1 2", "2", "0", "front"]);
    expect(Number(row[6])).toBeCloseTo(0.7, 12);
    expect(Number(row[7])).toBeCloseTo(0.1414213562, 9);
    expect(row[8]).toBe("2");
    expect(lines[3]!.split(",")[5]).toBe("dominated");
    expect(lines).toHaveLength(4);
  });

  it("quotes fields that hold commas or quotes", () => {
    const csv = toCsv(aggregate({ name: "s", params: [], objectives: [] }, [{ ...t(1, 1, 1, 1), experiment: 'a,"b"', point: {} }]));
    expect(csv.split("\n")[1]!.startsWith('"a,""b""",')).toBe(true);
  });
});

describe("toMarkdown", () => {
  it("shows mean ± std with n, marks the Pareto front and lists failed trials with their error", () => {
    const all = [...trials, failed];
    const md = toMarkdown({ agg: aggregate(sweep, all), trials: all, plots: [{ file: "pareto.svg", title: "Pareto front" }] });
    expect(md).toContain("7 trials over 3 grid points: 6 completed, 1 failed.");
    expect(md).toContain("| experiment | lambda | n | acc ↑ | bpd ↓ | Pareto |");
    expect(md).toContain("| hybrid | 0.1 | 2/2 | 0.7 ± 0.14 | 3.1 ± 0.14 | ★ front |");
    expect(md).toContain("| hybrid | 1 | 2/2 | 0.9 ± 0 | 3.6 ± 0.14 | ★ front |");
    expect(md).toContain("| hybrid | 10 | 2/3 | 0.6 ± 0.14 | 3.7 ± 0.14 | dominated |");
    expect(md).toContain("- **hybrid lambda=0.1**: acc 0.7 ± 0.14, bpd 3.1 ± 0.14");
    expect(md).toContain("- hybrid lambda=10 (by hybrid lambda=0.1, hybrid lambda=1)");
    expect(md).toContain("| ffffffff | hybrid | lambda=10 | 3 | cannot read /data/x.idx: no such file |");
    expect(md).toContain("![Pareto front](pareto.svg)");
  });
});

describe("plots", () => {
  it("picks round tick values", () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3.05, 3.75, 5)).toEqual([3.2, 3.4, 3.6]);
  });

  it("draws the front in colour and the dominated points in grey, each point labelled", () => {
    const plot = paretoPlot(aggregate(sweep, trials))!;
    expect(plot.file).toBe("pareto.svg");
    expect(plot.svg.startsWith("<svg")).toBe(true);
    const front = plot.svg.split('data-name="Pareto front"')[1]!.split("</g>")[0]!;
    const dominated = plot.svg.split('data-name="dominated"')[1]!.split("</g>")[0]!;
    expect(front.match(/<circle class="point"/g)).toHaveLength(2);
    expect(dominated.match(/<circle class="point muted"[^>]*fill="#b0b0b0"/g)).toHaveLength(1);
    expect(plot.svg).toContain(">hybrid lambda=10</text>");
    expect(plot.svg).toContain("acc (higher is better)");
    expect(plot.svg).toContain("bpd (lower is better)");
    // self-contained: no external references or scripts
    expect(plot.svg).not.toMatch(/<script|href=|url\(/);
  });

  it("has no Pareto plot with fewer than two objectives", () => {
    expect(paretoPlot(aggregate({ ...sweep, objectives: [sweep.objectives[0]!] }, trials))).toBeNull();
  });

  it("plots every metric against every swept param with std error bars and a log axis over decades", () => {
    const plots = metricPlots(aggregate(sweep, trials));
    expect(plots.map((p) => p.file)).toEqual(["acc-vs-lambda.svg", "bpd-vs-lambda.svg"]);
    const acc = plots[0]!.svg;
    expect(acc.match(/<circle class="point"/g)).toHaveLength(3);
    // λ=1 has std 0: no bar; λ=0.1 and λ=10 have one each
    expect(acc.match(/class="errorbar"/g)).toHaveLength(2);
    expect(acc).toContain("lambda (log scale)");
  });

  it("names plot files safely", () => {
    expect(plotFileName("ood.likelihood.auroc", "w/g")).toBe("ood.likelihood.auroc-vs-w_g.svg");
  });
});

describe("writeSweepOutputs", () => {
  it("writes the csv, the markdown and every plot into the sweep folder", () => {
    const dir = mkdtempSync(join(tmpdir(), "hgc-sweep-out-"));
    const { files } = writeSweepOutputs(dir, sweep, trials);
    expect(files.sort()).toEqual(["acc-vs-lambda.svg", "bpd-vs-lambda.svg", "pareto.svg", "sweep.csv", "sweep.md"]);
    expect(readdirSync(dir).sort()).toEqual(files.sort());
    expect(readFileSync(join(dir, "sweep.md"), "utf8")).toContain("![acc vs lambda](acc-vs-lambda.svg)");
  });

  it("removes plots of metrics that are gone", () => {
    const dir = mkdtempSync(join(tmpdir(), "hgc-sweep-out-"));
    writeSweepOutputs(dir, sweep, trials);
    writeSweepOutputs(dir, sweep, trials.map((x) => ({ ...x, metrics: { acc: x.metrics.acc! } })));
    expect(readdirSync(dir).sort()).toEqual(["acc-vs-lambda.svg", "sweep.csv", "sweep.md"]);
  });
});

describe("plots of a simplex grid", () => {
  it("draws one line per experiment when the other weights follow from the plotted one", () => {
    const simplex = { name: "tradeoff", params: ["wg", "wc"], objectives: [] };
    const trials: TrialOutcome[] = [
      [1, 0],
      [0.5, 0.5],
      [0, 1],
    ].map(([wg, wc], i) => ({ id: String(i).repeat(16), experiment: "hybrid", point: { wg: wg!, wc: wc! }, seed: 1, status: "completed", runDir: "/r", metrics: { acc: 0.5 + i / 10 } }));
    const plots = metricPlots(aggregate(simplex, trials));
    expect(plots.map((p) => p.file)).toEqual(["acc-vs-wg.svg", "acc-vs-wc.svg"]);
    for (const p of plots) {
      expect(p.svg.match(/<g class="series"/g)).toHaveLength(1);
      expect(p.svg.match(/<polyline/g)).toHaveLength(1);
      expect(p.svg.match(/<circle class="point"/g)).toHaveLength(3);
    }
  });

  it("keeps a line per value of another param on a full cartesian grid", () => {
    const grid = { name: "g", params: ["a", "b"], objectives: [] };
    const trials: TrialOutcome[] = [
      [1, 1],
      [2, 1],
      [1, 2],
      [2, 2],
    ].map(([a, b], i) => ({ id: String(i).repeat(16), experiment: "e", point: { a: a!, b: b! }, seed: 1, status: "completed", runDir: "/r", metrics: { acc: i } }));
    const [vsA] = metricPlots(aggregate(grid, trials));
    expect(vsA!.svg).toContain('data-name="e b=1"');
    expect(vsA!.svg).toContain('data-name="e b=2"');
  });
});
