// The λ curve of `sweep paper`, drawn by hgc's own sweep plotting code from the sweep's
// sweep.json: the sweep runs the hybrid at each λ as its own experiment (a `grid lambda` would
// multiply the baselines too), so its folder has no `<metric>-vs-lambda.svg`; this script
// regroups the hybrid trials by the `lambda` param recorded in each trial's IR and hands them
// to the same aggregate() and metricPlots() the sweep uses. Nothing is computed here that the
// runs did not report.
//
//   npm run build && node docs/paper/lambda-curve.mjs runs/sweeps/paper-XXXXXXXX [OUTDIR]
//
// writes OUTDIR/<metric>-vs-lambda.svg (default OUTDIR: the sweep folder).
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const { aggregate } = await import(join(root, "dist/runtime/sweep/aggregate.js"));
const { metricPlots } = await import(join(root, "dist/runtime/sweep/plots.js"));

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node docs/paper/lambda-curve.mjs SWEEP_DIR [OUTDIR]");
  process.exit(2);
}
const out = process.argv[3] ?? dir;
const sweep = JSON.parse(readFileSync(join(dir, "sweep.json"), "utf8"));
const trials = [];
for (const t of sweep.trials) {
  if (!t.experiment.startsWith("hybrid")) continue; // the baselines have no λ
  const ir = JSON.parse(readFileSync(join(dir, "ir", `${t.id.slice(0, 8)}.json`), "utf8"));
  const lambda = ir.params?.lambda;
  if (typeof lambda !== "number") throw new Error(`trial ${t.id.slice(0, 8)} has no lambda param`);
  trials.push({ ...t, experiment: "hybrid", point: { lambda } });
}
const agg = aggregate({ name: `${sweep.name} (hybrid by λ)`, params: ["lambda"], objectives: sweep.objectives }, trials);
const wanted = new Set([
  "linear_probe.accuracy",
  "knn.accuracy",
  "bits_per_dim",
  "ood.auroc",
  "ood.knn.auroc",
  "ood.likelihood.auroc",
  "robustness.mean_accuracy",
]);
for (const p of metricPlots(agg)) {
  if (!wanted.has(p.title.replace(/ vs lambda$/, ""))) continue;
  writeFileSync(join(out, p.file), p.svg);
  console.log(join(out, p.file));
}
for (const g of agg.groups.sort((a, b) => a.point.lambda - b.point.lambda)) {
  const f = (m) => (g.metrics[m] ? `${g.metrics[m].mean.toFixed(4)} ± ${(g.metrics[m].std ?? NaN).toFixed(4)}` : "—");
  console.log(`λ=${g.point.lambda}  n=${g.completed}  probe ${f("linear_probe.accuracy")}  bpd ${f("bits_per_dim")}  ood ${f("ood.auroc")}`);
}
