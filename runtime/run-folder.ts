// Run folders, read back: the one place that knows their file names and checks what their files
// hold. `hgc run` writes them (run.ts); the store, the reports, the sweep scheduler and the CLI
// (`runs`, `report`, `eval`, `compare`, `export`) read them through here, as typed values.
//
//   runs/<experiment>-<hash8>/
//     ir.json          the experiment as run (overrides applied)
//     metrics.jsonl    every event but log lines, one JSON object a line
//     checkpoints/     the last two checkpoints (checkpoint.ts)
//     result.json      the outcome: status, steps, final losses and metrics, timings
//     samples.png, report.md, report.html
//
// A file that is missing is the caller's to interpret (a run still going has no result.json);
// a file that is there but damaged is a UserError naming the file and the line.

import { existsSync } from "node:fs";
import { join } from "node:path";
import type { IRExperiment } from "../compiler/ir.js";
import { isUserError, UserError } from "../common/errors.js";
import type { Metrics, RunEvent } from "./events.js";
import { NotReadableError, readRegularFile } from "./faults.js";

/** The largest run-folder file read back: hgc writes far less, and a JS string holds at most ~512 MB. */
const MAX_RUN_FILE_BYTES = 256 * 1024 * 1024;

/** The files of a run folder, named once. */
export const RUN_FILES = {
  ir: "ir.json",
  metrics: "metrics.jsonl",
  result: "result.json",
  checkpoints: "checkpoints",
  samples: "samples.png",
  reportMd: "report.md",
  reportHtml: "report.html",
} as const;

export type RunFile = keyof typeof RUN_FILES;

/** The path of one of a run folder's files. */
export function runFile(runDir: string, file: RunFile): string {
  return join(runDir, RUN_FILES[file]);
}

/** True for a folder that looks like a run: it holds an ir.json. */
export function isRunDir(dir: string): boolean {
  return existsSync(runFile(dir, "ir"));
}

/** "pruned": stopped by a sweep's `prune` rule (its checkpoint kept; `--resume` continues it by hand). */
export type RunStatus = "completed" | "interrupted" | "failed" | "pruned";
const RUN_STATUSES: readonly string[] = ["completed", "interrupted", "failed", "pruned"] satisfies RunStatus[];

/** result.json, as the trainer writes it at the end of a run (completed, interrupted or failed). */
export interface RunResultFile {
  /** The run's id (runtime/run.ts runIdOf): what `hgc runs`, the sweep view and every command name it by. */
  id: string;
  experiment: string;
  hash: string;
  runDir: string;
  seed: number;
  backend: string;
  backendDetail: string;
  kernels: string[];
  status: RunStatus;
  steps: number;
  totalSteps: number;
  parameters: number;
  /** Loss terms and objective of the last step. */
  losses: Record<string, number>;
  objective: number | null;
  metrics: Metrics;
  skipped: { protocol: string; reason: string }[];
  /** How each linear probe of the last evaluation was fitted (chosen L2, iterations, gradient norm, converged), by metric prefix (issue 12). */
  probes?: Record<string, { l2: number; iterations: number; gradNorm: number; loss: number; converged: boolean; heldOut: string; heldOutAccuracy: number | null; layer?: number }>;
  timings: { totalMs: number; trainMs: number; evalMs: number; msPerStep: number | null; imagesPerSec: number | null };
  /** `--steps`/`--seed`, and the command line's `path=value` overrides (already in ir.json). */
  overrides: { steps?: number; seed?: number; set?: string[] };
  /** Why a sweep's prune rule stopped it (status "pruned"). */
  pruned?: { metric: string; step: number; value: number; rung: number };
  startedAt: string;
  finishedAt: string;
  error?: { message: string; hint?: string; step?: number };
}

/**
 * result.json as read back: every field is checked when present, but any may be absent (a file
 * written by an earlier hgc, or by hand). Only `status` is required.
 */
export type RunResult = Partial<RunResultFile> & { status: RunStatus };

const DAMAGED = "the run folder was damaged or edited by hand; re-run the experiment (its checkpoints, if any, are kept)";

/** Read and parse a JSON file; bad JSON is a UserError naming the file and the line. */
export function readJsonFile(path: string, hint = DAMAGED): unknown {
  return parseJson(readRunFile(path, hint), path, hint);
}

/** A run-folder file's text: a regular file within the size limit (a FIFO or /dev/zero is refused, not read). */
function readRunFile(path: string, hint = DAMAGED): string {
  try {
    return readRegularFile(path, MAX_RUN_FILE_BYTES).toString("utf8");
  } catch (err) {
    if (err instanceof NotReadableError) throw new UserError(`cannot read ${path}: it ${err.message}`, hint, 2);
    throw new UserError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, undefined, 2);
  }
}

function parseJson(text: string, where: string, hint: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    // V8 says "… at position N" for most mistakes and nothing for an early end of input.
    const at = /at position (\d+)/.exec((err as Error).message);
    const line = at ? text.slice(0, Number(at[1])).split("\n").length : text.trimEnd().split("\n").length;
    throw new UserError(`${where}: not valid JSON (line ${line})`, hint, 2);
  }
}

// ---------------------------------------------------------------------------------------------
// Shape checks: each names the first field that is not what the writer writes.

type Check = (v: unknown) => boolean;
const isNumber: Check = (v) => typeof v === "number";
const isString: Check = (v) => typeof v === "string";
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const orNull = (c: Check): Check => (v) => v === null || c(v);
const recordOf = (c: Check): Check => (v) => isObject(v) && Object.values(v).every(c);
const arrayOf = (c: Check): Check => (v) => Array.isArray(v) && v.every(c);
const fields = (spec: Record<string, Check>): Check => (v) => isObject(v) && Object.entries(spec).every(([k, c]) => !(k in v) || c(v[k]));
/** Numbers, or null where JSON wrote a NaN or an infinity. */
const metricsCheck = recordOf(orNull(isNumber));
const skippedCheck = arrayOf(fields({ protocol: isString, reason: isString }));

const RESULT_FIELDS: Record<string, Check> = {
  id: isString,
  experiment: isString,
  hash: isString,
  runDir: isString,
  seed: isNumber,
  backend: isString,
  backendDetail: isString,
  kernels: arrayOf(isString),
  status: (v) => typeof v === "string" && RUN_STATUSES.includes(v),
  steps: isNumber,
  totalSteps: isNumber,
  parameters: isNumber,
  losses: metricsCheck,
  objective: orNull(isNumber),
  metrics: metricsCheck,
  skipped: skippedCheck,
  timings: recordOf(orNull(isNumber)),
  overrides: fields({ steps: isNumber, seed: isNumber, set: arrayOf(isString) }),
  startedAt: isString,
  finishedAt: isString,
  error: fields({ message: isString, hint: isString, step: isNumber }),
};

/** The required fields of each event type; the others are checked when present. */
const EVENT_FIELDS: Record<RunEvent["type"], { required: string[]; fields: Record<string, Check> }> = {
  start: { required: [], fields: { id: isString, overrides: arrayOf(isString), time: isString, experiment: isString, backend: isString, kernels: arrayOf(isString), parameters: isNumber, totalSteps: isNumber, batch: isNumber, seed: isNumber, startStep: isNumber } },
  step: { required: ["step"], fields: { step: isNumber, totalSteps: isNumber, losses: metricsCheck, weights: metricsCheck, objective: orNull(isNumber), lr: orNull(isNumber), gradNorm: orNull(isNumber), imagesPerSec: orNull(isNumber), msPerStep: orNull(isNumber), elapsedMs: isNumber } },
  eval: { required: ["step"], fields: { step: isNumber, metrics: metricsCheck, skipped: skippedCheck, elapsedMs: isNumber } },
  checkpoint: { required: ["step"], fields: { step: isNumber, path: isString } },
  log: { required: ["message"], fields: { level: isString, message: isString } },
  error: { required: ["message"], fields: { message: isString, hint: isString, step: isNumber } },
  end: { required: [], fields: { step: isNumber, status: (v) => typeof v === "string" && RUN_STATUSES.includes(v), elapsedMs: isNumber, metrics: metricsCheck, runDir: isString } },
};

/** The first field of `value` that `spec` rejects, as "`name` (value)". */
function badField(value: Record<string, unknown>, spec: Record<string, Check>): string | null {
  for (const [k, check] of Object.entries(spec)) {
    if (k in value && !check(value[k])) return `\`${k}\` (${JSON.stringify(value[k])?.slice(0, 40)})`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// The files

/** ir.json: the experiment as run. A folder without one is not a run folder. */
export function readRunIr(runDir: string): IRExperiment {
  const path = runFile(runDir, "ir");
  if (!existsSync(path)) throw new UserError(`${runDir} is not a run folder: it has no ${RUN_FILES.ir}`, "pass the folder `hgc run` printed (runs/<experiment>-<hash>)", 2);
  const ir = readJsonFile(path);
  // The fields every reader relies on; the rest is the compiler's to vouch for (it wrote the file).
  const bad = !isObject(ir)
    ? "not an object"
    : typeof ir.name !== "string" || typeof ir.hash !== "string" || !isObject(ir.train)
      ? "not a compiled experiment (it needs a name, a hash and train)"
      : null;
  if (bad) throw new UserError(`${path}: ${bad}`, DAMAGED, 2);
  return ir as unknown as IRExperiment;
}

/** result.json, or null while the run has not ended (or never started). */
export function readRunResult(runDir: string): RunResult | null {
  const path = runFile(runDir, "result");
  if (!existsSync(path)) return null;
  const result = readJsonFile(path);
  if (!isObject(result)) throw new UserError(`${path}: not a run result (a JSON object)`, DAMAGED, 2);
  if (!("status" in result)) throw new UserError(`${path}: has no \`status\``, DAMAGED, 2);
  const bad = badField(result, RESULT_FIELDS);
  if (bad) throw new UserError(`${path}: ${bad} is not what hgc writes there`, DAMAGED, 2);
  return result as RunResult;
}

/**
 * Why `value` is not a RunEvent, or null when it is one; "unknown" for an object whose `type` this
 * hgc does not know (a newer writer's), which readers skip.
 */
export function eventProblem(value: unknown): string | null {
  if (!isObject(value) || typeof value.type !== "string") return "not an event (an object with a `type`)";
  const spec = EVENT_FIELDS[value.type as RunEvent["type"]];
  if (!spec) return "unknown";
  const missing = spec.required.find((k) => !(k in value));
  if (missing) return `\`${missing}\` is missing`;
  const bad = badField(value, spec.fields);
  return bad ? `${bad} is not what hgc writes there` : null;
}

/**
 * metrics.jsonl: the run's events in order ([] when there is none yet). Only the last line may be
 * cut short, by a crash mid-write; it is left out. Events of types this hgc does not know are
 * skipped, so a newer writer's folders still read.
 */
export function readRunEvents(runDir: string): RunEvent[] {
  const path = runFile(runDir, "metrics");
  if (!existsSync(path)) return [];
  const lines = readRunFile(path).split("\n");
  const last = lines.reduce((acc, l, i) => (l.trim() ? i : acc), -1);
  const events: RunEvent[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let ev: unknown;
    try {
      ev = JSON.parse(line);
    } catch {
      if (i === last) return;
      throw new UserError(`${path}: line ${i + 1} is not valid JSON`, DAMAGED, 2);
    }
    const bad = eventProblem(ev);
    if (bad === "unknown") return;
    if (bad) throw new UserError(`${path}: line ${i + 1}: ${bad}`, DAMAGED, 2);
    events.push(ev as RunEvent);
  });
  return events;
}

/** The id a run folder records (result.json, else its start event), or undefined for a folder that records none. */
export function recordedRunId(runDir: string): string | undefined {
  try {
    const result = readRunResult(runDir);
    if (typeof result?.id === "string") return result.id;
    for (const e of readRunEvents(runDir)) if (e.type === "start" && typeof e.id === "string") return e.id;
  } catch (err) {
    if (!isUserError(err)) throw err;
  }
  return undefined;
}
