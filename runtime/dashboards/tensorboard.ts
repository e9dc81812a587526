// `--log tensorboard`: TensorBoard event files in the run folder, so `tensorboard --logdir runs`
// shows every run beside the others. Each step is one `Event` with scalar summaries (each loss
// term, the objective, lr, grad norm, throughput); each evaluation is one with every metric, and
// the sample sheet of that step as an image summary. Records are appended as events arrive (a
// TensorBoard open on the folder follows the run live), framed as TFRecords.
import fs from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import type { Metrics, RunEvent } from "../events.js";
import { ProtoWriter } from "./protobuf.js";
import { tfRecord } from "./tfrecord.js";
import type { Dashboard, Subscribable } from "./types.js";

/** The scalar tag of an evaluation metric: its protocol, a slash, the rest (`linear_probe/accuracy`). */
export function metricTag(metric: string): string {
  const dot = metric.indexOf(".");
  return dot < 0 ? `eval/${metric}` : `${metric.slice(0, dot)}/${metric.slice(dot + 1)}`;
}

/** The scalars of a step, by tag. */
export function stepScalars(e: Extract<RunEvent, { type: "step" }>): [string, number][] {
  return [
    ...Object.entries(e.losses).map(([k, v]) => [`loss/${k}`, v] as [string, number]),
    ["train/objective", e.objective],
    ["train/lr", e.lr],
    ["train/grad_norm", e.gradNorm],
    ["train/images_per_sec", e.imagesPerSec],
  ];
}

function scalarValue(tag: string, value: number): ProtoWriter {
  // Summary.Value: tag = 1, simple_value = 2 (float)
  return new ProtoWriter().bytes(1, tag).float(2, value);
}

/** PNG colour type → Summary.Image colorspace (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA). */
const COLORSPACE: Record<number, number> = { 0: 1, 4: 2, 2: 3, 6: 4 };

function imageValue(tag: string, png: Buffer): ProtoWriter | null {
  if (png.length < 26 || png.toString("latin1", 12, 16) !== "IHDR") return null;
  const image = new ProtoWriter()
    .uint(1, png.readUInt32BE(20)) // height
    .uint(2, png.readUInt32BE(16)) // width
    .uint(3, COLORSPACE[png[25]!] ?? 1)
    .bytes(4, png);
  return new ProtoWriter().bytes(1, tag).bytes(4, image);
}

/** An `Event` (wall_time = 1, step = 2, file_version = 3, summary = 5) as bytes. */
export function eventBytes(step: number, what: { fileVersion?: string; values?: ProtoWriter[] }, wallTime = Date.now() / 1000): Uint8Array {
  const ev = new ProtoWriter().double(1, wallTime).uint(2, Math.max(0, Math.trunc(step)));
  if (what.fileVersion !== undefined) ev.bytes(3, what.fileVersion);
  if (what.values) {
    const summary = new ProtoWriter();
    for (const v of what.values) summary.bytes(1, v);
    ev.bytes(5, summary);
  }
  return ev.finish();
}

const EVENT_FILE = /^events\.out\.tfevents\./;

export function attachTensorBoard(bus: Subscribable<RunEvent>): Dashboard {
  let fd: number | null = null;
  let runDir = "";
  const write = (bytes: Uint8Array) => {
    if (fd !== null) fs.writeSync(fd, tfRecord(bytes));
  };
  const scalars = (step: number, pairs: [string, number][]) => {
    const values = pairs.filter(([, v]) => Number.isFinite(v)).map(([t, v]) => scalarValue(t, v));
    if (values.length) write(eventBytes(step, { values }));
  };
  const off = bus.on((e) => {
    switch (e.type) {
      case "start": {
        runDir = e.runDir;
        // A fresh run replaces the folder's logs, as it replaces metrics.jsonl; a resumed one
        // adds a file (TensorBoard drops the steps a restart repeats).
        if (e.startStep === 0) {
          for (const f of fs.readdirSync(runDir)) if (EVENT_FILE.test(f)) fs.rmSync(path.join(runDir, f), { force: true });
        }
        const name = `events.out.tfevents.${Math.floor(Date.now() / 1000)}.${hostname()}.${process.pid}.${e.startStep}`;
        fd = fs.openSync(path.join(runDir, name), "a");
        write(eventBytes(e.startStep, { fileVersion: "brain.Event:2" }));
        break;
      }
      case "step":
        scalars(e.step, stepScalars(e));
        break;
      case "eval": {
        scalars(e.step, evalScalars(e.metrics));
        const sheet = path.join(runDir, `samples-step${e.step}.png`);
        if (fs.existsSync(sheet)) {
          const v = imageValue("samples", fs.readFileSync(sheet));
          if (v) write(eventBytes(e.step, { values: [v] }));
        }
        break;
      }
      case "end":
        if (fd !== null) fs.closeSync(fd);
        fd = null;
        break;
    }
  });
  return {
    async close() {
      off();
      if (fd !== null) fs.closeSync(fd);
      fd = null;
    },
  };
}

function evalScalars(metrics: Metrics): [string, number][] {
  return Object.entries(metrics)
    .filter((kv): kv is [string, number] => typeof kv[1] === "number")
    .map(([k, v]) => [metricTag(k), v]);
}
