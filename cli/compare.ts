// `hgc compare A B`: two runs side by side — their status, every final metric with the
// difference B − A, and how their experiments differ, as the list of changed JSON paths of the IR.
import type { IRExperiment } from "../compiler/ir.js";
import { UserError } from "../common/errors.js";
import { readRunIr } from "../runtime/run-folder.js";
import { parseArgs } from "./args.js";
import { fmt } from "../runtime/sweep/report.js";
import type { RunRecord } from "../runtime/store.js";
import { openStore, resolveRun } from "./runs.js";
import { layoutTable } from "./ui/format.js";

const USAGE = `usage: hgc compare A B [--root DIR] [--json]

Sets two runs side by side: status, every final metric with the difference B − A, and the
IR difference as the list of changed JSON paths. A and B are run ids (or prefixes), run
folders, or folder name prefixes, as \`hgc runs\` shows them.

options:
  --root DIR   where run folders live (default: runs)
  --json       print JSON
`;

export interface JsonChange {
  /** e.g. `params.lambda`, `evaluate[2].k`. */
  path: string;
  kind: "changed" | "added" | "removed";
  a?: unknown;
  b?: unknown;
}

/** Fields that say where an IR came from or what it hashes to, not what it is. */
const IGNORED = new Set(["source", "hash"]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Every path where two JSON values differ, depth first, keys in sorted order. */
export function jsonDiff(a: unknown, b: unknown, path = "", ignore: Set<string> = IGNORED): JsonChange[] {
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !(path === "" && ignore.has(k))).sort();
    return keys.flatMap((k) => {
      const p = path ? `${path}.${k}` : k;
      if (!(k in a)) return [{ path: p, kind: "added" as const, b: b[k] }];
      if (!(k in b)) return [{ path: p, kind: "removed" as const, a: a[k] }];
      return jsonDiff(a[k], b[k], p, ignore);
    });
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: JsonChange[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const p = `${path}[${i}]`;
      if (i >= a.length) out.push({ path: p, kind: "added", b: b[i] });
      else if (i >= b.length) out.push({ path: p, kind: "removed", a: a[i] });
      else out.push(...jsonDiff(a[i], b[i], p, ignore));
    }
    return out;
  }
  return Object.is(a, b) ? [] : [{ path: path || "(root)", kind: "changed", a, b }];
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? "undefined" : s.length > 60 ? s.slice(0, 57) + "…" : s;
}

export function formatChange(c: JsonChange): string {
  if (c.kind === "added") return `+ ${c.path}: ${show(c.b)}`;
  if (c.kind === "removed") return `- ${c.path}: ${show(c.a)}`;
  return `~ ${c.path}: ${show(c.a)} → ${show(c.b)}`;
}

function readIr(run: RunRecord): IRExperiment {
  return readRunIr(run.runDir);
}

export interface Comparison {
  a: RunRecord;
  b: RunRecord;
  metrics: { name: string; a: number | null; b: number | null; diff: number | null }[];
  ir: JsonChange[];
}

export function compareRuns(a: RunRecord, b: RunRecord): Comparison {
  const names = [...new Set([...Object.keys(a.metrics), ...Object.keys(b.metrics)])].sort();
  const metrics = names.map((name) => {
    const va = a.metrics[name] ?? null;
    const vb = b.metrics[name] ?? null;
    return { name, a: va, b: vb, diff: va !== null && vb !== null ? vb - va : null };
  });
  return { a, b, metrics, ir: jsonDiff(readIr(a), readIr(b)) };
}

function signed(v: number | null): string {
  if (v === null) return "—";
  return v > 0 ? `+${fmt(v)}` : fmt(v);
}

export function formatComparison(c: Comparison): string[] {
  const { a, b } = c;
  const out = layoutTable([
    ["", `A ${a.id.slice(0, 8)}`, `B ${b.id.slice(0, 8)}`],
    ["experiment", a.experiment, b.experiment],
    ["status", a.status, b.status],
    ["seed", String(a.seed ?? "—"), String(b.seed ?? "—")],
    ["steps", String(a.steps ?? "—"), String(b.steps ?? "—")],
    ["backend", a.backend ?? "—", b.backend ?? "—"],
    ["dir", a.runDir, b.runDir],
  ]);
  out.push("", "metrics");
  if (!c.metrics.length) out.push("  (neither run has metrics)");
  else {
    out.push(
      ...layoutTable([["", "A", "B", "B − A"], ...c.metrics.map((m) => [m.name, fmt(m.a), fmt(m.b), signed(m.diff)])]).map((l) => "  " + l),
    );
  }
  out.push("", c.ir.length ? `IR differences (${c.ir.length})` : "IR differences: none (same experiment)");
  out.push(...c.ir.map((ch) => "  " + formatChange(ch)));
  return out;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ["root"], flags: ["json"] }, "compare");
  if (args.flags.has("help")) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.positionals.length !== 2) {
    throw new UserError("`hgc compare` needs two runs", "usage: hgc compare A B (ids from `hgc runs`)", 2);
  }
  const store = openStore(args.values.root?.[0] ?? "runs");
  try {
    const [a, b] = args.positionals.map((ref) => resolveRun(store, ref)) as [RunRecord, RunRecord];
    const c = compareRuns(a, b);
    if (args.flags.has("json")) process.stdout.write(JSON.stringify(c, null, 2) + "\n");
    else process.stdout.write(formatComparison(c).join("\n") + "\n");
    return 0;
  } finally {
    store.close();
  }
}
