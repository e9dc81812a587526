// `hgc sweep FILE`: compile every trial of a sweep (a compile error stops it before anything
// runs), run the trials as separate `hgc run` processes `jobs` at a time, index them in the
// results database, and write the aggregate table, the Pareto front and the plots.
import { existsSync, readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import type { AssignStmt, GridStmt, Program, SweepItem } from "../compiler/ast.js";
import { compileExperiment, compileFile, renderDiagnostics, trialId } from "../compiler/index.js";
import { initialPoints } from "../runtime/sweep/search.js";
import { parse } from "../compiler/parse.js";
import { UserError } from "../common/errors.js";
import { formatCount } from "../common/format.js";
import type { IRSlurm, IRSweep, IRTrial } from "../compiler/ir.js";
import { SLURM_MEM, SLURM_TIME } from "../language/builtins.js";
import { defaultDbPath, Store } from "../runtime/store.js";
import type { SweepAggregate, TrialOutcome } from "../runtime/sweep/aggregate.js";
import { intOption, parseArgs, splitOverrides } from "./args.js";
import { defaultSweepDir, runSweep, trialIdLength, trialPaths, trialRunArgs } from "../runtime/sweep/run.js";
import { childDashboards, parseDashboards, type ChildDashboards } from "../runtime/dashboards/index.js";
import { planTask, type SlurmOptions } from "../runtime/sweep/slurm.js";
import { planTrial } from "../runtime/sweep/scheduler.js";
import { useColor } from "./color.js";
import { attachSweepLogger, chooseMode } from "./loggers.js";
import { layoutTable } from "./ui/format.js";
import { formatPoint } from "./ui/sweep-state.js";
import { SweepBus, type AggregateRow, type GridPoint, type ParetoPoint } from "./ui/sweep-events.js";

const USAGE = `usage: hgc sweep FILE [PATH=VALUE…] [options]

Compiles and checks every trial of a sweep, then runs the trials (experiments × grid points ×
seeds) as separate processes, each a normal run folder, and writes sweep.csv, sweep.md and SVG
plots (the Pareto front; each metric against each swept param) into the sweep folder.
Running a sweep again skips finished trials, resumes interrupted ones and re-runs failed ones.
FILE is a .hgc file, or the JSON of \`hgc compile FILE --sweep NAME\`. PATH=VALUE overrides
a param or an argument of the sweep's experiments (\`train.steps=400\`), as \`hgc run\` does.
A \`search random(…)\`/\`search tpe(…)\` sweep draws its points over the params declared with a
range; \`prune = asha(…)\` stops trials whose evaluations cannot make the cut (status pruned,
checkpoint kept).

options:
  --sweep NAME         the sweep to run (needed when the file has more than one)
  --jobs N             trials at once (default: the sweep's \`jobs\`, else 1)
  --grid P=v1,v2,…     replace (or add) the grid of param P; may be repeated
  --seeds 1,2,3        replace the sweep's seeds
  --dry-run            print the trials and their estimated cost, run nothing
  --resume             continue the sweep in its existing folder (an error if there is none)
  --out DIR            the sweep folder (default: <root>/sweeps/<sweep>-<hash8>)
  --root DIR           where runs and the results database live (default: runs)
  --json               one sweep event per line on stdout
  --no-tui             plain progress lines even on a terminal
  --log TARGET         every trial also logs as \`hgc run --log\` does: tensorboard (event files in
                       the trial's run folder, trials/<id8>/) or mlflow (one store for the whole
                       sweep: ./mlruns, or MLFLOW_TRACKING_URI); repeat or comma-separate for both

on a Slurm cluster (the sweep folder must be on a filesystem the nodes share):
  --on slurm           run the trials as one Slurm job array, one task per trial
  --partition P        the partition to submit to
  --time T             each task's time limit (sbatch --time: 30, 2:00:00, 1-00:00:00)
  --cpus N             CPUs per task (default 1)
  --gpus N             GPUs per task
  --mem M              memory per task's node (sbatch --mem: 8G)
  --sbatch-arg ARG     one more sbatch argument, as given (e.g. --sbatch-arg=--account=lab); repeatable
  --detach             submit and exit; the tasks run on
  --status             re-attach to a sweep's tasks: follow them, collect the results, submit nothing
`;

export interface SweepOverrides {
  /** Param → values replacing (or adding) that param's grid. */
  grid: Record<string, number[]>;
  seeds?: number[];
}

function parseNumberList(text: string, what: string): number[] {
  const parts = text.split(",").map((s) => s.trim());
  const values = parts.map(Number);
  if (!parts.length || parts.some((p) => p === "") || values.some((v) => !Number.isFinite(v))) {
    throw new UserError(`${what} must be a comma-separated list of numbers, got \`${text}\``, "e.g. `--grid lambda=0.1,0.3,1`", 2);
  }
  return values;
}

export function parseOverrides(grid: string[] = [], seeds?: string): SweepOverrides {
  const out: SweepOverrides = { grid: {} };
  for (const g of grid) {
    const eq = g.indexOf("=");
    const name = g.slice(0, eq).trim();
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new UserError(`\`--grid ${g}\` is not of the form P=v1,v2,…`, "e.g. `--grid lambda=0.1,0.3,1`", 2);
    }
    if (name in out.grid) throw new UserError(`\`--grid\` gives param \`${name}\` twice`, "give each param once", 2);
    out.grid[name] = parseNumberList(g.slice(eq + 1), `the values of \`--grid ${name}\``);
  }
  if (seeds !== undefined) {
    const list = parseNumberList(seeds, "`--seeds`");
    if (list.some((s) => !Number.isInteger(s) || s < 0)) throw new UserError("`--seeds` must be non-negative integers", "e.g. `--seeds 1,2,3`", 2);
    out.seeds = list;
  }
  return out;
}

// ---- overrides as source edits ------------------------------------------------------------------

/**
 * The .hgc text with `--grid` and `--seeds` written into the sweep, so the compiler checks the
 * overridden sweep exactly as if it had been written that way. Edits keep every line where it
 * was (a replaced multi-line list keeps its line count; added statements go at the end of the
 * sweep's last statement line), so diagnostics still point at the user's file.
 * Returns null when the file has no sweep to edit (the compiler then says why).
 */
export function applyOverridesToSource(program: Program, text: string, sweepName: string | undefined, ov: SweepOverrides): string | null {
  const sweeps = program.items.filter((i): i is SweepItem => i.kind === "Sweep");
  const sweep = sweepName ? sweeps.find((s) => s.name.name === sweepName) : sweeps.length === 1 ? sweeps[0] : undefined;
  if (!sweep) return null;
  const edits: { start: number; end: number; text: string }[] = [];
  const list = (values: number[]) => `[${values.join(", ")}]`;
  const replace = (span: { start: { offset: number }; end: { offset: number } }, by: string) => {
    const old = text.slice(span.start.offset, span.end.offset);
    edits.push({ start: span.start.offset, end: span.end.offset, text: by + "\n".repeat((old.match(/\n/g) ?? []).length) });
  };
  const added: string[] = [];
  for (const [param, values] of Object.entries(ov.grid)) {
    const grid = sweep.body.find((s): s is GridStmt => s.kind === "Grid" && s.names.some((n) => n.name === param));
    if (grid && grid.names.length > 1) {
      throw new UserError(
        `\`--grid ${param}=…\` cannot replace one param of the grid (${grid.names.map((n) => n.name).join(", ")})`,
        "edit the sweep in the file, or override a param that has a grid of its own",
        2,
      );
    }
    if (grid) replace(grid.value.span, list(values));
    else added.push(`grid ${param} = ${list(values)}`);
  }
  if (ov.seeds) {
    const seeds = sweep.body.find((s): s is AssignStmt => s.kind === "Assign" && s.name.name === "seeds");
    if (seeds) replace(seeds.value.span, list(ov.seeds));
    else added.push(`seeds = ${list(ov.seeds)}`);
  }
  if (added.length) {
    const last = sweep.body.at(-1);
    // after the last statement, on its line; in an empty sweep, just inside the closing brace
    const at = last ? last.span.end.offset : sweep.span.end.offset - 1;
    edits.push({ start: at, end: at, text: ` ${added.join(" ")} ` });
  }
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

// ---- loading the sweep ------------------------------------------------------------------------

function isSweep(v: unknown): v is IRSweep {
  return !!v && typeof v === "object" && Array.isArray((v as IRSweep).trials) && typeof (v as IRSweep).name === "string";
}

/** The sweep to run: the one named, else the root file's only sweep. */
function chooseSweep(program: Program, file: string, name: string | undefined): string {
  const names = program.items.filter((i): i is SweepItem => i.kind === "Sweep").map((i) => i.name.name);
  if (name !== undefined) return name; // an unknown name is the compiler's to report, with the names there are
  if (names.length === 1) return names[0]!;
  if (!names.length) {
    throw new UserError(`\`${file}\` has no sweep`, "declare one with `sweep NAME { experiments = [...] seeds = [...] }`", 1);
  }
  throw new UserError(`\`${file}\` has ${names.length} sweeps: ${names.map((n) => `\`${n}\``).join(", ")}`, "choose one with --sweep NAME", 2);
}

/**
 * Compile a .hgc file's sweep, every trial checked (with `--grid`/`--seeds` written into the
 * sweep first), or read a sweep's IR JSON. Diagnostics go to stderr; any error stops the sweep
 * before a trial starts.
 */
export function loadSweep(
  file: string,
  name: string | undefined,
  overrides: SweepOverrides,
  stderr: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
  set: readonly string[] = [],
): { sweep: IRSweep; expand?: (point: Record<string, number>) => IRTrial[] } {
  if (!existsSync(file)) throw new UserError(`cannot read \`${file}\`: no such file`, "check the path", 2);
  const overridden = Object.keys(overrides.grid).length > 0 || overrides.seeds !== undefined;
  if (file.endsWith(".json")) {
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(file, "utf8"));
    } catch (err) {
      throw new UserError(`\`${file}\` is not valid JSON: ${(err as Error).message}`, "give a .hgc file or the output of `hgc compile FILE --sweep NAME`", 2);
    }
    if (!isSweep(value)) throw new UserError(`\`${file}\` is not a sweep's IR`, "make one with `hgc compile FILE --sweep NAME`", 2);
    if (name && value.name !== name) throw new UserError(`\`${file}\` holds sweep \`${value.name}\`, not \`${name}\``, undefined, 2);
    if (overridden || set.length) {
      throw new UserError("`--grid`, `--seeds` and PATH=VALUE overrides need the .hgc file, so that every trial is checked again", "give the .hgc file instead of its IR", 2);
    }
    if (value.search) throw new UserError(`sweep \`${value.name}\` is a search: its points are drawn and checked as it runs`, "give the .hgc file instead of its IR", 2);
    return { sweep: value };
  }
  const abs = resolve(file);
  const text = readFileSync(abs, "utf8");
  const parsed = parse(text, abs);
  const sweepName = chooseSweep(parsed.value, file, name);
  let overlays: Map<string, string> | undefined;
  if (overridden && !parsed.diagnostics.some((d) => d.severity === "error")) {
    const edited = applyOverridesToSource(parsed.value, text, sweepName, overrides);
    if (edited !== null) overlays = new Map([[abs, edited]]);
  }
  const { value, diagnostics, check } = compileFile(abs, { sweep: sweepName, overlays, overrides: set });
  // notes (e.g. a protocol not applicable to a baseline) are for `hgc check`; warnings and errors show here
  const shown = diagnostics.filter((d) => d.severity !== "info");
  if (shown.length) stderr.write(renderDiagnostics(shown, check.sources, { color: useColor(stderr) }));
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  if (errors || !isSweep(value)) {
    throw new UserError(
      `the sweep was not started: ${errors || 1} error${errors > 1 ? "s" : ""}${overridden || set.length ? " (with the overrides)" : ""}`,
      "fix them; no trial runs until every trial checks",
      1,
    );
  }
  const search = value.search;
  if (!search) return { sweep: value };
  // a search's points become trials here, each checked at its point like a grid's
  const expand = (point: Record<string, number>): IRTrial[] =>
    search.experiments.flatMap((experiment) => {
      const base = compileExperiment(check, experiment, { params: point });
      if (!base.value) {
        const shown = base.diagnostics.filter((d) => d.severity === "error");
        stderr.write(renderDiagnostics(shown, check.sources, { color: useColor(stderr) }));
        throw new UserError(`experiment \`${experiment}\` does not check at the point ${formatPoint(point)}`, "narrow the param ranges so that every point checks", 1);
      }
      return (search.seeds ?? [base.value.seed]).map((seed) => {
        const ir = seed === base.value!.seed ? base.value! : compileExperiment(check, experiment, { params: point, seed }).value!;
        return { id: trialId(ir.hash, seed), experiment, point, seed, ir };
      });
    });
  return { sweep: { ...value, trials: initialPoints(search).flatMap(expand) }, expand };
}

// ---- dry run ----------------------------------------------------------------------------------

export function dryRunLines(sweep: IRSweep, dir: string, jobs: number): string[] {
  const idLength = trialIdLength(sweep.trials);
  const plans = sweep.trials.map((t) => planTrial(trialPaths(dir, t, idLength).runDir));
  const rows = sweep.trials.map((t, i) => {
    const est = t.ir.estimates;
    const steps = t.ir.train.steps;
    return [
      t.id.slice(0, 8),
      t.experiment,
      formatPoint(t.point) || "—",
      String(t.seed),
      formatCount(est.parameters),
      formatCount(est.flopsPerStep),
      String(steps),
      formatCount(est.flopsPerStep * steps),
      { done: "done, skip", resume: "resume", fresh: "run" }[plans[i]!],
    ];
  });
  const total = sweep.trials.reduce((s, t) => s + t.ir.estimates.flopsPerStep * t.ir.train.steps, 0);
  const todo = sweep.trials.reduce((s, t, i) => s + (plans[i] === "done" ? 0 : t.ir.estimates.flopsPerStep * t.ir.train.steps), 0);
  const steps = sweep.trials.reduce((s, t) => s + t.ir.train.steps, 0);
  const done = plans.filter((p) => p === "done").length;
  const s = sweep.search;
  const searchLine = s ? [`search ${s.method}: ${s.trials} points${s.method === "tpe" ? `; the first ${new Set(sweep.trials.map((t) => JSON.stringify(t.point))).size} random, the rest proposed from the results as it runs` : ""}`] : [];
  return [
    `sweep ${sweep.name}: ${sweep.trials.length} trials, jobs ${jobs}${sweep.params.length ? `, swept ${sweep.params.join(", ")}` : ""}`,
    ...searchLine,
    ...layoutTable([["TRIAL", "EXPERIMENT", "POINT", "SEED", "PARAMS", "FLOP/STEP", "STEPS", "FLOP", "PLAN"], ...rows]),
    `total: ${steps} steps, ${formatCount(total)} FLOP${done ? ` (${done} trial${done > 1 ? "s" : ""} already done; ${formatCount(todo)} FLOP to run)` : ""}`,
    `folder: ${shortPath(dir)}`,
  ];
}

function shortPath(p: string): string {
  const rel = relative(process.cwd(), p);
  return rel && !rel.startsWith("..") ? rel : p;
}

// ---- events for the UI --------------------------------------------------------------------------

function gridPoint(experiment: string, point: Record<string, number>, multi: boolean): GridPoint {
  return multi ? { experiment, ...point } : { ...point };
}

export function aggregateRows(agg: SweepAggregate, multi: boolean): { table: AggregateRow[]; pareto: ParetoPoint[] } {
  const table = agg.groups.map((g) => ({
    point: gridPoint(g.experiment, g.point, multi),
    seeds: g.completed,
    metrics: Object.fromEntries(
      (agg.objectives.length ? agg.objectives.map((o) => o.metric) : agg.metrics).map((m) => {
        const s = g.metrics[m];
        return [m, s ? { mean: s.mean, std: s.std ?? 0 } : null];
      }),
    ),
  }));
  const pareto = agg.groups
    .filter((g) => g.pareto === "front")
    .map((g) => ({
      point: gridPoint(g.experiment, g.point, multi),
      metrics: Object.fromEntries(agg.objectives.map((o) => [o.metric, g.metrics[o.metric]!.mean])),
    }));
  return { table, pareto };
}

// ---- Slurm ----------------------------------------------------------------------------------------

const SLURM_VALUES = ["partition", "time", "cpus", "gpus", "mem", "sbatch-arg"] as const;

/**
 * The Slurm options: the sweep's `slurm(…)` statement, overridden field by field by the command
 * line (whose values are checked enough that a typo is reported here rather than by sbatch).
 */
export function slurmOptions(values: Record<string, string[] | undefined>, jobs: number | undefined, block: IRSlurm = {}): SlurmOptions {
  const one = (k: string) => values[k]?.[0];
  const time = one("time");
  if (time !== undefined && !SLURM_TIME.test(time)) {
    throw new UserError(`\`--time ${time}\` is not a Slurm time limit`, "e.g. `--time 30` (minutes), `--time 2:00:00` or `--time 1-00:00:00`", 2);
  }
  const mem = one("mem");
  if (mem !== undefined && !SLURM_MEM.test(mem)) throw new UserError(`\`--mem ${mem}\` is not a Slurm memory size`, "e.g. `--mem 8G` or `--mem 16000M`", 2);
  const gpus = intOption(one("gpus"), "gpus", 0);
  const cpus = intOption(one("cpus"), "cpus");
  return {
    ...block,
    ...(one("partition") !== undefined ? { partition: one("partition") } : {}),
    ...(time !== undefined ? { time } : {}),
    ...(mem !== undefined ? { mem } : {}),
    ...(cpus !== undefined ? { cpus } : {}),
    ...(gpus !== undefined ? { gpus } : {}),
    ...(jobs !== undefined ? { throttle: jobs } : {}),
    ...(values["sbatch-arg"] ? { sbatchArgs: values["sbatch-arg"] } : {}),
  };
}

/**
 * `hgc sweep --slurm-task DIR`, the body of every array task: the trial of this task's index,
 * done (nothing to do), resumed from its checkpoint (after a requeue or a cancel) or started.
 */
async function slurmTask(dir: string, log: ChildDashboards): Promise<number> {
  const index = process.env.SLURM_ARRAY_TASK_ID;
  if (index === undefined || !/^\d+$/.test(index)) {
    throw new UserError("`--slurm-task` is what a sweep's Slurm array tasks run", "submit the sweep with `hgc sweep FILE --on slurm`", 2);
  }
  const { trial, plan } = planTask(resolve(dir), Number(index));
  const restart = Number(process.env.SLURM_RESTART_COUNT ?? 0);
  const where = `${process.env.SLURM_JOB_NODELIST ?? "?"}${restart ? `, restart ${restart}` : ""}`;
  if (plan === "done") {
    process.stdout.write(`hgc: trial ${trial.id.slice(0, 8)} has already completed (${where}); nothing to do\n`);
    return 0;
  }
  process.stdout.write(`hgc: trial ${trial.id.slice(0, 8)} ${plan === "resume" ? "resumes from its last checkpoint" : "starts"} on ${where}\n`);
  const run = await import("./run.js");
  return run.main([...trialRunArgs(trial, plan === "resume", log), "--no-tui"]);
}

/** On a terminal, asks what to do with the Slurm tasks of an interrupted sweep; elsewhere they are left running. */
async function askCancel(tasks: string[]): Promise<"cancel" | "leave"> {
  if (!process.stdin.isTTY) return "leave";
  const { createInterface } = await import("node:readline");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await new Promise((done) => {
      rl.on("SIGINT", () => done("leave"));
      rl.question(
        `\nhgc sweep: ${tasks.length} Slurm task${tasks.length > 1 ? "s are" : " is"} still queued or running. ` +
          "[c]ancel them (they checkpoint; run the sweep again to resume) or [l]eave them running (`--status` re-attaches)? [c/L] ",
        (answer) => done(/^\s*c/i.test(answer) ? "cancel" : "leave"),
      );
    });
  } finally {
    rl.close();
  }
}

// ---- main ---------------------------------------------------------------------------------------

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(
    argv,
    {
      values: ["sweep", "jobs", "grid", "seeds", "out", "root", "on", "slurm-task", "log", ...SLURM_VALUES],
      flags: ["dry-run", "resume", "json", "no-tui", "detach", "status"],
      repeat: ["grid", "sbatch-arg", "log"],
    },
    "sweep",
  );
  if (args.flags.has("help")) {
    process.stdout.write(USAGE);
    return 0;
  }
  const log = parseDashboards(args.values.log ?? []);
  // a task's dashboards come from its batch script, whose MLflow store the driver resolved
  if (args.values["slurm-task"]) return slurmTask(args.values["slurm-task"][0]!, { kinds: log });
  const on = args.values.on?.[0] ?? (args.flags.has("status") ? "slurm" : "local");
  if (on !== "local" && on !== "slurm") throw new UserError(`\`--on ${on}\` is not a place to run trials`, "use `--on slurm`, or leave it out to run them here", 2);
  const slurmOnly = [...SLURM_VALUES.filter((k) => args.values[k]).map((k) => `--${k}`), ...["detach", "status"].filter((f) => args.flags.has(f)).map((f) => `--${f}`)];
  if (on === "local" && slurmOnly.length) throw new UserError(`\`${slurmOnly[0]}\` is for sweeps on Slurm`, "add `--on slurm`", 2);
  if (args.flags.has("detach") && args.flags.has("status")) throw new UserError("`--detach` and `--status` do opposite things", "give one of them", 2);
  if (log.length && args.flags.has("status")) {
    throw new UserError("`--log` is given to the trials when they are submitted, and `--status` submits nothing", "leave `--log` out: the tasks log as they were submitted", 2);
  }
  const { files, overrides: set } = splitOverrides(args.positionals);
  if (files.length !== 1) {
    throw new UserError("`hgc sweep` needs one file", "usage: hgc sweep FILE [PATH=VALUE…] [--sweep NAME] (see `hgc sweep --help`)", 2);
  }
  const file = files[0]!;
  const jobsOpt = intOption(args.values.jobs?.[0], "jobs");
  const overrides = parseOverrides(args.values.grid, args.values.seeds?.[0]);
  const root = resolve(args.values.root?.[0] ?? "runs");

  const { sweep, expand } = loadSweep(file, args.values.sweep?.[0], overrides, process.stderr, set);
  if (!sweep.trials.length) throw new UserError(`sweep \`${sweep.name}\` has no trials`, "give it experiments and seeds", 1);
  const jobs = jobsOpt ?? Math.max(1, sweep.jobs || 1);
  const dir = resolve(args.values.out?.[0] ?? defaultSweepDir(sweep, root));
  // on Slurm, the cluster sets the pace; only an explicit --jobs caps the tasks running at once
  const slurm = on === "slurm" ? slurmOptions(args.values, jobsOpt, sweep.slurm) : undefined;

  if (args.flags.has("dry-run")) {
    process.stdout.write(dryRunLines(sweep, dir, jobs).join("\n") + "\n");
    return 0;
  }
  if (args.flags.has("resume") && !existsSync(resolve(dir, "sweep.json"))) {
    throw new UserError(`there is no sweep to resume in ${shortPath(dir)}`, "run it without --resume to start it", 1);
  }
  if (args.flags.has("status") && !existsSync(resolve(dir, "slurm", "jobs.json"))) {
    throw new UserError(`there is no sweep submitted to Slurm in ${shortPath(dir)}`, "submit it with `--on slurm`", 1);
  }

  const bus = new SweepBus();
  const mode = chooseMode({ json: args.flags.has("json"), noTui: args.flags.has("no-tui") }, process.stdout);
  const logger = attachSweepLogger(bus, mode);
  const multi = new Set(sweep.trials.map((t) => t.experiment)).size > 1;
  const objectives = sweep.objectives;
  bus.emit({
    type: "sweep-start",
    sweep: sweep.name,
    dir,
    jobs,
    keyMetric: objectives[0]?.metric,
    ...(slurm ? { on: "slurm" } : {}),
    trials: sweep.trials.map((t) => ({ id: t.id, experiment: t.experiment, point: gridPoint(t.experiment, t.point, multi), seed: t.seed })),
  });

  const controller = new AbortController();
  let stops = 0;
  // The first signal's exit code, as `hgc run` gives it: 130 for SIGINT, 143 for SIGTERM.
  let stopCode = 130;
  const onSignal = (signal: NodeJS.Signals) => {
    stops++;
    if (stops === 1) {
      stopCode = signal === "SIGTERM" ? 143 : 130;
      const again = signal === "SIGTERM" ? "send it again" : "Ctrl-C again";
      if (!slurm) process.stderr.write(`hgc sweep: stopping — waiting for the running trials to checkpoint (${again} to kill them)\n`);
      controller.abort();
    } else process.exit(stopCode);
  };
  // The live view owns the terminal: it is closed (its last frame stays) before the question.
  let loggerClosed = false;
  const onInterrupt = async (tasks: string[]): Promise<"cancel" | "leave"> => {
    if (mode === "tui" && process.stdin.isTTY) {
      await logger.close();
      loggerClosed = true;
    }
    const choice = await askCancel(tasks);
    if (choice === "cancel") process.stderr.write(`hgc sweep: cancelling ${tasks.length} task${tasks.length > 1 ? "s" : ""}; waiting for them to checkpoint (Ctrl-C again to stop waiting)\n`);
    return choice;
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const store = new Store(defaultDbPath(root));
  const started = Date.now();
  const trialStart = new Map<string, number>();
  let result;
  try {
    result = await runSweep({
      sweep,
      file: resolve(file),
      dir,
      jobs,
      store,
      ...(expand ? { expand } : {}),
      ...(log.length ? { log: childDashboards(log) } : {}),
      signal: controller.signal,
      ...(slurm ? { slurm: { slurm, mode: args.flags.has("status") ? "status" : args.flags.has("detach") ? "detach" : "submit", onInterrupt } } : {}),
      onEvent: (e) => {
        if (e.type === "slurm-submit") bus.emit({ type: "slurm-submit", job: e.job, trials: e.trials });
        else if (e.type === "trials-added") bus.emit({ type: "trials-added", trials: e.jobs.map((j) => ({ id: j.id, experiment: j.experiment, point: gridPoint(j.experiment, j.point, multi), seed: j.seed })) });
        else if (e.type === "trial-pending") bus.emit({ type: "trial-pending", id: e.job.id, reason: e.reason, task: e.task });
        else if (e.type === "trial-start") {
          trialStart.set(e.job.id, Date.now());
          bus.emit({ type: "trial-start", id: e.job.id, runDir: e.job.runDir });
        } else if (e.type === "trial-event" && e.event.type === "step") {
          bus.emit({ type: "trial-progress", id: e.job.id, step: e.event.step, totalSteps: e.event.totalSteps, objective: e.event.objective });
        } else if (e.type === "trial-skip") {
          bus.emit({ type: "trial-end", id: e.job.id, status: e.outcome.status === "pruned" ? "pruned" : "skipped", metrics: e.outcome.metrics });
        } else if (e.type === "trial-end") {
          const o: TrialOutcome = e.outcome;
          const elapsedMs = Date.now() - (trialStart.get(e.job.id) ?? Date.now());
          if (o.status === "completed") bus.emit({ type: "trial-end", id: o.id, status: "done", metrics: o.metrics, elapsedMs });
          else if (o.status === "pruned") bus.emit({ type: "trial-end", id: o.id, status: "pruned", metrics: o.metrics, elapsedMs });
          else {
            const error = o.status === "interrupted" ? "interrupted (run the sweep again to resume it)" : (o.error ?? "failed");
            bus.emit({ type: "trial-end", id: o.id, status: "failed", error, elapsedMs });
          }
        }
      },
    });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    store.close();
  }
  const { table, pareto } = aggregateRows(result.agg, multi);
  bus.emit({
    type: "sweep-end",
    elapsedMs: Date.now() - started,
    table,
    pareto,
    objectives: objectives.map((o) => `${o.direction === "maximize" ? "max" : "min"} ${o.metric}`),
    files: result.files.map((f) => shortPath(resolve(dir, f))),
  });
  if (!loggerClosed) await logger.close();
  // the command that names this same sweep folder again
  const again = [
    `hgc sweep ${file}${set.length ? ` ${set.join(" ")}` : ""}`,
    ...(["sweep", "grid", "seeds", "out", "root"] as const).flatMap((k) => (args.values[k] ?? []).map((v) => `--${k} ${v}`)),
  ].join(" ");
  if (result.status === "running") {
    const left = result.slurmLeft ?? [];
    const arrays = [...new Set(left.map((t) => t.split("_")[0]))];
    process.stderr.write(
      `hgc sweep: ${left.length} trial${left.length > 1 ? "s" : ""} queued or running on Slurm (job ${arrays.join(", ")}); ` +
        `\`${again} --status\` follows them and collects the results, \`scancel ${arrays.join(" ")}\` cancels them\n`,
    );
    return stops ? stopCode : 0;
  }
  if (result.status === "interrupted" && slurm && !stops) {
    const n = result.outcomes.filter((o) => o.status === "interrupted").length;
    process.stderr.write(`hgc sweep: ${n} trial${n > 1 ? "s were" : " was"} cancelled on Slurm; \`${again} --on slurm --resume\` resumes ${n > 1 ? "them" : "it"} from the last checkpoint\n`);
    return 1;
  }
  if (result.status === "interrupted") {
    process.stderr.write(`hgc sweep: stopped; run \`${again}${slurm ? " --on slurm" : ""}\` again to finish it\n`);
    return stopCode;
  }
  if (result.status === "failed") {
    const failed = result.outcomes.filter((o) => o.status === "failed");
    process.stderr.write(`hgc sweep: ${failed.length} of ${result.outcomes.length} trials failed; their errors are in ${shortPath(resolve(dir, "sweep.md"))}\n`);
    return 1;
  }
  return 0;
}
