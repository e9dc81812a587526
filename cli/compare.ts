// `hgc compare A B`: two runs side by side — their status, every final metric with the
// difference B − A, and how their experiments differ, as the list of changed JSON paths of the IR.
import type { IRExperiment } from "../compiler/ir.js";
import { UserError } from "../common/errors.js";
import { readRunIr } from "../runtime/run-folder.js";
import { parseArgs } from "./args.js";
import { formatValue } from "../common/format.js";
import type { RunRecord } from "../runtime/store.js";
import { openStore, resolveRun } from "./runs.js";
import { layoutTable } from "./ui/format.js";
import { formatChange, jsonDiff, type JsonChange } from "../compiler/diff.js";

const USAGE = `usage: hgc compare A B [--root DIR] [--json]

Sets two runs side by side: status, every final metric with the difference B − A, and the
IR difference as the list of changed JSON paths. A and B are run ids (or prefixes), run
folders, or folder name prefixes, as \`hgc runs\` shows them.

options:
  --root DIR   where run folders live (default: runs)
  --json       print JSON
`;

export { formatChange, jsonDiff, type JsonChange } from "../compiler/diff.js";

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
  return v > 0 ? `+${formatValue(v)}` : formatValue(v);
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
      ...layoutTable([["", "A", "B", "B − A"], ...c.metrics.map((m) => [m.name, formatValue(m.a), formatValue(m.b), signed(m.diff)])]).map((l) => "  " + l),
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
