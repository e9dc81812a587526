// A real run of a tiny experiment with every protocol in its evaluate block, then its reports:
// every metric the run wrote to result.json appears in report.md, report.html and `hgc report`.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { main as reportMain } from "../../../cli/report.js";
import type { IRProtocol } from "../../../compiler/ir.js";
import { metricNames } from "../../../runtime/evaluate/index.js";
import { writeReports } from "../../../runtime/report.js";
import { runExperiment } from "../../../runtime/run.js";
import { features, synthetic, tinyIr } from "./tiny.js";

const block: IRProtocol[] = [
  { applicable: true, kind: "linear_probe", features, train: "train", val: null, test: "test", epochs: 5, lr: 1e-2, baselines: ["init", "pixels"] },
  { applicable: true, kind: "knn", features, k: 10, train: "train", test: "test", temperature: 0.07, baselines: ["init", "pixels"] },
  { applicable: true, kind: "bits_per_dim", data: "test", head: "lm", tokenizer: "pixels" },
  { applicable: true, kind: "ood", in: "test", out: "ood", scores: ["likelihood", "knn", "mahalanobis"], features, train: "train", k: 10 },
  { applicable: true, kind: "robustness", data: "test", corruptions: ["gaussian_noise", "rotate"], severities: [1, 5], features, train: "train" },
  { applicable: true, kind: "samples", count: 4, temperature: 1, head: "lm", tokenizer: "pixels" },
];

describe("a run's report", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("shows every metric of a real run with every protocol, mid-training and at the end", async () => {
    const out = mkdtempSync(join(tmpdir(), "hgc-run-report-"));
    const cacheDir = mkdtempSync(join(tmpdir(), "hgc-cache-"));
    dirs.push(out, cacheDir);
    const ir = tinyIr(block, {
      steps: 6,
      datasets: {
        train: synthetic("train", "train", 200),
        test: synthetic("test", "test", 100),
        ood: synthetic("ood", "test", 100, { noise: 0.6, seed: 99 }),
      },
    });
    ir.train.evalEvery = 3;
    const { status, runDir, result } = await runExperiment({ ir, out, backend: "auto", cacheDir });
    expect(status).toBe("completed");
    const names = block.flatMap((p) => metricNames(p));
    expect(Object.keys(result.metrics)).toEqual(names);
    for (const n of names) expect(result.metrics[n], n).toEqual(expect.any(Number));
    // result.json carries the four baseline figures and how each probe converged.
    const file = JSON.parse(readFileSync(join(runDir, "result.json"), "utf8")) as typeof result;
    for (const n of ["linear_probe.init_accuracy", "linear_probe.pixels_accuracy", "knn.init_accuracy", "knn.pixels_accuracy"]) expect(file.metrics[n], n).toEqual(expect.any(Number));
    for (const k of ["linear_probe", "linear_probe.init", "linear_probe.pixels", "robustness"]) {
      const p = file.probes![k]!;
      expect(p.converged, k).toBe(true);
      expect(p.iterations, k).toBeGreaterThan(0);
      expect(p.l2, k).toBeGreaterThan(0);
    }
    expect(existsSync(join(runDir, "samples-step3.png"))).toBe(true);
    expect(existsSync(join(runDir, "samples-step6.png"))).toBe(true);

    const { markdown, html } = writeReports(runDir);
    const md = readFileSync(markdown, "utf8");
    const page = readFileSync(html, "utf8");
    let table = "";
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((table += String(chunk)), true));
    expect(await reportMain([runDir])).toBe(0);
    vi.restoreAllMocks();
    if (process.env.HGC_SHOW_REPORT) console.log(md, table);
    for (const n of names) {
      expect(md, n).toContain(`\`${n}\``);
      expect(page, n).toContain(n);
      expect(table, n).toContain(n);
    }
    // Two evaluations: the table of metrics at each evaluation has both steps.
    expect(md).toContain("| metric | step 3 | step 6 |");
    expect(page).toContain('aria-label="loss: con"');
    expect(page).toContain('aria-label="loss: gen"');
    expect(page).toContain('aria-label="learning rate"');
    expect(page).toContain('src="data:image/png;base64,');
  });
});
