// The `slurm(…)` statement of a sweep: the Slurm resources its trials ask for when the sweep runs
// with `hgc sweep --on slurm` (the command line's options win, field by field). It changes no
// trial: the same sweep runs the same on this machine and on a cluster.
//
//   slurm(partition: "gpu", time: "2:00:00", cpus: 4, gpus: 1, mem: "16G", sbatch_args: ["--account=lab"])
import type { Call, Expr, Span } from "./ast.js";
import type { Code } from "./codes.js";
import type { IRSlurm } from "./ir.js";

type Err = (code: Code, span: Span, message: string, hint?: string) => void;

/** Each argument: what it holds, and how to read it from its expression (undefined: wrong type, reported). */
const ARGS = ["partition", "time", "cpus", "gpus", "mem", "sbatch_args"] as const;

/** A Slurm time limit as sbatch reads it: minutes, `MM:SS`, `H:MM:SS`, `D-H`, `D-H:MM`, `D-H:MM:SS`. */
export const SLURM_TIME = /^(\d+-)?\d+(:\d+){0,2}$/;
/** A Slurm memory size: a number with an optional K, M, G or T. */
export const SLURM_MEM = /^\d+[KMGT]?$/i;

export function checkSlurm(call: Call, err: Err, describe: (e: Expr) => string): IRSlurm {
  const out: IRSlurm = {};
  if (call.positional) err("HGC022", call.positional.span, "`slurm` takes no positional argument", 'name each one, e.g. `slurm(partition: "gpu")`');
  const seen = new Set<string>();
  const str = (e: Expr, name: string, example: string): string | undefined => {
    if (e.kind === "String" && e.value.trim()) return e.value;
    err("HGC021", e.span, `\`${name}\` must be a non-empty string, found ${describe(e)}`, `write e.g. \`${name}: ${example}\``);
    return undefined;
  };
  const int = (e: Expr, name: string, min: number): number | undefined => {
    if (e.kind === "Number" && Number.isInteger(e.value) && e.value >= min) return e.value;
    err("HGC051", e.span, `\`${name}\` must be a whole number ≥ ${min}, found ${describe(e)}`, `write e.g. \`${name}: ${Math.max(1, min)}\``);
    return undefined;
  };
  for (const a of call.args) {
    const name = a.name.name;
    if (!(ARGS as readonly string[]).includes(name)) {
      err("HGC019", a.name.span, `\`slurm\` has no argument \`${name}\``, `its arguments are ${ARGS.map((x) => `\`${x}:\``).join(", ")}`);
      continue;
    }
    if (seen.has(name)) {
      err("HGC011", a.name.span, `\`${name}:\` is given twice`, "give each argument once");
      continue;
    }
    seen.add(name);
    const e = a.value;
    switch (name as (typeof ARGS)[number]) {
      case "partition": {
        const v = str(e, name, '"gpu"');
        if (v !== undefined) out.partition = v;
        break;
      }
      case "time": {
        // a bare number is minutes, as sbatch takes it
        const v = e.kind === "Number" && Number.isInteger(e.value) && e.value > 0 ? String(e.value) : str(e, name, '"2:00:00"');
        if (v === undefined) break;
        if (!SLURM_TIME.test(v)) err("HGC021", e.span, `\`time\` is not a Slurm time limit: ${describe(e)}`, 'write minutes (`time: 30`), `"2:00:00"` or `"1-00:00:00"`');
        else out.time = v;
        break;
      }
      case "cpus": {
        const v = int(e, name, 1);
        if (v !== undefined) out.cpus = v;
        break;
      }
      case "gpus": {
        const v = int(e, name, 0);
        if (v !== undefined) out.gpus = v;
        break;
      }
      case "mem": {
        const v = str(e, name, '"16G"');
        if (v === undefined) break;
        if (!SLURM_MEM.test(v)) err("HGC021", e.span, `\`mem\` is not a Slurm memory size: ${describe(e)}`, 'write e.g. `mem: "16G"` or `mem: "16000M"`');
        else out.mem = v;
        break;
      }
      case "sbatch_args": {
        const items = e.kind === "List" ? e.items : [e];
        const values = items.map((it) => str(it, "sbatch_args", '["--account=lab"]'));
        if (values.every((v): v is string => v !== undefined)) out.sbatchArgs = values;
        break;
      }
    }
  }
  return out;
}
