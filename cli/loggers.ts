// Loggers: the subscribers that show a run's events to a person or a program. `tui` is the ink
// dashboard (a terminal only), `plain` prints progress lines at a modest rate (logs, pipes, CI),
// `json` prints every event as one line of JSON. The runtime never knows which one listens.
import type { EvalEvent, Metrics, RunEvent, StartEvent, StepEvent } from "../runtime/events.js";
import type { Logger, LoggerOptions, Subscribable, TextSink } from "./logger.js";
import { formatCount, formatDuration, formatValue } from "../common/format.js";
import { etaMs, formatEngine, formatLr, formatProduct, formatRate, layoutTable, LIVE_DIGITS } from "./ui/format.js";
// The TUI (ink and React) is loaded up front, not on first use: a dynamic import is read from
// disk a file per event-loop turn, and a training loop that yields only between steps would
// starve it, leaving the dashboard blank for the first seconds of a run.
import { attachRunTui } from "./ui/run-tui.js";
import type { SweepEndEvent, SweepEvent } from "./ui/sweep-events.js";
import { attachSweepTui } from "./ui/sweep-tui.js";
import {
  aggregateLines,
  formatPoint,
  initialSweepState,
  keyMetricOf,
  paretoLines,
  pendingReason,
  reduceSweep,
  sweepEtaMs,
  type SweepState,
  type TrialState,
} from "./ui/sweep-state.js";

export type LogMode = "tui" | "plain" | "json";

/** The flags that choose a logger, as `hgc run` and `hgc sweep` parse them. */
export interface ModeFlags {
  json?: boolean;
  noTui?: boolean;
}

/** `json` if asked, else the TUI on an interactive terminal (not CI, not `TERM=dumb`), else `plain`. */
export function chooseMode(flags: ModeFlags, stdout: { isTTY?: boolean }, env: Record<string, string | undefined> = process.env): LogMode {
  if (flags.json) return "json";
  if (flags.noTui) return "plain";
  if (stdout.isTTY !== true) return "plain";
  if (env.TERM === "dumb") return "plain";
  if (env.CI !== undefined && env.CI !== "" && env.CI !== "0" && env.CI !== "false") return "plain";
  return "tui";
}

export function attachLogger(bus: Subscribable<RunEvent>, mode: LogMode, opts: LoggerOptions = {}): Logger {
  switch (mode) {
    case "json":
      return attachJson(bus, opts);
    case "plain":
      return attachPlain(bus, opts);
    case "tui":
      return attachRunTui(bus, opts);
  }
}

/**
 * A sink that goes quiet when its reader has gone (`hgc run --json | head`): the run goes on
 * and its folder is still written, but a closed pipe is not an error worth a stack trace.
 */
function guarded(sink: TextSink): TextSink {
  let open = true;
  const emitter = sink as TextSink & { on?: (event: string, fn: (e: NodeJS.ErrnoException) => void) => unknown };
  emitter.on?.("error", (e) => {
    if (e.code === "EPIPE") open = false;
    else throw e;
  });
  return {
    isTTY: sink.isTTY,
    columns: sink.columns,
    write: (chunk) => (open ? sink.write(chunk) : false),
  };
}

/** Writes each event as one line of JSON, as it arrives. */
export function attachJson<E>(bus: Subscribable<E>, opts: LoggerOptions = {}): Logger {
  const out = guarded(opts.out ?? process.stdout);
  const off = bus.on((event) => {
    out.write(JSON.stringify(event) + "\n");
  });
  return {
    async close() {
      off();
    },
  };
}

// ---- plain -------------------------------------------------------------------------------

/** `step 120/1500  loss gen=2.31 con=4.02  obj=4.32  lr 9.8e-4  410 img/s  eta 3m12s` */
export function formatStepLine(e: StepEvent, startStep = 0): string {
  const width = String(e.totalSteps).length;
  const losses = Object.entries(e.losses)
    .map(([name, v]) => `${name}=${formatValue(v, LIVE_DIGITS)}`)
    .join(" ");
  // A first step too quick for the clock still has a time of its own to go by.
  const eta = etaMs(e.step, e.totalSteps, e.elapsedMs, startStep) ?? (e.msPerStep > 0 ? (e.totalSteps - e.step) * e.msPerStep : undefined);
  const parts = [
    `step ${String(e.step).padStart(width)}/${e.totalSteps}`,
    ...(losses ? [`loss ${losses}`] : []),
    `obj=${formatValue(e.objective, LIVE_DIGITS)}`,
    `lr ${formatLr(e.lr)}`,
    `${formatRate(e.imagesPerSec)} img/s`,
    `eta ${eta === undefined ? "?" : formatDuration(eta)}`,
  ];
  return parts.join("  ");
}

/** The run's identity in one line: experiment, engine, size, data and length. */
export function formatStartLine(e: StartEvent): string {
  const data = e.datasets.map((d) => `${d.name} ${formatCount(d.images)}`).join(", ");
  const resumed = e.startStep > 0 ? `  resumed at step ${e.startStep}` : "";
  const id = e.id ? ` ${e.id.slice(0, 8)}` : "";
  const set = e.overrides?.length ? `  ${e.overrides.join(" ")}` : "";
  const product = formatProduct(e) ? `  product ${formatProduct(e)}` : "";
  return `run ${e.experiment}${id}${set}  backend ${formatEngine(e)}  ${formatCount(e.parameters)} params  data ${data}  ${e.totalSteps} steps × batch ${e.batch}  seed ${e.seed}${product}${resumed}  → ${e.runDir}`;
}

/** A metrics map as indented `name  value` rows (null shown as —). */
export function formatMetrics(metrics: Metrics, indent = "  "): string[] {
  const rows = Object.entries(metrics).map(([k, v]) => [k, formatValue(v, LIVE_DIGITS)]);
  return layoutTable(rows).map((l) => indent + l);
}

export function formatEval(e: EvalEvent): string[] {
  const lines = [`eval at step ${e.step} (${formatDuration(e.elapsedMs)})`, ...formatMetrics(e.metrics)];
  for (const s of e.skipped) lines.push(`  skipped ${s.protocol}: ${s.reason}`);
  return lines;
}

/** Prints progress lines no more often than `intervalMs`, always the first and the last step. */
export function attachPlain(bus: Subscribable<RunEvent>, opts: LoggerOptions = {}): Logger {
  const out = guarded(opts.out ?? process.stdout);
  const err = opts.err ?? process.stderr;
  const now = opts.now ?? Date.now;
  const interval = opts.intervalMs ?? 2000;
  const quiet = opts.quiet ?? false;
  let startStep = 0;
  let evalStep: number | undefined;
  let lastPrinted: number | undefined;
  let pending: StepEvent | undefined;
  const print = (line: string) => out.write(line + "\n");
  const printStep = (e: StepEvent) => {
    print(formatStepLine(e, startStep));
    lastPrinted = now();
    pending = undefined;
  };
  // Before anything else is printed, the latest unprinted step goes first, so a log never
  // jumps from step 100 straight to an eval at step 500 without saying where training was.
  const flushStep = () => {
    if (pending && !quiet) printStep(pending);
  };

  const off = bus.on((event) => {
    switch (event.type) {
      case "start":
        startStep = event.startStep;
        if (!quiet) print(formatStartLine(event));
        break;
      case "step": {
        if (quiet) break;
        const first = lastPrinted === undefined;
        const last = event.step >= event.totalSteps;
        if (first || last || now() - lastPrinted! >= interval) printStep(event);
        else pending = event;
        break;
      }
      case "eval":
        if (quiet) break;
        flushStep();
        evalStep = event.step;
        for (const l of formatEval(event)) print(l);
        break;
      case "checkpoint":
        if (quiet) break;
        flushStep();
        print(`checkpoint at step ${event.step} → ${event.path}`);
        break;
      case "log":
        if (event.level === "warn") err.write(`hgc: warning: ${event.message}\n`);
        else if (!quiet) print(event.message);
        break;
      case "error":
        flushStep();
        err.write(`hgc: error: ${event.step !== undefined ? `at step ${event.step}: ` : ""}${event.message}\n`);
        if (event.hint) err.write(`  hint: ${event.hint}\n`);
        break;
      case "end": {
        flushStep();
        const verb = { completed: "finished", interrupted: "interrupted", failed: "failed" }[event.status];
        print(`${verb} at step ${event.step} after ${formatDuration(event.elapsedMs)}  → ${event.runDir}`);
        if (Object.keys(event.metrics).length > 0) {
          print(evalStep !== undefined && evalStep !== event.step ? `results (evaluation at step ${evalStep})` : "results");
          for (const l of formatMetrics(event.metrics)) print(l);
        }
        if (event.status === "interrupted") print("to continue, run the same command again with --resume");
        break;
      }
    }
  });
  return {
    async close() {
      off();
    },
  };
}

// ---- tui -----------------------------------------------------------------------------------

// ---- sweeps --------------------------------------------------------------------------------

export function attachSweepLogger(bus: Subscribable<SweepEvent>, mode: LogMode, opts: LoggerOptions = {}): Logger {
  switch (mode) {
    case "json":
      return attachJson(bus, opts);
    case "plain":
      return attachSweepPlain(bus, opts);
    case "tui":
      return attachSweepTui(bus, opts);
  }
}

/** `✓ 3f9a02c1  wg=0.25 wc=0.75  seed 1  done  linear_probe.accuracy 0.812  1m02s` */
export function formatTrialLine(state: SweepState, t: TrialState): string {
  const mark = { queued: "·", pending: "◷", running: "▸", done: "✓", failed: "✗", skipped: "↷", pruned: "✂" }[t.status];
  const head = `${mark} ${t.trial.id.slice(0, 8)}  ${formatPoint(t.trial.point)}  seed ${t.trial.seed}  ${t.status}`;
  if (t.status === "failed") return `${head}: ${(t.error ?? "failed").split("\n")[0]}`;
  if (t.status === "running") return t.totalSteps ? `${head}  step ${t.step}/${t.totalSteps}` : head;
  if (t.status === "pending") return t.reason ? `${head}: ${pendingReason(t.reason)}` : head;
  const key = keyMetricOf(state, t.metrics);
  const metric = key ? `  ${key[0]} ${formatValue(key[1], LIVE_DIGITS)}` : "";
  const time = t.elapsedMs !== undefined ? `  ${formatDuration(t.elapsedMs)}` : "";
  return head + metric + time;
}

/** The aggregate table (mean ± std per grid point) and the Pareto points, as text lines. */
export function formatSweepEnd(end: SweepEndEvent): string[] {
  const lines = aggregateLines(end.table);
  lines.push(`pareto front${end.objectives && end.objectives.length > 0 ? ` (${end.objectives.join(", ")})` : ""}`);
  const pareto = paretoLines(end.pareto);
  if (pareto.length === 0) lines.push("  no finished points");
  for (const l of pareto) lines.push(`  ★ ${l}`);
  if (end.files && end.files.length > 0) lines.push(`wrote ${end.files.join(", ")}`);
  return lines;
}

/** Trial starts and ends as they happen; the sweep's progress no more often than `intervalMs`. */
export function attachSweepPlain(bus: Subscribable<SweepEvent>, opts: LoggerOptions = {}): Logger {
  const out = guarded(opts.out ?? process.stdout);
  const err = opts.err ?? process.stderr;
  const now = opts.now ?? Date.now;
  const interval = opts.intervalMs ?? 2000;
  const quiet = opts.quiet ?? false;
  let state = initialSweepState;
  let startedAt = now();
  let lastProgress = -Infinity;
  const print = (line: string) => out.write(line + "\n");
  const trial = (id: string) => state.trials.find((t) => t.trial.id === id);

  const off = bus.on((event) => {
    state = reduceSweep(state, event);
    switch (event.type) {
      case "sweep-start":
        startedAt = now();
        lastProgress = startedAt;
        if (!quiet) print(`sweep ${event.sweep}  ${event.trials.length} trials  ${event.on ? `on ${event.on}` : `jobs ${event.jobs}`}${event.dir ? `  → ${event.dir}` : ""}`);
        break;
      case "trial-pending":
      case "trial-start": {
        const t = trial(event.id);
        if (t && !quiet) print(formatTrialLine(state, t));
        break;
      }
      case "trial-progress": {
        if (quiet || now() - lastProgress < interval) break;
        lastProgress = now();
        const running = state.trials.filter((t) => t.status === "running");
        const finished = state.trials.filter((t) => t.status === "done" || t.status === "skipped" || t.status === "pruned").length;
        const failed = state.trials.filter((t) => t.status === "failed").length;
        const eta = sweepEtaMs(state.trials, now() - startedAt);
        const steps = running.map((t) => `${t.trial.id.slice(0, 8)} ${t.step}/${t.totalSteps ?? "?"}`).join(", ");
        print(
          `sweep ${finished}/${state.trials.length} done  ${running.length} running${failed ? `  ${failed} failed` : ""}` +
            `  elapsed ${formatDuration(now() - startedAt)}  eta ${eta === undefined ? "?" : formatDuration(eta)}${steps ? `  (${steps})` : ""}`,
        );
        break;
      }
      case "trial-end": {
        const t = trial(event.id);
        if (!t) break;
        if (t.status === "failed") err.write(formatTrialLine(state, t) + "\n");
        else if (!quiet) print(formatTrialLine(state, t));
        break;
      }
      case "sweep-end": {
        const done = state.trials.filter((t) => t.status === "done").length;
        const skipped = state.trials.filter((t) => t.status === "skipped").length;
        const failed = state.trials.filter((t) => t.status === "failed").length;
        const pruned = state.trials.filter((t) => t.status === "pruned").length;
        print(`sweep finished after ${formatDuration(event.elapsedMs)}: ${done} done, ${pruned ? `${pruned} pruned, ` : ""}${skipped} skipped, ${failed} failed`);
        for (const l of formatSweepEnd(event)) print(l);
        break;
      }
    }
  });
  return {
    async close() {
      off();
    },
  };
}
