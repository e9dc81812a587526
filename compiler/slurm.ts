// The `slurm(…)` statement of a sweep: the Slurm resources its trials ask for when the sweep runs
// with `hgc sweep --on slurm` (the command line's options win, field by field). It changes no
// trial: the same sweep runs the same on this machine and on a cluster.
//
//   slurm(partition: "gpu", time: "2:00:00", cpus: 4, gpus: 1, mem: "16G", sbatch_args: ["--account=lab"])
//
// Its arguments (kinds, ranges, forms, docs) are declared in the registry, language/builtins.ts;
// this reads each one by its kind. Only what is given goes into the IR.
import type { Call, Expr, Span } from "./ast.js";
import type { Code } from "./codes.js";
import { didYouMeanHint, type Hint } from "./diagnostics.js";
import type { IRSlurm } from "./ir.js";
import { builtin, irField, type BuiltinArg } from "../language/builtins.js";

type Err = (code: Code, span: Span, message: string, hint?: string | Hint) => void;

const SLURM = builtin("slurm")!;

export function checkSlurm(call: Call, err: Err, describe: (e: Expr) => string): IRSlurm {
  const out: Record<string, unknown> = {};
  const known = SLURM.args.map((a) => a.name);
  if (call.positional) err("HGC022", call.positional.span, "`slurm` takes no positional argument", `name each one, e.g. \`slurm(${SLURM.args[0]!.name}: ${SLURM.args[0]!.example})\``);
  const str = (e: Expr, a: BuiltinArg): string | undefined => {
    if (e.kind === "String" && e.value.trim()) return e.value;
    err("HGC021", e.span, `\`${a.name}\` must be a non-empty string, found ${describe(e)}`, `write e.g. \`${a.name}: ${a.example}\``);
    return undefined;
  };
  const read = (e: Expr, a: BuiltinArg): unknown => {
    switch (a.kind) {
      case "int": {
        const min = a.range?.ge ?? 0;
        if (e.kind === "Number" && Number.isInteger(e.value) && e.value >= min) return e.value;
        err("HGC051", e.span, `\`${a.name}\` must be a whole number ≥ ${min}, found ${describe(e)}`, `write e.g. \`${a.name}: ${Math.max(1, min)}\``);
        return undefined;
      }
      case "strings": {
        const values = (e.kind === "List" ? e.items : [e]).map((it) => str(it, a));
        return values.every((v): v is string => v !== undefined) ? values : undefined;
      }
      default: {
        // `time: 90`: a bare whole number is minutes, as sbatch takes it
        const v = a.name === "time" && e.kind === "Number" && Number.isInteger(e.value) && e.value > 0 ? String(e.value) : str(e, a);
        if (v === undefined || !a.pattern || a.pattern.regex.test(v)) return v;
        err("HGC021", e.span, `\`${a.name}\` is not ${a.pattern.what}: ${describe(e)}`, a.why);
        return undefined;
      }
    }
  };
  const seen = new Set<string>();
  for (const given of call.args) {
    const name = given.name.name;
    const a = SLURM.args.find((x) => x.name === name);
    if (!a) {
      err("HGC019", given.name.span, `\`slurm\` has no argument \`${name}\``, didYouMeanHint(name, known) ?? `its arguments are ${known.map((x) => `\`${x}:\``).join(", ")}`);
      continue;
    }
    if (seen.has(name)) {
      err("HGC011", given.name.span, `\`${name}:\` is given twice`, "give each argument once");
      continue;
    }
    seen.add(name);
    const v = read(given.value, a);
    if (v !== undefined) out[irField(a)!] = v;
  }
  return out as IRSlurm;
}
