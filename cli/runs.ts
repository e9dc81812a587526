// `hgc runs`: the runs in the results database (runs/hgc.sqlite or $HGC_DB). Run folders under
// the runs root that are not indexed yet (plain `hgc run`s, sweeps run elsewhere) are indexed
// first, so the list is always complete. `hgc runs show ID` shows one run.
import { existsSync, statSync } from "node:fs";
import { basename, relative } from "node:path";
import type { IRExperiment } from "../compiler/ir.js";
import { isUserError, UserError } from "../common/errors.js";
import { readRunIr } from "../runtime/run-folder.js";
import type { RunRecord, Store, SweepRecord, TrialRecord } from "../runtime/store.js";
import { Store as StoreClass, defaultDbPath } from "../runtime/store.js";
import { parseArgs } from "./args.js";
import { formatValue } from "../common/format.js";
import { slurmLogs } from "../runtime/sweep/slurm.js";
import { layoutTable } from "./ui/format.js";

const USAGE = `usage: hgc runs [--root DIR] [--experiment NAME] [--status STATUS] [--sweep NAME] [--json]
       hgc runs show ID [--root DIR] [--json]
       hgc runs sweeps [--root DIR] [--json]

Lists the runs in the results database ($HGC_DB, else <root>/hgc.sqlite), newest first.
Run folders under the root (default \`runs\`) that are not indexed yet are indexed first.
ID is a run id prefix, a run folder, or a folder name prefix. \`hgc runs sweeps\` lists the
sweeps with how many of their trials completed and failed.

options:
  --root DIR          where run folders live (default: runs)
  --experiment NAME   only runs of this experiment
  --status STATUS     only runs with this status (completed, failed, interrupted)
  --sweep NAME        only the trials of this sweep
  --json              print JSON instead of a table
`;

/** The metrics worth a column in a list: the headline ones a run has, else its first two. */
const HEADLINE = ["linear_probe.accuracy", "knn.accuracy", "bits_per_dim", "ood.auroc"];

export function headlineMetrics(r: RunRecord, max = 3): [string, number | null][] {
  const names = Object.keys(r.metrics);
  const picked = HEADLINE.filter((m) => names.includes(m));
  const rest = names.filter((m) => !picked.includes(m)).sort();
  return [...picked, ...rest].slice(0, max).map((m) => [m, r.metrics[m] ?? null]);
}

export function openStore(root: string): Store {
  const store = new StoreClass(defaultDbPath(root));
  store.scan(root);
  return store;
}

export function resolveRun(store: Store, ref: string): RunRecord {
  const found = store.findRuns(ref);
  if (found.length === 1) return found[0]!;
  if (!found.length) {
    throw new UserError(`no run matches \`${ref}\``, "run `hgc runs` to see the runs and their ids", 1);
  }
  const shown = found.slice(0, 5).map((r) => `${r.id.slice(0, 8)} (${r.runDir})`).join(", ");
  throw new UserError(`\`${ref}\` matches ${found.length} runs: ${shown}${found.length > 5 ? ", …" : ""}`, "give a longer id prefix", 1);
}

/**
 * The folder a command-line reference names: a folder path as given, else a run (or, with
 * `sweeps`, a sweep) by id prefix or folder name prefix, as `hgc runs` and the sweep view show them.
 */
export function resolveFolder(ref: string, root = "runs", opts: { sweeps?: boolean } = {}): string {
  // a path is taken as one (a missing folder is then reported by whoever reads it)
  if (ref.includes("/") || (existsSync(ref) && statSync(ref).isDirectory())) return ref;
  const store = openStore(root);
  try {
    const runs = store.findRuns(ref);
    const sweeps = opts.sweeps ? store.listSweeps().filter((s) => s.id.startsWith(ref) || s.name === ref || basename(s.dir).startsWith(ref)) : [];
    if (runs.length + sweeps.length === 1) return runs[0]?.runDir ?? sweeps[0]!.dir;
    if (!runs.length && !sweeps.length) {
      throw new UserError(`no run${opts.sweeps ? " or sweep" : ""} matches \`${ref}\``, `give a folder, or an id prefix as \`hgc runs\`${opts.sweeps ? " and `hgc runs sweeps`" : ""} show${opts.sweeps ? "" : "s"} them`, 1);
    }
    const shown = [...runs.map((r) => `${r.id.slice(0, 8)} (${shortDir(r.runDir)})`), ...sweeps.map((sw) => `sweep ${sw.id.slice(0, 8)} (${shortDir(sw.dir)})`)];
    throw new UserError(`\`${ref}\` matches ${shown.length} ${opts.sweeps ? "runs and sweeps" : "runs"}: ${shown.slice(0, 5).join(", ")}${shown.length > 5 ? ", …" : ""}`, "give a longer id prefix", 1);
  } finally {
    store.close();
  }
}

function shortDir(dir: string): string {
  const rel = relative(process.cwd(), dir);
  return rel && !rel.startsWith("..") ? rel : dir;
}

function when(iso: string | null): string {
  return iso ? iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "") : "—";
}

export function formatRunList(runs: RunRecord[], trialOf: (id: string) => { sweepName: string; point: Record<string, number> } | undefined = () => undefined): string[] {
  if (!runs.length) return ["no runs yet (train one with `hgc run FILE`)"];
  // a sweep's trial shows its sweep and point: the same id and point as the sweep's own view
  const point = (r: RunRecord) => {
    const t = trialOf(r.id);
    if (!t) return "—";
    const p = Object.entries(t.point).map(([k, v]) => `${k}=${formatValue(v)}`).join(" ");
    return p ? `${t.sweepName} ${p}` : t.sweepName;
  };
  return layoutTable([
    ["ID", "EXPERIMENT", "POINT", "SEED", "STATUS", "STEPS", "BACKEND", "STARTED", "METRICS", "DIR"],
    ...runs.map((r) => [
      r.id.slice(0, 8),
      r.experiment,
      point(r),
      r.seed === null ? "—" : String(r.seed),
      r.status,
      r.steps === null ? "—" : r.totalSteps ? `${r.steps}/${r.totalSteps}` : String(r.steps),
      r.backend ?? "—",
      when(r.started),
      headlineMetrics(r)
        .map(([k, v]) => `${k} ${formatValue(v)}`)
        .join("  ") || "—",
      shortDir(r.runDir),
    ]),
  ]);
}

export function formatSweepList(sweeps: (SweepRecord & { trials: TrialRecord[] })[]): string[] {
  if (!sweeps.length) return ["no sweeps yet (run one with `hgc sweep FILE`)"];
  return layoutTable([
    ["ID", "SWEEP", "STATUS", "TRIALS", "COMPLETED", "FAILED", "UPDATED", "DIR"],
    ...sweeps.map((sw) => [
      sw.id.slice(0, 8),
      sw.name,
      sw.status,
      String(sw.trials.length),
      String(sw.trials.filter((t) => t.status === "completed").length),
      String(sw.trials.filter((t) => t.status === "failed").length),
      when(sw.updated),
      shortDir(sw.dir),
    ]),
  ]);
}

/** The run's ir.json, or undefined when it cannot be read (the listing shows what it can). */
function readIr(runDir: string): IRExperiment | undefined {
  try {
    return readRunIr(runDir);
  } catch (err) {
    if (isUserError(err)) return undefined;
    throw err;
  }
}

/** A few lines that say what the experiment is: model, objective, data, training. */
export function irSummary(ir: IRExperiment | undefined): string[] {
  if (!ir) return ["(no readable ir.json)"];
  const lines: string[] = [];
  const est = ir.estimates ?? {};
  lines.push(
    `hash ${String(ir.hash ?? "?").slice(0, 12)}  ${est.parameters !== undefined ? `${Number(est.parameters).toLocaleString("en-US")} parameters` : ""}` +
      `${est.flopsPerStep !== undefined ? `  ${formatValue(est.flopsPerStep / 1e9)} GFLOP/step` : ""}`,
  );
  for (const e of Object.values(ir.encoders ?? {})) {
    if (e.kind === "resnet") {
      lines.push(`encoder ${e.name}: resnet depth ${e.depth}, channels ${e.channels.join("/")}, pool ${e.pool}`);
      continue;
    }
    const tok = ir.tokenizers?.[e.tokens];
    const t = tok ? ` over ${e.tokens} (${tok.kind}, length ${tok.length}, vocab ${tok.vocab})` : "";
    lines.push(`encoder ${e.name}: transformer ${e.layers} layers, width ${e.width}, ${e.heads} heads${e.causal ? ", causal" : ""}${t}`);
  }
  if (ir.objective?.text) lines.push(`objective ${ir.objective.text}`);
  const params = Object.entries(ir.params ?? {});
  if (params.length) lines.push(`params ${params.map(([k, v]) => `${k}=${v}`).join(" ")}`);
  if (ir.train) {
    const data = ir.datasets?.[ir.train.data];
    lines.push(
      `train ${ir.train.steps} steps, batch ${ir.train.batch} on ${ir.train.data}${data ? ` (${data.source}${data.limit ? `, limit ${data.limit}` : ""})` : ""}` +
        (ir.optimizer ? `; ${ir.optimizer.kind} lr ${ir.optimizer.lr}, ${ir.optimizer.schedule}` : ""),
    );
  }
  if (Array.isArray(ir.evaluate) && ir.evaluate.length) lines.push(`evaluate ${ir.evaluate.map((p) => p.kind).join(", ")}`);
  return lines;
}

export function formatRunShow(store: Store, r: RunRecord): string[] {
  const out: string[] = [];
  out.push(`run ${r.id}  ${r.experiment}  ${shortDir(r.runDir)}`);
  const trial = store.trialOf(r.id);
  const rows: string[][] = [
    ["status", r.status + (r.error ? `: ${r.error}` : "")],
    ["steps", r.steps === null ? "—" : `${r.steps}${r.totalSteps ? ` of ${r.totalSteps}` : ""}`],
    ["seed", r.seed === null ? "—" : String(r.seed)],
    ["backend", r.backend ?? "—"],
    ["started", when(r.started)],
    ["ended", when(r.ended)],
  ];
  if (trial) {
    rows.push(["sweep", `${trial.sweepName}  ${Object.entries(trial.point).map(([k, v]) => `${k}=${v}`).join(" ") || "(no grid params)"}`]);
  }
  // a trial run on Slurm: its task's output (the newest attempt's; earlier ones lie beside it)
  const logs = slurmLogs(r.runDir);
  if (logs.length) rows.push(["slurm log", shortDir(logs.at(-1)!) + (logs.length > 1 ? `  (${logs.length - 1} earlier)` : "")]);
  out.push(...layoutTable(rows).map((l) => "  " + l));
  out.push("", "experiment");
  out.push(...irSummary(readIr(r.runDir)).map((l) => "  " + l));
  out.push("", "metrics");
  const names = Object.keys(r.metrics).sort();
  if (!names.length) out.push("  (none yet)");
  else out.push(...layoutTable(names.map((m) => [m, formatValue(r.metrics[m])])).map((l) => "  " + l));
  const series = store.metricSeries(r.id);
  const losses = Object.keys(series).filter((n) => n.startsWith("loss.") || n === "objective");
  if (losses.length) {
    out.push("", "training");
    out.push(
      ...layoutTable(
        losses.map((n) => {
          const s = series[n]!.filter((p) => p.value !== null);
          return s.length ? [n, `${formatValue(s[0]!.value)} at step ${s[0]!.step} → ${formatValue(s[s.length - 1]!.value)} at step ${s[s.length - 1]!.step}`] : [n, "—"];
        }),
      ).map((l) => "  " + l),
    );
  }
  return out;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ["root", "experiment", "status", "sweep"], flags: ["json"] }, "runs");
  if (args.flags.has("help")) {
    process.stdout.write(USAGE);
    return 0;
  }
  const root = args.values.root?.[0] ?? "runs";
  const [sub, ...rest] = args.positionals;
  if (sub && sub !== "show" && sub !== "list" && sub !== "sweeps") {
    throw new UserError(`unknown subcommand \`${sub}\` for \`hgc runs\``, "use `hgc runs`, `hgc runs show ID` or `hgc runs sweeps`", 2);
  }
  const store = openStore(root);
  try {
    if (sub === "sweeps") {
      const sweeps = store.listSweeps().map((sw) => ({ ...sw, trials: store.listTrials(sw.id) }));
      if (args.flags.has("json")) process.stdout.write(JSON.stringify(sweeps, null, 2) + "\n");
      else process.stdout.write(formatSweepList(sweeps).join("\n") + "\n");
      return 0;
    }
    if (sub === "show") {
      if (rest.length !== 1) throw new UserError("`hgc runs show` needs one run id", "run `hgc runs` to see the ids", 2);
      const run = resolveRun(store, rest[0]!);
      if (args.flags.has("json")) {
        process.stdout.write(JSON.stringify({ ...run, ir: readIr(run.runDir) ?? null, trial: store.trialOf(run.id) ?? null, slurmLogs: slurmLogs(run.runDir) }, null, 2) + "\n");
      } else process.stdout.write(formatRunShow(store, run).join("\n") + "\n");
      return 0;
    }
    const runs = store.listRuns({ experiment: args.values.experiment?.[0], status: args.values.status?.[0], sweep: args.values.sweep?.[0] });
    if (args.flags.has("json")) process.stdout.write(JSON.stringify(runs, null, 2) + "\n");
    else process.stdout.write(formatRunList(runs, (id) => store.trialOf(id)).join("\n") + "\n");
    return 0;
  } finally {
    store.close();
  }
}
