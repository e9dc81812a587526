// `--log mlflow`: an MLflow file store, the layout `mlflow ui` reads from `./mlruns` (or from
// MLFLOW_TRACKING_URI when that is a local path or file: URI):
//
//   mlruns/<experiment_id>/meta.yaml             the experiment (named after the hgc experiment)
//   mlruns/<experiment_id>/<run_id>/meta.yaml    the run: status, start and end times
//     params/<key>     one value per file (seed, batch, steps, optimizer, objective, params…)
//     metrics/<key>    `<timestamp ms> <value> <step>` lines, appended as the run goes
//     tags/<key>       mlflow.runName, mlflow.source.name, hgc.run_dir, hgc.ir_hash…
//     artifacts/       ir.json, result.json, the reports and the sample sheet, at the end
//
// The run folder keeps `mlflow.json` (store, experiment and run id) so `--resume` goes on
// appending to the same MLflow run.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import { userInfo } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { writeFileAtomic } from "../atomic.js";
import type { RunEvent } from "../events.js";
import type { Dashboard, Subscribable } from "./types.js";

/** RunStatus in MLflow's protos. */
const STATUS = { running: 1, completed: 3, failed: 4, interrupted: 5 } as const;

/** The store's root: MLFLOW_TRACKING_URI when it names a local folder, else `./mlruns`. */
export function mlflowRoot(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): string {
  const uri = env.MLFLOW_TRACKING_URI;
  if (uri && uri.startsWith("file:")) return fileURLToPath(uri);
  if (uri && !/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) return path.resolve(cwd, uri);
  return path.resolve(cwd, "mlruns");
}

/** A YAML scalar: numbers bare, strings single-quoted (as MLflow's own files have them). */
function yamlValue(v: string | number | null): string {
  if (v === null) return "null";
  if (typeof v === "number") return String(v);
  return `'${v.replace(/'/g, "''")}'`;
}

function yaml(fields: Record<string, string | number | null | []>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? "[]" : yamlValue(v)}`)
    .join("\n") + "\n";
}

/** MLflow keys: letters, digits, `_ - . space /`; anything else becomes `_`. */
export function mlflowKey(name: string): string {
  return name.replace(/[^A-Za-z0-9_\-. /]/g, "_");
}

/** The id of the experiment called `name` in the store, created (with the Default one) if missing. */
export function experimentId(root: string, name: string, now = Date.now()): string {
  fs.mkdirSync(root, { recursive: true });
  const experiment = (id: string, experimentName: string) =>
    yaml({
      artifact_location: pathToFileURL(path.join(root, id)).href,
      creation_time: now,
      experiment_id: id,
      last_update_time: now,
      lifecycle_stage: "active",
      name: experimentName,
    });
  // `mlflow ui` expects the Default experiment (id 0) in a store it did not create itself.
  if (!fs.existsSync(path.join(root, "0", "meta.yaml"))) writeFileAtomic(path.join(root, "0", "meta.yaml"), experiment("0", "Default"));
  let max = 0;
  for (const id of fs.readdirSync(root)) {
    const meta = path.join(root, id, "meta.yaml");
    if (!/^\d+$/.test(id) || !fs.existsSync(meta)) continue;
    max = Math.max(max, Number(id));
    const m = /^name: '?(.*?)'?$/m.exec(fs.readFileSync(meta, "utf8"));
    if (m && m[1]!.replace(/''/g, "'") === name) return id;
  }
  const id = String(max + 1);
  writeFileAtomic(path.join(root, id, "meta.yaml"), experiment(id, name));
  return id;
}

interface RunRef {
  root: string;
  experimentId: string;
  runId: string;
  startTime: number;
  runName: string;
}

export interface MlflowOptions {
  /** The store's root (default `mlflowRoot()`). */
  root?: string;
}

export function attachMlflow(bus: Subscribable<RunEvent>, opts: MlflowOptions = {}): Dashboard {
  let run: RunRef | null = null;
  let runDir = "";
  let status: keyof typeof STATUS = "running";
  let endTime: number | null = null;
  const runPath = (...p: string[]) => path.join(run!.root, run!.experimentId, run!.runId, ...p);
  const writeMeta = () => {
    if (!run) return;
    writeFileAtomic(
      runPath("meta.yaml"),
      yaml({
        artifact_uri: pathToFileURL(runPath("artifacts")).href,
        end_time: endTime,
        entry_point_name: "",
        experiment_id: run.experimentId,
        lifecycle_stage: "active",
        run_id: run.runId,
        run_name: run.runName,
        run_uuid: run.runId,
        source_name: "",
        source_type: 4,
        source_version: "",
        start_time: run.startTime,
        status: STATUS[status],
        tags: [],
        user_id: user(),
      }),
    );
  };
  const metric = (key: string, value: number, step: number) => {
    if (!run || !Number.isFinite(value)) return;
    fs.appendFileSync(runPath("metrics", mlflowKey(key)), `${Date.now()} ${value} ${step}\n`);
  };
  const keyValue = (dir: "params" | "tags", key: string, value: string) => writeFileAtomic(runPath(dir, mlflowKey(key)), value);

  const off = bus.on((e) => {
    switch (e.type) {
      case "start": {
        runDir = e.runDir;
        run = (e.startStep > 0 ? previousRun(runDir) : null) ?? newRun(opts.root ?? mlflowRoot(), e, runDir);
        for (const d of ["metrics", "params", "tags", "artifacts"]) fs.mkdirSync(runPath(d), { recursive: true });
        writeMeta();
        for (const [k, v] of Object.entries(runParams(e, runDir))) keyValue("params", k, v);
        const tags: Record<string, string> = {
          "mlflow.runName": run.runName,
          "mlflow.user": user(),
          "mlflow.source.type": "LOCAL",
          "mlflow.source.name": "hgc run",
          "hgc.run_dir": runDir,
          "hgc.backend": e.backend,
          "hgc.kernels": e.kernels.join(", "),
        };
        const hash = readIr(runDir)?.hash;
        if (typeof hash === "string") tags["hgc.ir_hash"] = hash;
        for (const [k, v] of Object.entries(tags)) keyValue("tags", k, v);
        writeFileAtomic(path.join(runDir, "mlflow.json"), JSON.stringify({ root: run.root, experimentId: run.experimentId, runId: run.runId, startTime: run.startTime, runName: run.runName }, null, 2) + "\n");
        break;
      }
      case "step":
        for (const [k, v] of Object.entries(e.losses)) metric(`loss.${k}`, v, e.step);
        metric("objective", e.objective, e.step);
        metric("lr", e.lr, e.step);
        metric("grad_norm", e.gradNorm, e.step);
        metric("images_per_sec", e.imagesPerSec, e.step);
        break;
      case "eval":
        for (const [k, v] of Object.entries(e.metrics)) if (v !== null) metric(k, v, e.step);
        break;
      case "end":
        status = e.status;
        endTime = Date.now();
        writeMeta();
        break;
    }
  });
  return {
    async close() {
      off();
      if (!run) return;
      // The reports are written after the run's last event; by close they are all there.
      for (const f of ["ir.json", "result.json", "report.md", "report.html", "samples.png"]) {
        const from = path.join(runDir, f);
        if (fs.existsSync(from)) fs.copyFileSync(from, runPath("artifacts", f));
      }
      if (endTime === null) {
        status = "interrupted";
        endTime = Date.now();
        writeMeta();
      }
    },
  };
}

function user(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

function readIr(runDir: string): Record<string, any> | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(runDir, "ir.json"), "utf8"));
  } catch {
    return null;
  }
}

function newRun(root: string, e: Extract<RunEvent, { type: "start" }>, runDir: string): RunRef {
  return {
    root,
    experimentId: experimentId(root, e.experiment),
    runId: randomUUID().replace(/-/g, ""),
    startTime: Date.now(),
    runName: path.basename(runDir),
  };
}

/** The MLflow run a resumed run folder logged to, when its store still has it. */
function previousRun(runDir: string): RunRef | null {
  try {
    const r = JSON.parse(fs.readFileSync(path.join(runDir, "mlflow.json"), "utf8")) as RunRef;
    return fs.existsSync(path.join(r.root, r.experimentId, r.runId, "meta.yaml")) ? r : null;
  } catch {
    return null;
  }
}

/** The run's settings as MLflow params: size, data, length, optimizer, objective and its params. */
function runParams(e: Extract<RunEvent, { type: "start" }>, runDir: string): Record<string, string> {
  const out: Record<string, string> = {
    experiment: e.experiment,
    seed: String(e.seed),
    steps: String(e.totalSteps),
    batch: String(e.batch),
    parameters: String(e.parameters),
    backend: e.backend,
    data: e.datasets.map((d) => `${d.name} (${d.images})`).join(", "),
  };
  const ir = readIr(runDir);
  if (ir) {
    if (typeof ir.objective?.text === "string") out.objective = ir.objective.text;
    for (const [k, v] of Object.entries(ir.optimizer ?? {})) if (typeof v === "number" || typeof v === "string") out[`optimizer.${k}`] = String(v);
    for (const [k, v] of Object.entries(ir.params ?? {})) if (typeof v === "number") out[`param.${k}`] = String(v);
  }
  return out;
}
