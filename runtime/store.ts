// The results database: a SQLite file (runs/hgc.sqlite, or $HGC_DB) indexing every run folder,
// every sweep and its trials, and every logged metric. Run folders stay the source of truth;
// the database is an index that `indexRun` (re)builds from a folder at any time.
import Database from "better-sqlite3";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { IRExperiment } from "../compiler/ir.js";
import { isUserError, UserError } from "../common/errors.js";
import type { EndEvent, Metrics, StartEvent } from "./events.js";
import { isRunDir, readRunEvents, readRunIr, readRunResult, runFile } from "./run-folder.js";

export const DEFAULT_RUNS_ROOT = "runs";

/** The database path: $HGC_DB, else `<runsRoot>/hgc.sqlite`. */
export function defaultDbPath(runsRoot = DEFAULT_RUNS_ROOT): string {
  return process.env.HGC_DB ? resolve(process.env.HGC_DB) : resolve(runsRoot, "hgc.sqlite");
}

export interface RunRecord {
  id: string;
  experiment: string;
  hash: string;
  seed: number | null;
  runDir: string;
  status: string;
  backend: string | null;
  started: string | null;
  ended: string | null;
  /** Steps done (from the result, else the last logged step). */
  steps: number | null;
  totalSteps: number | null;
  parameters: number | null;
  /** Final metrics (result.json). */
  metrics: Metrics;
  error: string | null;
}

export interface SweepRecord {
  id: string;
  name: string;
  dir: string;
  file: string | null;
  params: string[];
  objectives: { direction: "maximize" | "minimize"; metric: string }[];
  created: string;
  updated: string;
  status: string;
}

export interface TrialRecord {
  sweep: string;
  trial: string;
  run: string | null;
  experiment: string;
  point: Record<string, number>;
  seed: number;
  status: string;
  error: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  experiment TEXT NOT NULL,
  hash TEXT NOT NULL,
  seed INTEGER,
  run_dir TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL,
  backend TEXT,
  started TEXT,
  ended TEXT,
  steps INTEGER,
  total_steps INTEGER,
  parameters INTEGER,
  metrics TEXT NOT NULL DEFAULT '{}',
  error TEXT,
  indexed_mtime REAL
);
CREATE TABLE IF NOT EXISTS sweeps (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  dir TEXT NOT NULL,
  file TEXT,
  params TEXT NOT NULL,
  objectives TEXT NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS trials (
  sweep TEXT NOT NULL REFERENCES sweeps(id),
  trial TEXT NOT NULL,
  run TEXT REFERENCES runs(id),
  experiment TEXT NOT NULL,
  point TEXT NOT NULL,
  seed INTEGER NOT NULL,
  status TEXT NOT NULL,
  error TEXT,
  PRIMARY KEY (sweep, trial)
);
CREATE TABLE IF NOT EXISTS metrics (
  run TEXT NOT NULL REFERENCES runs(id),
  step INTEGER NOT NULL,
  name TEXT NOT NULL,
  value REAL,
  PRIMARY KEY (run, step, name)
);
CREATE INDEX IF NOT EXISTS metrics_by_name ON metrics(name, run);
`;

/** The rows of the tables above, as SQLite returns them (JSON columns still text). */
interface RunRow {
  id: string;
  experiment: string;
  hash: string;
  seed: number | null;
  run_dir: string;
  status: string;
  backend: string | null;
  started: string | null;
  ended: string | null;
  steps: number | null;
  total_steps: number | null;
  parameters: number | null;
  metrics: string;
  error: string | null;
}
interface SweepRow {
  id: string;
  name: string;
  dir: string;
  file: string | null;
  params: string;
  objectives: string;
  created: string;
  updated: string;
  status: string;
}
type TrialRow = Omit<TrialRecord, "point"> & { point: string };

/**
 * The id of a run folder that records none (written by an older hgc): derived from its absolute
 * path, so re-indexing it updates one row. Folders record their id (runtime/run.ts placeRun).
 */
export function runIdFor(runDir: string): string {
  return createHash("sha256").update(resolve(runDir)).digest("hex").slice(0, 16);
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/**
 * What a run folder says about itself, read from ir.json, result.json and metrics.jsonl. A damaged
 * file does not hide the run: it is indexed with what could be read, the damage as its error.
 */
export function readRunFolder(runDir: string): { record: RunRecord; series: { step: number; name: string; value: number | null }[] } {
  const dir = resolve(runDir);
  const problems: string[] = [];
  const attempt = <T>(read: () => T, fallback: T): T => {
    try {
      return read();
    } catch (err) {
      if (!isUserError(err)) throw err;
      problems.push(err.message);
      return fallback;
    }
  };
  const ir = attempt<IRExperiment | null>(() => readRunIr(dir), null);
  const result = attempt(() => readRunResult(dir), null);
  const events = attempt(() => readRunEvents(dir), []);
  const series: { step: number; name: string; value: number | null }[] = [];
  let start: StartEvent | undefined;
  let end: EndEvent | undefined;
  let lastStep: number | null = null;
  let lastError: string | null = null;
  for (const ev of events) {
    if (ev.type === "start") start = ev;
    else if (ev.type === "step") {
      lastStep = ev.step;
      for (const [k, v] of Object.entries(ev.losses ?? {})) series.push({ step: ev.step, name: `loss.${k}`, value: num(v) });
      if (ev.objective !== undefined) series.push({ step: ev.step, name: "objective", value: num(ev.objective) });
      if (ev.lr !== undefined) series.push({ step: ev.step, name: "lr", value: num(ev.lr) });
    } else if (ev.type === "eval") {
      for (const [k, v] of Object.entries(ev.metrics ?? {})) series.push({ step: ev.step, name: k, value: num(v) });
    } else if (ev.type === "error") lastError = ev.message;
    else if (ev.type === "end") end = ev;
  }
  const metrics: Metrics = {};
  for (const [k, v] of Object.entries(result?.metrics ?? end?.metrics ?? {})) metrics[k] = num(v);
  const steps = num(result?.steps) ?? num(end?.step) ?? lastStep;
  if (result) {
    for (const [k, v] of Object.entries(metrics)) series.push({ step: steps ?? -1, name: k, value: v });
  }
  const status = result?.status ?? end?.status ?? (problems.length ? "damaged" : start ? "interrupted" : "unknown");
  const record: RunRecord = {
    id: result?.id ?? start?.id ?? runIdFor(dir),
    experiment: ir?.name ?? result?.experiment ?? "?",
    hash: ir?.hash ?? "",
    seed: num(result?.seed) ?? num(start?.seed) ?? num(ir?.seed),
    runDir: dir,
    status,
    backend: result?.backend ?? start?.backend ?? null,
    started: result?.startedAt ?? start?.time ?? null,
    ended: result?.finishedAt ?? null,
    steps,
    totalSteps: num(result?.totalSteps) ?? num(start?.totalSteps) ?? num(ir?.train?.steps),
    parameters: num(ir?.estimates?.parameters) ?? num(start?.parameters),
    metrics,
    error: result?.error?.message ?? problems[0] ?? (status === "failed" ? lastError : null),
  };
  return { record, series };
}

function folderMtime(dir: string): number {
  let t = 0;
  for (const f of ["ir", "result", "metrics"] as const) {
    try {
      t = Math.max(t, statSync(runFile(dir, f)).mtimeMs);
    } catch {}
  }
  return t;
}

/** How long to wait for a database another process holds locked: $HGC_DB_WAIT_MS, default 30 s. */
function lockWaitMs(): number {
  const v = Number(process.env.HGC_DB_WAIT_MS);
  return Number.isFinite(v) && v >= 0 ? v : 30_000;
}

function isBusy(err: unknown): boolean {
  return /^SQLITE_(BUSY|LOCKED)/.test((err as { code?: string })?.code ?? "");
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * `fn()`, retried with a growing pause while another process holds the database locked (a sweep
 * indexing its trials, an open `sqlite3` shell), then a UserError saying so. Each attempt also
 * waits SQLite's own busy timeout, a fraction of the whole.
 */
function whileLocked<T>(path: string, fn: () => T): T {
  const budget = lockWaitMs();
  const t0 = Date.now();
  for (let pause = 20; ; pause = Math.min(2 * pause, 1000)) {
    try {
      return fn();
    } catch (err) {
      if (/^SQLITE_(FULL|READONLY|IOERR)/.test((err as { code?: string })?.code ?? "")) {
        throw new UserError(`cannot write the results database ${path}: ${(err as Error).message}`, "free disk space or make its folder writable (or set HGC_DB to another file); the run folders are intact and it is rebuilt from them", 1);
      }
      if (!isBusy(err)) throw err;
      const waited = Date.now() - t0;
      if (waited >= budget) {
        throw new UserError(
          `the results database ${path} is locked by another process (waited ${(waited / 1000).toFixed(1)} s)`,
          "wait for the other hgc command (a sweep?) to finish, or close the program holding the file; HGC_DB_WAIT_MS sets how long to wait",
          1,
        );
      }
      Atomics.wait(sleeper, 0, 0, Math.min(pause, budget - waited));
    }
  }
}

export class Store {
  readonly db: Database.Database;

  constructor(readonly path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    try {
      this.db = new Database(path);
      this.db.pragma(`busy_timeout = ${Math.min(250, lockWaitMs())}`);
      whileLocked(path, () => {
        this.db.pragma("journal_mode = WAL");
        this.db.exec(SCHEMA);
      });
    } catch (err) {
      const code = (err as { code?: string }).code ?? "";
      if (/^SQLITE_(NOTADB|CORRUPT|CANTOPEN|READONLY|IOERR)/.test(code)) {
        throw new UserError(
          `cannot use the results database ${path}: ${(err as Error).message}`,
          "it is only an index of the run folders: move it away (or set HGC_DB) and `hgc runs` rebuilds it",
          2,
        );
      }
      throw err;
    }
    // Every statement and transaction of this connection waits out another process's lock the
    // same way; inside a transaction a lock ends the transaction, which is retried whole.
    const db = this.db;
    const prepare = db.prepare.bind(db);
    const transaction = db.transaction.bind(db);
    const guard = <F extends (...args: any[]) => any>(f: F): F => ((...args: any[]) => (db.inTransaction ? f(...args) : whileLocked(path, () => f(...args)))) as F;
    (db as { prepare: unknown }).prepare = (sql: string) => {
      const stmt = prepare(sql);
      for (const m of ["run", "get", "all"] as const) (stmt as any)[m] = guard((stmt as any)[m].bind(stmt));
      return stmt;
    };
    (db as { transaction: unknown }).transaction = (fn: (...args: any[]) => unknown) => guard(transaction(fn));
  }

  static open(path = defaultDbPath()): Store {
    return new Store(path);
  }

  close(): void {
    this.db.close();
  }

  /** Index (or re-index) one run folder: its row in `runs` and every logged metric. Returns the run id. */
  indexRun(runDir: string): string {
    const { record: r, series } = readRunFolder(runDir);
    const mtime = folderMtime(r.runDir);
    const tx = this.db.transaction(() => {
      // The folder's row under another id (indexed by an older hgc, or a folder copied over another) goes.
      for (const old of this.db.prepare(`SELECT id FROM runs WHERE run_dir = ? AND id != ?`).all(r.runDir, r.id) as { id: string }[]) {
        this.db.prepare(`DELETE FROM metrics WHERE run = ?`).run(old.id);
        this.db.prepare(`UPDATE trials SET run = ? WHERE run = ?`).run(r.id, old.id);
        this.db.prepare(`DELETE FROM runs WHERE id = ?`).run(old.id);
      }
      this.db
        .prepare(
          `INSERT INTO runs (id, experiment, hash, seed, run_dir, status, backend, started, ended, steps, total_steps, parameters, metrics, error, indexed_mtime)
           VALUES (@id, @experiment, @hash, @seed, @runDir, @status, @backend, @started, @ended, @steps, @totalSteps, @parameters, @metrics, @error, @mtime)
           ON CONFLICT(id) DO UPDATE SET run_dir=excluded.run_dir, experiment=excluded.experiment, hash=excluded.hash, seed=excluded.seed,
             status=excluded.status, backend=excluded.backend, started=excluded.started, ended=excluded.ended,
             steps=excluded.steps, total_steps=excluded.total_steps, parameters=excluded.parameters,
             metrics=excluded.metrics, error=excluded.error, indexed_mtime=excluded.indexed_mtime`,
        )
        .run({ ...r, metrics: JSON.stringify(r.metrics), mtime });
      this.db.prepare(`DELETE FROM metrics WHERE run = ?`).run(r.id);
      const ins = this.db.prepare(`INSERT OR REPLACE INTO metrics (run, step, name, value) VALUES (?, ?, ?, ?)`);
      for (const s of series) ins.run(r.id, s.step, s.name, s.value);
    });
    tx();
    return r.id;
  }

  /**
   * Index every run folder under `root` (searched a few levels deep, including sweep trials) that is
   * new or changed since it was last indexed. Returns how many were (re)indexed.
   */
  scan(root: string, depth = 4): number {
    const known = new Map<string, number>();
    for (const row of this.db.prepare(`SELECT run_dir, indexed_mtime FROM runs`).all() as { run_dir: string; indexed_mtime: number | null }[]) {
      known.set(row.run_dir, row.indexed_mtime ?? 0);
    }
    let count = 0;
    const walk = (dir: string, d: number) => {
      if (isRunDir(dir)) {
        const abs = resolve(dir);
        if (known.get(abs) !== folderMtime(abs)) {
          this.indexRun(abs);
          count++;
        }
        return; // a run folder's sub-folders are checkpoints, not runs
      }
      if (d === 0) return;
      let entries: import("node:fs").Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) if (e.isDirectory() && !e.name.startsWith(".")) walk(join(dir, e.name), d - 1);
    };
    if (existsSync(root)) walk(root, depth);
    return count;
  }

  private toRun(row: RunRow): RunRecord {
    return {
      id: row.id,
      experiment: row.experiment,
      hash: row.hash,
      seed: row.seed,
      runDir: row.run_dir,
      status: row.status,
      backend: row.backend,
      started: row.started,
      ended: row.ended,
      steps: row.steps,
      totalSteps: row.total_steps,
      parameters: row.parameters,
      metrics: JSON.parse(row.metrics),
      error: row.error,
    };
  }

  /** Every run, newest first. */
  listRuns(filter: { experiment?: string; status?: string; sweep?: string } = {}): RunRecord[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.experiment) (where.push("r.experiment = ?"), args.push(filter.experiment));
    if (filter.status) (where.push("r.status = ?"), args.push(filter.status));
    if (filter.sweep) {
      where.push("r.id IN (SELECT t.run FROM trials t JOIN sweeps s ON s.id = t.sweep WHERE s.name = ? OR s.id LIKE ?)");
      args.push(filter.sweep, `${filter.sweep}%`);
    }
    const sql = `SELECT r.* FROM runs r ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY COALESCE(r.started, '') DESC, r.run_dir`;
    return (this.db.prepare(sql).all(...args) as RunRow[]).map((r) => this.toRun(r));
  }

  /**
   * Runs matching a reference: an id prefix, a run folder path, or a folder name prefix.
   * More than one match means the reference is ambiguous.
   */
  findRuns(ref: string): RunRecord[] {
    const abs = resolve(ref);
    const exact = this.db.prepare(`SELECT * FROM runs WHERE id = ? OR run_dir = ?`).all(ref, abs) as RunRow[];
    if (exact.length) return exact.map((r) => this.toRun(r));
    const rows = this.db
      .prepare(`SELECT * FROM runs WHERE id LIKE ? OR run_dir LIKE ? OR run_dir LIKE ?`)
      .all(`${ref}%`, `%/${ref}%`, `%/${ref}`) as RunRow[];
    // a path-component match must start a component: "%/ref%" may hit the middle of a later one
    return rows
      .filter((r) => r.id.startsWith(ref) || r.run_dir.split("/").some((c: string) => c.startsWith(ref)))
      .map((r) => this.toRun(r));
  }

  getRun(id: string): RunRecord | undefined {
    const row = this.db.prepare(`SELECT * FROM runs WHERE id = ?`).get(id) as RunRow | undefined;
    return row ? this.toRun(row) : undefined;
  }

  /** A run's metric history, by metric name, ordered by step. */
  metricSeries(runId: string): Record<string, { step: number; value: number | null }[]> {
    const out: Record<string, { step: number; value: number | null }[]> = {};
    const rows = this.db.prepare(`SELECT step, name, value FROM metrics WHERE run = ? ORDER BY name, step`).all(runId) as { step: number; name: string; value: number | null }[];
    for (const r of rows) (out[r.name] ??= []).push({ step: r.step, value: r.value });
    return out;
  }

  upsertSweep(s: Omit<SweepRecord, "created" | "updated"> & { created?: string }): void {
    const now = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO sweeps (id, name, dir, file, params, objectives, created, updated, status)
         VALUES (@id, @name, @dir, @file, @params, @objectives, @created, @updated, @status)
         ON CONFLICT(id) DO UPDATE SET name=excluded.name, dir=excluded.dir, file=excluded.file, params=excluded.params,
           objectives=excluded.objectives, updated=excluded.updated, status=excluded.status`,
      )
      .run({
        ...s,
        params: JSON.stringify(s.params),
        objectives: JSON.stringify(s.objectives),
        created: s.created ?? now,
        updated: now,
      });
  }

  upsertTrial(t: TrialRecord): void {
    this.db
      .prepare(
        `INSERT INTO trials (sweep, trial, run, experiment, point, seed, status, error)
         VALUES (@sweep, @trial, @run, @experiment, @point, @seed, @status, @error)
         ON CONFLICT(sweep, trial) DO UPDATE SET run=excluded.run, experiment=excluded.experiment, point=excluded.point,
           seed=excluded.seed, status=excluded.status, error=excluded.error`,
      )
      .run({ ...t, point: JSON.stringify(t.point) });
  }

  listSweeps(): SweepRecord[] {
    return (this.db.prepare(`SELECT * FROM sweeps ORDER BY updated DESC`).all() as SweepRow[]).map((r) => ({
      id: r.id,
      name: r.name,
      dir: r.dir,
      file: r.file,
      params: JSON.parse(r.params),
      objectives: JSON.parse(r.objectives),
      created: r.created,
      updated: r.updated,
      status: r.status,
    }));
  }

  listTrials(sweepId: string): TrialRecord[] {
    return (this.db.prepare(`SELECT * FROM trials WHERE sweep = ? ORDER BY experiment, point, seed`).all(sweepId) as TrialRow[]).map(
      (r) => ({ ...r, point: JSON.parse(r.point) }),
    );
  }

  /** The sweep (name and trial point) a run belongs to, if any. */
  trialOf(runId: string): { sweep: string; sweepName: string; point: Record<string, number> } | undefined {
    const row = this.db
      .prepare(`SELECT t.sweep, s.name, t.point FROM trials t JOIN sweeps s ON s.id = t.sweep WHERE t.run = ? LIMIT 1`)
      .get(runId) as { sweep: string; name: string; point: string } | undefined;
    return row ? { sweep: row.sweep, sweepName: row.name, point: JSON.parse(row.point) } : undefined;
  }
}
