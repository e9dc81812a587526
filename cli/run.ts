// `hgc run FILE`: compile (or read) an experiment, train it on the best backend present, evaluate
// it and leave a run folder. Ctrl-C (SIGINT) or SIGTERM finishes the current step, writes a
// checkpoint and exits 130 or 143 (128 + the signal, as a shell reports it); a second one exits at once.
import { existsSync } from "node:fs";
import { compileFile, hashIR, loadIR, renderDiagnostics } from "../compiler/index.js";
import { UserError } from "../common/errors.js";
import type { IRExperiment } from "../compiler/ir.js";
import { BACKEND_PREFERENCES, type BackendPreference } from "../runtime/backend.js";
import { attachDashboards, parseDashboards } from "../runtime/dashboards/index.js";
import { EventBus } from "../runtime/events.js";
import { effectiveIr, placeRun, runExperiment } from "../runtime/run.js";
import { intOption, parseArgs, splitOverrides } from "./args.js";
import { useColor } from "./color.js";
import { attachLogger, chooseMode } from "./loggers.js";

const USAGE = `usage: hgc run FILE [PATH=VALUE…] [options]

Trains and evaluates an experiment and writes its run folder (ir.json, metrics.jsonl,
checkpoints/, result.json). FILE is a .hgc file or an experiment's IR (.json, from \`hgc compile\`).
PATH=VALUE overrides a param (\`lambda=0.5\`) or any argument (\`train.steps=4000\`,
\`optimizer.lr=3e-4\`, \`views.aug.crop=0.5..1.0\`), checked like the file itself;
\`hgc compile FILE --paths\` lists the paths.

A finished run is not run again (its folder is printed); a folder holding checkpoints is never
deleted: \`--resume\` continues it, \`--fresh\` trains a new run beside it.

options:
  --experiment NAME    the experiment to run (needed when the file has more than one)
  --backend B          auto (default), tensorflow, wasm or cpu
  --out DIR            the run folder (default: runs/<experiment>-<hash8>)
  --resume             continue from the run folder's last checkpoint
  --fresh              train a new run (new folder and id) beside the experiment's existing one
  --steps N            train N steps instead of the experiment's (smoke tests)
  --seed N             use seed N instead of the experiment's
  --json               one event per line on stdout
  --no-tui             plain progress lines even on a terminal
  --no-eval            skip the evaluate { } protocols (smoke tests)
  --quiet              plain mode: only warnings, errors and the summary
  --log TARGET         also log to tensorboard (event files in the run folder) or mlflow
                       (./mlruns, or MLFLOW_TRACKING_URI); repeat or comma-separate for both
`;

function isExperiment(v: unknown): v is IRExperiment {
  const e = v as IRExperiment;
  return !!e && typeof e === "object" && e.irVersion === 1 && typeof e.name === "string" && !!e.train && !!e.encoders && !!e.objective;
}

/** Compile a .hgc file's experiment (diagnostics printed to `stderr`), or read and validate an IR file. */
export async function loadExperiment(file: string, experiment?: string, stderr: { write(s: string): unknown; isTTY?: boolean } = process.stderr, overrides: readonly string[] = []): Promise<IRExperiment> {
  if (!existsSync(file)) throw new UserError(`cannot read \`${file}\`: no such file`, "check the path", 2);
  if (file.endsWith(".json")) {
    const value = loadIR(file);
    // A hand-edited IR is not what its hash says: run it as the new experiment it is, and say so.
    const hash = hashIR(value);
    if (hash !== value.hash) {
      stderr.write(`hgc: warning: \`${file}\` was edited after it was compiled (its content does not match its hash); it runs as a new experiment, hash ${hash.slice(0, 12)}\n`);
      value.hash = hash;
    }
    if (experiment && value.name !== experiment) throw new UserError(`\`${file}\` holds experiment \`${value.name}\`, not \`${experiment}\``, undefined, 2);
    if (overrides.length) throw new UserError(`\`${overrides[0]}\` needs the .hgc file, so that the experiment is checked again with it`, "give the .hgc file instead of its IR", 2);
    return value;
  }
  const r = compileFile(file, { ...(experiment ? { experiment } : {}), overrides });
  const shown = r.diagnostics.filter((d) => d.severity !== "info");
  if (shown.length) stderr.write(renderDiagnostics(shown, r.check.sources, { color: useColor(stderr) }));
  const errors = shown.filter((d) => d.severity === "error").length;
  if (errors) throw new UserError(`${errors} error${errors > 1 ? "s" : ""} in \`${file}\`${overrides.length ? " (with the overrides)" : ""}; nothing was run`, "fix them and run again (`hgc check` lists them)", 1);
  if (!r.value || !isExperiment(r.value)) throw new UserError(`\`${file}\` has no experiment${experiment ? ` named \`${experiment}\`` : ""}`, "give one with --experiment NAME", 1);
  return r.value;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ["experiment", "backend", "out", "steps", "seed", "log"], repeat: ["log"], flags: ["resume", "fresh", "json", "no-tui", "quiet", "no-eval"] }, "run");
  if (args.flags.has("help")) {
    process.stdout.write(USAGE);
    return 0;
  }
  const { files, overrides } = splitOverrides(args.positionals);
  if (files.length !== 1) throw new UserError("`hgc run` needs one FILE", "e.g. `hgc run examples/quickstart.hgc` (overrides follow it: `hgc run f.hgc lambda=0.5 train.steps=400`)", 2);
  if (args.flags.has("resume") && args.flags.has("fresh")) throw new UserError("`--resume` and `--fresh` do opposite things", "give one of them", 2);
  const backend = (args.values.backend?.[0] ?? "auto") as BackendPreference;
  if (!BACKEND_PREFERENCES.includes(backend)) throw new UserError(`unknown backend \`${backend}\``, `use one of ${BACKEND_PREFERENCES.join(", ")}`, 2);
  const steps = intOption(args.values.steps?.[0], "steps");
  const seed = intOption(args.values.seed?.[0], "seed", 0, Number.MAX_SAFE_INTEGER);
  const dashboards = parseDashboards(args.values.log ?? []);
  const ir = await loadExperiment(files[0]!, args.values.experiment?.[0], process.stderr, overrides);
  const out = args.values.out?.[0];
  if (!args.flags.has("resume") && !args.flags.has("fresh")) {
    // An experiment that has run to completion is not trained again: say where it is.
    const placed = placeRun(effectiveIr(ir, { ...(steps !== undefined ? { steps } : {}), ...(seed !== undefined ? { seed } : {}) }), out ? { out } : {});
    if (placed.result?.status === "completed") {
      const id = placed.id.slice(0, 8);
      process.stderr.write(`hgc: ${ir.name} has already run to completion in ${placed.runDir} (run ${id})\n  hint: \`hgc report ${id}\` shows it; \`--fresh\` trains a new run beside it\n`);
      return 0;
    }
  }

  const bus = new EventBus();
  const mode = chooseMode({ json: args.flags.has("json"), noTui: args.flags.has("no-tui") }, process.stdout);
  const logger = attachLogger(bus, mode, { quiet: args.flags.has("quiet") });
  const dashboard = attachDashboards(bus, dashboards);

  // The first signal's exit code; a second signal of either kind exits at once.
  let stop: number | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop !== null) process.exit(stop);
    stop = signal === "SIGTERM" ? 143 : 130;
    const again = signal === "SIGTERM" ? "send it again" : "Ctrl-C again";
    bus.emit({ type: "log", level: "warn", message: `interrupted (${signal}): finishing this step and writing a checkpoint (${again} to quit at once)` });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const outcome = await runExperiment({
      ir,
      backend,
      ...(args.values.out ? { out: args.values.out[0] } : {}),
      resume: args.flags.has("resume"),
      ...(args.flags.has("fresh") ? { fresh: true } : {}),
      ...(overrides.length ? { set: overrides } : {}),
      ...(steps !== undefined ? { steps } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(args.flags.has("no-eval") ? { evaluate: false } : {}),
      bus,
      shouldStop: () => stop !== null,
    });
    await dashboard.close();
    await logger.close();
    if (outcome.status === "interrupted") return stop ?? 130;
    return outcome.status === "completed" ? 0 : 1;
  } catch (err) {
    await dashboard.close();
    await logger.close();
    throw err;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
