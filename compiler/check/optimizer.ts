// `optimizer = adam(…) | adamw(…) | sgd(…)`: every field filled from the registry's defaults.
import type { IROptimizer } from "../ir.js";
import type { MergedStmt } from "../resolve.js";
import { defaultValue } from "../../language/builtins.js";
import type { CheckContext } from "./context.js";
import { numArg, wordArg } from "./values.js";
import { describe } from "./words.js";

export function checkOptimizer(ctx: CheckContext, m: MergedStmt | undefined): IROptimizer | null {
  const defaults = (kind: IROptimizer["kind"]): IROptimizer => ({
    kind,
    lr: defaultValue(kind, "lr") as number,
    weightDecay: (defaultValue(kind, "weight_decay") as number | undefined) ?? 0,
    beta1: (defaultValue(kind, "beta1") as number | undefined) ?? 0.9,
    beta2: (defaultValue(kind, "beta2") as number | undefined) ?? 0.999,
    eps: (defaultValue(kind, "eps") as number | undefined) ?? 1e-8,
    momentum: (defaultValue(kind, "momentum") as number | undefined) ?? 0,
    warmup: defaultValue(kind, "warmup") as number,
    schedule: defaultValue(kind, "schedule") as IROptimizer["schedule"],
    minLrRatio: defaultValue(kind, "min_lr_ratio") as number,
    clip: null,
  });
  if (!m || m.stmt.kind !== "Assign") return defaults("adamw");
  const e = m.stmt.value;
  if (e.kind !== "Call") {
    ctx.err("HGC021", e.span, `\`optimizer\` must be a call to \`adam\`, \`adamw\` or \`sgd\`, found ${describe(e)}`, "write e.g. `optimizer = adamw(lr: 1e-3)`");
    return null;
  }
  const sig = ctx.signature(e, ["optimizer"], "optimizer");
  if (!sig) return null;
  const before = ctx.errors;
  const o = defaults(sig.b.name as IROptimizer["kind"]);
  const set = (key: keyof IROptimizer, arg: string) => {
    const v = numArg(ctx, e, sig.args, arg);
    if (typeof v === "number") (o as unknown as Record<string, unknown>)[key] = v;
  };
  set("lr", "lr");
  set("weightDecay", "weight_decay");
  set("beta1", "beta1");
  set("beta2", "beta2");
  set("eps", "eps");
  set("momentum", "momentum");
  set("warmup", "warmup");
  set("minLrRatio", "min_lr_ratio");
  set("clip", "clip");
  const schedule = wordArg(ctx, e, sig.args, "schedule", ["cosine", "linear", "constant"]);
  if (schedule) o.schedule = schedule as IROptimizer["schedule"];
  return ctx.errors > before ? null : o;
}
