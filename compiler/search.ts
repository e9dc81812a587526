// The checks of a researcher's sweep beyond grids: param ranges (`param lr = 1e-4..1e-2 log`),
// `search random(trials: N)` / `search tpe(trials: N)`, `prune = asha(…)`, and the direction a
// metric is best in (for `prune` and `train(…, keep_best: …)`). The checker's sweep and train
// modules call these; they return IR pieces (compiler/ir.ts IRSearch, IRPrune) or report.
import type { Call, Expr, RangeLit, Span } from "./ast.js";
import type { IRPrune, IRSearch } from "./ir.js";
import { builtin, builtinsOf } from "../language/builtins.js";
import { didYouMean, type Code } from "./diagnostics.js";

export type Report = (code: Code, span: Span, message: string, hint?: string) => void;

/** A param's range: `low..high`, `log` for a log scale; integer bounds give integer values. */
export type ParamRange = IRSearch["space"][string];

/** The range of a param declared as one, or null for a plain number. Reports a malformed range. */
export function paramRange(e: Expr, name: string, report: Report): ParamRange | null | undefined {
  if (e.kind !== "Range") return undefined;
  const r: RangeLit = e;
  const low = r.from.value;
  const high = r.to.value;
  if (!(low < high)) {
    report("HGC052", e.span, `the range of param \`${name}\` is written backwards or empty: ${r.from.raw}..${r.to.raw}`, `write the smaller bound first, e.g. \`${r.to.raw}..${r.from.raw}\``);
    return null;
  }
  if (r.scale === "log" && !(low > 0)) {
    report("HGC050", e.span, `a \`log\` range must be above 0, found ${r.from.raw}..${r.to.raw}`, "a log scale needs positive bounds, e.g. `1e-4..1e-2 log`");
    return null;
  }
  return { low, high, log: r.scale === "log", int: r.from.isInt && r.to.isInt };
}

/** The value a range param takes outside a search: the middle of its range (geometric for `log`). */
export function rangeMiddle(r: ParamRange): number {
  const m = r.log ? Math.sqrt(r.low * r.high) : (r.low + r.high) / 2;
  return r.int ? Math.round(m) : m;
}

/** Whether a metric is best low: bits per dim, losses, error and false-positive rates, calibration error. */
export function metricDirection(metric: string): "maximize" | "minimize" {
  return /(^|\.)(bits_per_dim|loss|error|fpr\w*|ece)$|^loss\./.test(metric) ? "minimize" : "maximize";
}

/** A metric written as a name path (`linear_probe.accuracy`), or null for anything else. */
export function metricText(e: Expr): string | null {
  if (e.kind === "Name") return e.name;
  if (e.kind === "Member" && !e.arg) {
    const o = metricText(e.object);
    return o === null ? null : `${o}.${e.property.name}`;
  }
  return null;
}

interface ArgRule {
  name: string;
  required?: boolean;
  /** Smallest allowed whole number. */
  min?: number;
  doc: string;
}

/** The whole-number arguments of `call` by `rules`: unknown, missing, non-integer and too-small ones reported. */
function intArgs(call: Call, rules: readonly ArgRule[], report: Report): Record<string, number> | null {
  let ok = true;
  const out: Record<string, number> = {};
  if (call.positional) {
    report("HGC022", call.positional.span, `\`${call.callee.name}\` takes no positional argument`, `name it: ${rules.map((r) => `\`${r.name}:\``).join(", ")}`);
    ok = false;
  }
  for (const a of call.args) {
    const rule = rules.find((r) => r.name === a.name.name);
    if (!rule) continue;
    const v = a.value.kind === "Number" ? a.value.value : undefined;
    if (v === undefined) report("HGC021", a.value.span, `\`${a.name.name}:\` must be a whole number`, rule.doc);
    else if (!Number.isInteger(v)) report("HGC051", a.value.span, `\`${a.name.name}:\` must be a whole number, found ${v}`, rule.doc);
    else if (rule.min !== undefined && v < rule.min) report("HGC050", a.value.span, `\`${a.name.name}:\` must be at least ${rule.min}, found ${v}`, rule.doc);
    else {
      out[a.name.name] = v;
      continue;
    }
    ok = false;
  }
  for (const r of rules) {
    if (r.required && !call.args.some((a) => a.name.name === r.name)) {
      report("HGC020", call.callee.span, `\`${call.callee.name}\` is missing \`${r.name}:\``, r.doc);
      ok = false;
    }
  }
  return ok ? out : null;
}

/** The whole-number arguments of a search method or of `asha`, as the registry declares them. */
function intRules(callee: string): ArgRule[] {
  return (builtin(callee)?.args ?? [])
    .filter((a) => a.kind === "int")
    .map((a) => ({ name: a.name, ...(a.required ? { required: true } : {}), ...(a.range?.ge !== undefined ? { min: a.range.ge } : {}), doc: `${a.name}: ${a.doc}` }));
}

/** A default of the registry's (`seed: 0`, `reduction: 3`). */
function defaultOf(callee: string, arg: string): number {
  return Number(builtin(callee)?.args.find((a) => a.name === arg)?.default);
}

/** `search random(trials: N, seed: S)` / `search tpe(…)`: its method, trials and seed. */
export function checkSearchCall(call: Call, report: Report): Pick<IRSearch, "method" | "trials" | "seed"> | null {
  const method = call.callee.name;
  const methods = builtinsOf("search").map((b) => b.name);
  if (!methods.includes(method)) {
    const near = didYouMean(method, methods)[0];
    report("HGC017", call.callee.span, `unknown search method \`${method}\``, near ? `did you mean \`${near}\`?` : `a sweep searches with ${methods.map((m) => `\`${m}(trials: N)\``).join(" or ")}`);
    return null;
  }
  const rules = intRules(method);
  for (const a of call.args) {
    if (!rules.some((r) => r.name === a.name.name)) report("HGC019", a.name.span, `\`${method}\` has no argument \`${a.name.name}\``, didYouMean(a.name.name, rules.map((r) => r.name))[0] ? `did you mean \`${didYouMean(a.name.name, rules.map((r) => r.name))[0]}\`?` : `its arguments are ${rules.map((r) => `\`${r.name}:\``).join(", ")}`);
  }
  const args = intArgs(call, rules, report);
  if (!args) return null;
  return { method: method as IRSearch["method"], trials: args.trials!, seed: args.seed ?? defaultOf(method, "seed") };
}

/**
 * `prune = asha(metric: M, grace: g, reduction: η)`. M must be a metric of every experiment
 * (`metricsOf`); it is maximised unless the sweep's objectives minimise it or it is best low.
 */
export function checkPrune(
  value: Expr,
  objectives: readonly { direction: "maximize" | "minimize"; metric: string }[],
  metricsOf: (metric: string, span: Span) => boolean,
  report: Report,
): IRPrune | null {
  if (value.kind !== "Call" || value.callee.name !== "asha") {
    report("HGC021", value.span, "`prune` is `asha(metric: …, grace: …, reduction: …)`", "write e.g. `prune = asha(metric: linear_probe.accuracy, grace: 500, reduction: 3)`");
    return null;
  }
  const metricArg = value.args.find((a) => a.name.name === "metric");
  for (const a of value.args) {
    if (!(builtin("asha")?.args ?? []).some((r) => r.name === a.name.name)) {
      report("HGC019", a.name.span, `\`asha\` has no argument \`${a.name.name}\``, "its arguments are `metric:`, `grace:` and `reduction:`");
    }
  }
  const args = intArgs({ ...value, args: value.args.filter((a) => a.name.name !== "metric") }, intRules("asha"), report);
  if (!metricArg) {
    report("HGC020", value.callee.span, "`asha` is missing `metric:`", "the metric its rungs compare, e.g. `metric: linear_probe.accuracy`");
    return null;
  }
  const metric = metricText(metricArg.value);
  if (metric === null) {
    report("HGC021", metricArg.value.span, "`metric:` names a metric like `linear_probe.accuracy`", "write the metric's name, as in `objectives`");
    return null;
  }
  if (!metricsOf(metric, metricArg.value.span) || !args) return null;
  const direction = objectives.find((o) => o.metric === metric)?.direction ?? metricDirection(metric);
  return { method: "asha", metric, direction, grace: args.grace!, reduction: args.reduction ?? defaultOf("asha", "reduction") };
}

/** What the sweep checker hands over: its search statements, its `prune` value, and how to read its experiments. */
export interface SweepSearchInput {
  searches: { call: Call; span: Span }[];
  prune?: Expr;
  /** The grids' spans (a sweep has grids or a search, not both). */
  grids: Span[];
  experiments: readonly string[];
  seeds: number[] | null;
  objectives: readonly { direction: "maximize" | "minimize"; metric: string }[];
  /** Each experiment's params with their declared value expression. */
  paramsOf: (experiment: string) => ReadonlyMap<string, Expr>;
  /** True when every experiment reports `metric` (reporting it when not). */
  metricsOf: (metric: string, span: Span) => boolean;
}

/**
 * A sweep's `search` and `prune`: the search space is every param declared with a range in the
 * sweep's experiments (each of them must declare it, with the same range).
 */
export function checkSweepSearch(input: SweepSearchInput, report: Report): { search?: IRSearch; prune?: IRPrune } {
  const out: { search?: IRSearch; prune?: IRPrune } = {};
  if (input.searches.length > 1) report("HGC011", input.searches[1]!.span, "`search` is given twice", "give the sweep one `search`");
  const s = input.searches[0];
  if (s) {
    const head = checkSearchCall(s.call, report);
    if (input.grids.length) report("HGC089", input.grids[0]!, "a sweep has grids or a search, not both", "declare the param with a range (`param lr = 1e-4..1e-2 log`) for the search, or drop the `search`");
    const space: IRSearch["space"] = {};
    let ok = true;
    for (const exp of input.experiments) {
      for (const [name, value] of input.paramsOf(exp)) {
        const r = paramRange(value, name, () => {});
        if (!r) continue;
        const prev = space[name];
        if (prev && (prev.low !== r.low || prev.high !== r.high || prev.log !== r.log)) {
          report("HGC088", value.span, `param \`${name}\` has another range in experiment \`${exp}\``, "a search draws each param from one range; give it the same range in every experiment");
          ok = false;
        }
        space[name] = r;
      }
    }
    for (const exp of input.experiments) {
      const params = input.paramsOf(exp);
      for (const name of Object.keys(space)) {
        if (!params.has(name)) {
          report("HGC080", s.call.callee.span, `the searched param \`${name}\` is not a param of experiment \`${exp}\``, `declare it in \`${exp}\` with the same range`);
          ok = false;
        }
      }
    }
    if (!Object.keys(space).length) {
      report("HGC088", s.call.callee.span, "the search has no param to search: none of its experiments declares a param with a range", "declare one, e.g. `param lr = 1e-4..1e-2 log`");
      ok = false;
    }
    if (s && !input.objectives.length && head?.method === "tpe") {
      report("HGC088", s.call.callee.span, "a TPE search needs `objectives` to learn from", "add e.g. `objectives = [maximize linear_probe.accuracy]`");
      ok = false;
    }
    if (head && ok) out.search = { ...head, space, experiments: [...input.experiments], seeds: input.seeds };
  }
  if (input.prune) {
    const p = checkPrune(input.prune, input.objectives, input.metricsOf, report);
    if (p) out.prune = p;
  }
  return out;
}
