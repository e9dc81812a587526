// `hgc run FILE`: compile (or read) an experiment, train it on the best backend present, evaluate
// it and leave a run folder. Ctrl-C finishes the current step, writes a checkpoint and exits 130;
// a second Ctrl-C exits at once.
import { existsSync, readFileSync } from "node:fs";
import type { Diagnostic } from "../compiler/diagnostics.js";
import { UserError } from "../compiler/errors.js";
import type { IRExperiment } from "../compiler/ir.js";
import { BACKEND_PREFERENCES, type BackendPreference } from "../runtime/backend.js";
import { EventBus } from "../runtime/events.js";
import { runExperiment } from "../runtime/run.js";
import { intOption, parseArgs } from "../runtime/sweep/args.js";
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
  --quiet              plain mode: only warnings, errors and the summary
`;

interface CompilerModule {
  compileFile(path: string, opts: { experiment?: string }): { value: IRExperiment | null; diagnostics: Diagnostic[] };
  loadIR?(path: string): unknown;
  renderDiagnostics?(diagnostics: Diagnostic[], ...rest: unknown[]): string;
}

function isExperiment(v: unknown): v is IRExperiment {
  const e = v as IRExperiment;
  return !!e && typeof e === "object" && e.irVersion === 1 && typeof e.name === "string" && !!e.train && !!e.encoders && !!e.objective;
}

async function compilerModule(): Promise<CompilerModule | null> {
  try {
    return (await import("../compiler/index.js" as string)) as CompilerModule;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND") return null;
    throw err;
  }
}

async function render(compiler: CompilerModule, diagnostics: Diagnostic[]): Promise<string> {
  if (compiler.renderDiagnostics) return compiler.renderDiagnostics(diagnostics);
  const diag = (await import("../compiler/diagnostics.js")) as unknown as { renderDiagnostics?: (d: Diagnostic[]) => string };
  if (diag.renderDiagnostics) return diag.renderDiagnostics(diagnostics);
  return diagnostics.map((d) => `${d.span.file}:${d.span.start.line}:${d.span.start.col}: ${d.severity}[${d.code}]: ${d.message}`).join("\n");
}

/** Compile a .hgc file's experiment (diagnostics printed to stderr), or read and check an IR file. */
export async function loadExperiment(file: string, experiment?: string, stderr: { write(s: string): unknown } = process.stderr): Promise<IRExperiment> {
  if (!existsSync(file)) throw new UserError(`cannot read \`${file}\`: no such file`, "check the path", 2);
  const compiler = await compilerModule();
  if (file.endsWith(".json")) {
    let value: unknown;
    if (compiler?.loadIR) {
      const r = compiler.loadIR(file) as { value?: unknown; diagnostics?: Diagnostic[] } | IRExperiment;
      if (r && typeof r === "object" && "diagnostics" in r && Array.isArray(r.diagnostics)) {
        if (r.diagnostics.length) stderr.write(`${(await render(compiler, r.diagnostics)).replace(/\n?$/, "\n")}`);
        if (r.diagnostics.some((d) => d.severity === "error")) throw new UserError(`\`${file}\` is not a valid experiment IR`, "re-create it with `hgc compile FILE`", 1);
        value = r.value;
      } else value = r;
    } else {
      try {
        value = JSON.parse(readFileSync(file, "utf8"));
      } catch (err) {
        throw new UserError(`\`${file}\` is not valid JSON: ${(err as Error).message}`, "give a .hgc file or the output of `hgc compile FILE`", 2);
      }
    }
    if (!isExperiment(value)) throw new UserError(`\`${file}\` is not an experiment's IR`, "make one with `hgc compile FILE --experiment NAME`", 2);
    if (experiment && value.name !== experiment) throw new UserError(`\`${file}\` holds experiment \`${value.name}\`, not \`${experiment}\``, undefined, 2);
    return value;
  }
  if (!compiler) throw new UserError("this build of hgc has no compiler module", "run an IR .json file instead", 2);
  const { value, diagnostics } = compiler.compileFile(file, experiment ? { experiment } : {});
  if (diagnostics.length) stderr.write(`${(await render(compiler, diagnostics)).replace(/\n?$/, "\n")}`);
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  if (errors) throw new UserError(`${errors} error${errors > 1 ? "s" : ""} in \`${file}\`; nothing was run`, "fix them and run again (`hgc check` lists them)", 1);
  if (!value) throw new UserError(`\`${file}\` has no experiment${experiment ? ` named \`${experiment}\`` : ""}`, "give one with --experiment NAME", 1);
  return value;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ["experiment", "backend", "out", "steps", "seed"], flags: ["resume", "json", "no-tui", "quiet"] }, "run");
  if (args.flags.has("help")) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.positionals.length !== 1) throw new UserError("`hgc run` needs one FILE", "e.g. `hgc run examples/quickstart.hgc`", 2);
  const backend = (args.values.backend?.[0] ?? "auto") as BackendPreference;
  if (!BACKEND_PREFERENCES.includes(backend)) throw new UserError(`unknown backend \`${backend}\``, `use one of ${BACKEND_PREFERENCES.join(", ")}`, 2);
  const steps = intOption(args.values.steps?.[0], "steps");
  const seed = intOption(args.values.seed?.[0], "seed", 0);
  const ir = await loadExperiment(args.positionals[0]!, args.values.experiment?.[0]);

  const bus = new EventBus();
  const mode = chooseMode({ json: args.flags.has("json"), noTui: args.flags.has("no-tui") }, process.stdout);
  const logger = attachLogger(bus, mode, { quiet: args.flags.has("quiet") });

  let stop = false;
  const onSigint = () => {
    if (stop) process.exit(130);
    stop = true;
    bus.emit({ type: "log", level: "warn", message: "interrupted: finishing this step and writing a checkpoint (Ctrl-C again to quit at once)" });
  };
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigint);
  try {
    const outcome = await runExperiment({
      ir,
      backend,
      ...(args.values.out ? { out: args.values.out[0] } : {}),
      resume: args.flags.has("resume"),
      ...(steps !== undefined ? { steps } : {}),
      ...(seed !== undefined ? { seed } : {}),
      bus,
      shouldStop: () => stop,
    });
    await logger.close();
    if (outcome.status === "interrupted") return 130;
    return outcome.status === "completed" ? 0 : 1;
  } catch (err) {
    await logger.close();
    throw err;
  } finally {
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigint);
  }
}
