#!/usr/bin/env node
// The `hgc` command: dispatches to one module per subcommand (cli/<command>.ts), each exporting
// `main(argv): Promise<number>` that returns the process exit code.
import { isUserError } from "../common/errors.js";
import { isWorldFault, worldFault } from "../runtime/faults.js";
import { exitQuietlyOnClosedPipe } from "./pipe.js";

/** Commands that own long-lived work and handle a closed output themselves (their loggers go quiet). */
const OWN_PIPES = new Set(["run", "sweep", "lsp"]);

const COMMANDS: Record<string, string> = {
  check: "check and report every mistake in .hgc files",
  compile: "print the resolved experiment (or a sweep's trials) as JSON IR",
  fmt: "format .hgc files canonically",
  run: "train and evaluate an experiment",
  eval: "evaluate a saved checkpoint of a run",
  report: "print the summary table of a run",
  export: "export a run's weights (safetensors)",
  sweep: "run a sweep's trials and aggregate them",
  runs: "list the runs in the results database",
  compare: "set two runs side by side",
  doctor: "list backends, versions and the data cache",
  lsp: "start the language server (--stdio)",
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([c, d]) => `  ${c.padEnd(width)}  ${d}`);
  return `usage: hgc <command> [options]\n\ncommands:\n${lines.join("\n")}\n\nRun \`hgc <command> --help\` for a command's options.\n`;
}

async function dispatch(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(usage());
    return command ? 0 : 2;
  }
  if (command === "--version" || command === "-v") {
    const { readFileSync } = await import("node:fs");
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  if (!(command in COMMANDS)) {
    process.stderr.write(`hgc: error: unknown command \`${command}\`\n  hint: run \`hgc --help\` to see the commands\n`);
    return 2;
  }
  if (!OWN_PIPES.has(command)) exitQuietlyOnClosedPipe();
  const mod = (await import(`./${command}.js`)) as { main(argv: string[]): Promise<number> };
  return mod.main(rest);
}

export function reportError(err: unknown): number {
  // A full disk or a forbidden folder met where no command said what it was doing is still the
  // world's fault, not a bug in hgc.
  if (isWorldFault(err)) err = worldFault(err, err.syscall ? `${err.syscall}` : "an input/output operation");
  if (isUserError(err)) {
    process.stderr.write(`hgc: error: ${err.message}\n`);
    if (err.hint) process.stderr.write(`  hint: ${err.hint}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  process.stderr.write(`hgc: internal error (this is a bug in hgc, please report it):\n${e?.stack ?? String(err)}\n`);
  return 70;
}

dispatch(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.exitCode = reportError(err);
  },
);
