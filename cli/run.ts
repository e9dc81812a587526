// `hgc run FILE`: compile (or read) an experiment, train it on the best backend present, evaluate
// it and leave a run folder. Ctrl-C (SIGINT) or SIGTERM finishes the current step, writes a
// checkpoint and exits 130 or 143 (128 + the signal, as a shell reports it); a second one exits at once.
import { existsSync } from "node:fs";
import { compileFile, hashIR, loadIR, renderDiagnostics } from "../compiler/index.js";
import { UserError } from "../common/errors.js";
import type { IRExperiment } from "../compiler/ir.js";
import { BACKEND_PREFERENCES, type BackendPreference } from "../runtime/backend.js";
import { EventBus } from "../runtime/events.js";
import { runExperiment } from "../runtime/run.js";
import { intOption, parseArgs } from "./args.js";
import { useColor } from "./color.js";
import { attachLogger, chooseMode } from "./loggers.js";

const USAGE = `usage: hgc run FILE [options]

Trains and evaluates an experiment and writes its run folder (ir.json, metrics.jsonl,
checkpoints/, result.json). FILE is a .hgc file or an experiment's IR (.json, from \`hgc compile\`).

options:
  --experiment NAME    the experiment to run (needed when the file has more than one)
  --backend B          auto (default), tensorflow, wasm or cpu
  --out DIR            the run folder (default: runs/<experiment>-<hash8>)
  --resume             continue from the run folder's last checkpoint
  --steps N            train N steps instead of the experiment's (smoke tests)
  --seed N             use seed N instead of the experiment's
  --json               one event per line on stdout
  --no-tui             plain progress lines even on a terminal
  --no-eval            skip the evaluate { } protocols (smoke tests)
  --quiet              plain mode: only warnings, errors and the summary
`;

function isExperiment(v: unknown): v is IRExperiment {
  const e = v as IRExperiment;
  return !!e && typeof e === "object" && e.irVersion === 1 && typeof e.name === "string" && !!e.train && !!e.encoders && !!e.objective;
}

/** Compile a .hgc file's experiment (diagnostics printed to `stderr`), or read and validate an IR file. */
export async function loadExperiment(file: string, experiment?: string, stderr: { write(s: string): unknown; isTTY?: boolean } = process.stderr): Promise<IRExperiment> {
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
    return value;
  }
  const r = compileFile(file, experiment ? { experiment } : {});
  const shown = r.diagnostics.filter((d) => d.severity !== "info");
  if (shown.length) stderr.write(renderDiagnostics(shown, r.check.sources, { color: useColor(stderr) }));
  const errors = shown.filter((d) => d.severity === "error").length;
  if (errors) throw new UserError(`${errors} error${errors > 1 ? "s" : ""} in \`${file}\`; nothing was run`, "fix them and run again (`hgc check` lists them)", 1);
  if (!r.value || !isExperiment(r.value)) throw new UserError(`\`${file}\` has no experiment${experiment ? ` named \`${experiment}\`` : ""}`, "give one with --experiment NAME", 1);
  return r.value;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ["experiment", "backend", "out", "steps", "seed"], flags: ["resume", "json", "no-tui", "quiet", "no-eval"] }, "run");
  if (args.flags.has("help")) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.positionals.length !== 1) throw new UserError("`hgc run` needs one FILE", "e.g. `hgc run examples/quickstart.hgc`", 2);
  const backend = (args.values.backend?.[0] ?? "auto") as BackendPreference;
  if (!BACKEND_PREFERENCES.includes(backend)) throw new UserError(`unknown backend \`${backend}\``, `use one of ${BACKEND_PREFERENCES.join(", ")}`, 2);
  const steps = intOption(args.values.steps?.[0], "steps");
  const seed = intOption(args.values.seed?.[0], "seed", 0, Number.MAX_SAFE_INTEGER);
  const ir = await loadExperiment(args.positionals[0]!, args.values.experiment?.[0]);

  const bus = new EventBus();
  const mode = chooseMode({ json: args.flags.has("json"), noTui: args.flags.has("no-tui") }, process.stdout);
  const logger = attachLogger(bus, mode, { quiet: args.flags.has("quiet") });

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
      ...(steps !== undefined ? { steps } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(args.flags.has("no-eval") ? { evaluate: false } : {}),
      bus,
      shouldStop: () => stop !== null,
    });
    await logger.close();
    if (outcome.status === "interrupted") return stop ?? 130;
    return outcome.status === "completed" ? 0 : 1;
  } catch (err) {
    await logger.close();
    throw err;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
