// Sweeps: their own statements (experiments, seeds, jobs, objectives, grids) and each trial
// (experiment × grid point), checked before anything runs.
import type { Call, Expr, GridStmt, Ident, Span, SweepItem } from "../ast.js";
import { diag, didYouMeanHint, type Code, type Diagnostic, type Hint } from "../diagnostics.js";
import type { IRPrune, IRSearch, IRSlurm } from "../ir.js";
import { checkSweepSearch } from "../search.js";
import type { MergedExperiment, Workspace } from "../resolve.js";
import { formatCount } from "../shapes.js";
import { checkSlurm } from "../slurm.js";
import { ASSIGN_NAMES } from "../../language/keywords.js";
import type { Reference } from "./context.js";
import { checkExperiment, type ExperimentCheck } from "./experiment.js";
import { backticks, describe, fmtNum, KIND_WORDS, memberText } from "./words.js";

export interface GridAxis {
  /** Names varied together (one for `grid p = […]`, several for a simplex). */
  names: string[];
  /** The values of each point, one number per name. */
  points: number[][];
  span: Span;
}

export interface SweepCheck {
  name: string;
  item: SweepItem;
  experiments: string[];
  axes: GridAxis[];
  /** Null: each experiment's own seed. */
  seeds: number[] | null;
  jobs: number;
  objectives: { direction: "maximize" | "minimize"; metric: string }[];
  /** Experiments × grid points × seeds. */
  trialCount: number;
  /** The `slurm(…)` statement's resources. */
  slurm?: IRSlurm;
  /** `search random(…)` / `search tpe(…)` over the experiments' range params (compiler/search.ts). */
  search?: IRSearch;
  /** `prune = asha(…)`. */
  prune?: IRPrune;
  ok: boolean;
}

/** The cap on a sweep's trials; more is almost certainly a mistake in a grid. */
export const MAX_TRIALS = 10000;

/** Every point of `grid (a, b, …) = simplex(step: s)`: coordinates on multiples of s summing to 1. */
export function simplexPoints(dims: number, step: number): number[][] {
  const k = Math.round(1 / step);
  const out: number[][] = [];
  const rec = (prefix: number[], left: number): void => {
    if (out.length > MAX_TRIALS) return;
    if (prefix.length === dims - 1) {
      out.push([...prefix, left].map((u) => Number((u / k).toFixed(12))));
      return;
    }
    for (let u = left; u >= 0; u--) rec([...prefix, u], left - u);
  };
  if (dims >= 1) rec([], k);
  return out;
}

/** The grid points of a sweep: the cartesian product of its axes, each point param → value. */
export function gridPoints(axes: readonly GridAxis[]): Record<string, number>[] {
  let points: Record<string, number>[] = [{}];
  for (const axis of axes) {
    const next: Record<string, number>[] = [];
    for (const p of points) for (const values of axis.points) next.push({ ...p, ...Object.fromEntries(axis.names.map((n, i) => [n, values[i]!])) });
    points = next;
  }
  return points;
}

export function checkSweep(
  ws: Workspace,
  item: SweepItem,
  merged: ReadonlyMap<string, MergedExperiment>,
  checks: ReadonlyMap<string, ExperimentCheck>,
  references?: Reference[],
): { check: SweepCheck; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  let errors = 0;
  const err = (code: Code, span: Span, message: string, hint?: string | Hint, notes: { message: string; span?: Span }[] = []) => {
    errors++;
    diagnostics.push(diag(code, "error", span, message, hint, notes));
  };
  const sc: SweepCheck = { name: item.name.name, item, experiments: [], axes: [], seeds: null, jobs: 1, objectives: [], trialCount: 0, ok: false };
  let objectivesExpr: Expr | undefined;
  const gridStmts: GridStmt[] = [];
  let experimentsSeen = false;
  const seenAssign = new Map<string, Ident>();
  let slurmStmt: Span | undefined;
  const searches: { call: Call; span: Span }[] = [];
  let pruneExpr: Expr | undefined;
  for (const s of item.body) {
    if (s.kind === "Search") {
      searches.push(s);
      continue;
    }
    if (s.kind === "Grid") {
      gridStmts.push(s);
      continue;
    }
    if (s.kind === "Slurm") {
      if (slurmStmt) err("HGC011", s.span, "`slurm(…)` is given twice", "give the sweep one `slurm(…)`", [{ message: "first given here", span: slurmStmt }]);
      else sc.slurm = checkSlurm(s.call, err, describe);
      slurmStmt = s.span;
      continue;
    }
    const name = s.name.name;
    const prev = seenAssign.get(name);
    if (prev) {
      err("HGC011", s.name.span, `\`${name}\` is given twice`, "give each sweep setting once", [{ message: "first given here", span: prev.span }]);
      continue;
    }
    seenAssign.set(name, s.name);
    const e = s.value;
    switch (name) {
      case "experiments": {
        experimentsSeen = true;
        const items = e.kind === "List" ? e.items : [e];
        for (const it of items) {
          if (it.kind !== "Name") {
            err("HGC021", it.span, `\`experiments\` lists experiment names, found ${describe(it)}`);
            continue;
          }
          const target = ws.experiments.get(it.name);
          if (!target) {
            err("HGC010", it.span, `unknown experiment \`${it.name}\``, didYouMeanHint(it.name, ws.experiments.keys()) ?? `the experiments are ${backticks([...ws.experiments.keys()])}`);
            continue;
          }
          references?.push({ span: it.span, name: it.name, kind: "experiment", definition: target.name.span });
          if (!sc.experiments.includes(it.name)) sc.experiments.push(it.name);
        }
        break;
      }
      case "seeds": {
        const items = e.kind === "List" ? e.items : [e];
        const seeds: number[] = [];
        for (const it of items) {
          const v = it.kind === "Number" ? it.value : it.kind === "Unary" && it.operand.kind === "Number" ? -it.operand.value : undefined;
          if (v === undefined) err("HGC021", it.span, `\`seeds\` lists whole numbers, found ${describe(it)}`, "write e.g. `seeds = [1, 2, 3]`");
          else if (Number.isInteger(v) && !Number.isSafeInteger(v)) err("HGC050", it.span, `a seed must be a whole number below 2^53, found ${fmtNum(v)}`);
          else if (!Number.isInteger(v)) err("HGC051", it.span, `a seed must be a whole number, found ${fmtNum(v)}`);
          else if (!seeds.includes(v)) seeds.push(v);
        }
        if (e.kind === "List" && e.items.length === 0) err("HGC050", e.span, "`seeds` is empty", "list at least one seed, e.g. `seeds = [1]`");
        sc.seeds = seeds;
        break;
      }
      case "jobs": {
        if (e.kind !== "Number") err("HGC021", e.span, `\`jobs\` must be a whole number, found ${describe(e)}`, "write e.g. `jobs = 2`");
        else if (!Number.isInteger(e.value)) err("HGC051", e.span, `\`jobs\` must be a whole number, found ${fmtNum(e.value)}`);
        else if (e.value < 1) err("HGC050", e.span, `\`jobs\` must be at least 1, found ${e.value}`, "jobs is how many trials run at once");
        else sc.jobs = e.value;
        break;
      }
      case "objectives":
        objectivesExpr = e;
        break;
      case "prune":
        pruneExpr = e;
        break;
      default: {
        const known = ASSIGN_NAMES.sweep.map((a) => a.name);
        err("HGC016", s.name.span, `unknown sweep setting \`${name}\``, didYouMeanHint(name, known) ?? `a sweep sets ${backticks(known)} and \`grid\``);
      }
    }
  }
  if (!experimentsSeen) err("HGC024", item.name.span, `sweep \`${sc.name}\` has no \`experiments\``, "add e.g. `experiments = [hybrid]`");

  // Grids: every name a param of every listed experiment, values numbers.
  const gridNames = new Map<string, Span>();
  for (const g of gridStmts) {
    const before = errors;
    for (const n of g.names) {
      const prev = gridNames.get(n.name);
      if (prev) err("HGC011", n.span, `\`${n.name}\` is swept twice`, "put all its values in one `grid`", [{ message: "first swept here", span: prev }]);
      gridNames.set(n.name, n.span);
      for (const exp of sc.experiments) {
        const sym = merged.get(exp)?.symbols.get(n.name);
        if (!sym || sym.kind !== "param") {
          const params = [...(merged.get(exp)?.symbols.values() ?? [])].filter((x) => x.kind === "param").map((x) => x.name);
          err(
            "HGC080",
            n.span,
            sym ? `\`${n.name}\` is ${KIND_WORDS[sym.kind]} in \`${exp}\`, not a param` : `\`${n.name}\` is not a param of experiment \`${exp}\``,
            didYouMeanHint(n.name, params) ?? (params.length ? `its params are ${backticks(params)}` : `declare it in \`${exp}\`: \`param ${n.name} = …\``),
          );
        } else {
          references?.push({ span: n.span, name: n.name, kind: "param", definition: sym.decl.name.span });
        }
      }
    }
    let points: number[][] = [];
    const v = g.value;
    if (g.tuple || (v.kind === "Call" && v.callee.name === "simplex")) {
      if (v.kind !== "Call" || v.callee.name !== "simplex") {
        err("HGC081", v.span, `a grid over \`(${g.names.map((n) => n.name).join(", ")})\` must be \`simplex(step: …)\`, found ${describe(v)}`, "write e.g. `grid (wg, wc) = simplex(step: 0.25)`");
      } else if (g.names.length < 2) {
        err("HGC081", v.span, "a simplex grid needs two or more params", `write \`grid (${g.names[0]?.name ?? "a"}, b) = simplex(step: 0.25)\``);
      } else {
        const stepArg = v.args.find((a) => a.name.name === "step");
        for (const a of v.args) if (a.name.name !== "step") err("HGC019", a.name.span, `\`simplex\` has no argument \`${a.name.name}\``, "its only argument is `step:`");
        if (v.positional) err("HGC022", v.positional.span, "`simplex` takes no positional argument", "write `simplex(step: 0.25)`");
        if (!stepArg) err("HGC020", v.callee.span, "`simplex` is missing `step:`", "add e.g. `step: 0.25`");
        else if (stepArg.value.kind !== "Number") err("HGC081", stepArg.value.span, `\`step:\` must be a number, found ${describe(stepArg.value)}`);
        else {
          const step = stepArg.value.value;
          const k = 1 / step;
          if (!(step > 0 && step <= 1)) err("HGC050", stepArg.value.span, `\`step:\` must be between 0 and 1, found ${fmtNum(step)}`, "e.g. `step: 0.25` gives weights 0, 0.25, 0.5, 0.75, 1");
          else if (Math.abs(k - Math.round(k)) > 1e-9) err("HGC050", stepArg.value.span, `1 / step must be a whole number, found 1 / ${fmtNum(step)} = ${fmtNum(k)}`, "use a step like 0.5, 0.25, 0.2 or 0.1 so the weights can sum to exactly 1");
          else if (binomial(Math.round(k) + g.names.length - 1, g.names.length - 1) > MAX_TRIALS) err("HGC087", stepArg.value.span, `this simplex has more than ${MAX_TRIALS} points`, "use a larger step");
          else points = simplexPoints(g.names.length, step);
        }
      }
    } else if (v.kind === "List") {
      if (v.items.length === 0) err("HGC081", v.span, `the grid of \`${g.names[0]?.name}\` is empty`, "list at least one value");
      for (const it of v.items) {
        const n = it.kind === "Number" ? it.value : it.kind === "Unary" && it.operand.kind === "Number" ? -it.operand.value : undefined;
        if (n === undefined) err("HGC081", it.span, `a grid value of param \`${g.names[0]?.name}\` must be a number, found ${describe(it)}`, "params are numbers; list numbers, e.g. `[0.1, 0.3, 1]`");
        else if (!Number.isFinite(n)) err("HGC050", it.span, `a grid value of param \`${g.names[0]?.name}\` must be a finite number, found ${describe(it)}`, "a number is at most about 1.8e308");
        else points.push([n]);
      }
    } else {
      err("HGC081", v.span, `a grid must be a list of numbers, found ${describe(v)}`, "write e.g. `grid lambda = [0.1, 0.3, 1, 3]`");
    }
    if (errors === before) sc.axes.push({ names: g.names.map((n) => n.name), points, span: g.span });
  }

  // Objectives: `maximize|minimize metric`, each a metric the experiments report.
  if (objectivesExpr) {
    const items = objectivesExpr.kind === "List" ? objectivesExpr.items : [objectivesExpr];
    for (const it of items) {
      if (it.kind !== "Directed") {
        err("HGC021", it.span, `a sweep objective is \`maximize METRIC\` or \`minimize METRIC\`, found ${describe(it)}`, `write e.g. \`maximize ${it.kind === "Member" || it.kind === "Name" ? memberText(it) : "linear_probe.accuracy"}\``);
        continue;
      }
      const metric = memberText(it.target);
      if (metric.includes("…")) {
        err("HGC021", it.target.span, `a sweep objective names a metric like \`linear_probe.accuracy\`, found ${describe(it.target)}`);
        continue;
      }
      let ok = true;
      for (const exp of sc.experiments) {
        const c = checks.get(exp);
        if (!c?.body) continue;
        if (!c.metrics.includes(metric)) {
          ok = false;
          err(
            "HGC083",
            it.target.span,
            `experiment \`${exp}\` reports no metric \`${metric}\``,
            didYouMeanHint(metric, c.metrics) ?? (c.metrics.length ? `it reports ${c.metrics.slice(0, 6).map((m) => `\`${m}\``).join(", ")}${c.metrics.length > 6 ? ", …" : ""}` : `\`${exp}\` evaluates nothing; add an \`evaluate { … }\` block`),
          );
        }
      }
      if (ok) sc.objectives.push({ direction: it.direction, metric });
    }
  }

  // Search and pruning (compiler/search.ts); a search's points are checked as they are drawn.
  Object.assign(
    sc,
    checkSweepSearch(
      {
        searches,
        ...(pruneExpr ? { prune: pruneExpr } : {}),
        grids: gridStmts.map((g) => g.span),
        experiments: sc.experiments,
        seeds: sc.seeds,
        objectives: sc.objectives,
        paramsOf: (exp) => new Map([...(merged.get(exp)?.symbols.values() ?? [])].filter((x) => x.kind === "param").map((x) => [x.name, x.decl.value])),
        metricsOf: (metric, span) => {
          for (const exp of sc.experiments) {
            const c = checks.get(exp);
            if (c?.body && !c.metrics.includes(metric)) {
              err("HGC083", span, `experiment \`${exp}\` reports no metric \`${metric}\``, didYouMeanHint(metric, c.metrics) ?? "prune on a metric its evaluations report");
              return false;
            }
          }
          return true;
        },
      },
      (code, span, message, hint) => err(code, span, message, hint),
    ),
  );

  // Trials: each experiment at each grid point is checked before anything runs.
  const seedsPer = sc.seeds ? sc.seeds.length : 1;
  sc.trialCount = sc.search ? sc.search.trials * sc.experiments.length * seedsPer : sc.axes.reduce((n, a) => n * a.points.length, sc.experiments.length * seedsPer);
  if (sc.trialCount > MAX_TRIALS) {
    err("HGC087", item.name.span, `sweep \`${sc.name}\` has ${formatCount(sc.trialCount)} trials, more than ${formatCount(MAX_TRIALS)}`, "use fewer grid values or seeds");
  } else if (errors === 0 && sc.axes.length > 0) {
    const points = gridPoints(sc.axes);
    const seen = new Set<string>();
    for (const exp of sc.experiments) {
      const m = merged.get(exp);
      const base = checks.get(exp);
      if (!m || !base?.body) continue;
      // Issue 12: what each grid point compiles to, without the params record itself.
      const bodies: string[] = [];
      for (const point of points) {
        const { check: trialCheck, diagnostics: trial } = checkExperiment(ws, m, { overrides: point });
        if (trialCheck.body) {
          const { params: _params, source: _source, ...rest } = trialCheck.body;
          bodies.push(JSON.stringify(rest));
        }
        const inBase = new Set(base.diagnostics.map((d) => `${d.code}\0${d.message}`));
        for (const d of trial) {
          if (d.severity === "info" || inBase.has(`${d.code}\0${d.message}`)) continue;
          const key = `${exp}\0${d.code}\0${d.message}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const where = Object.entries(point)
            .map(([k, v]) => `${k} = ${fmtNum(v)}`)
            .join(", ");
          const axis = sc.axes.find((a) => a.names.some((n) => n in point)) ?? sc.axes[0]!;
          const notes = [{ message: "the problem is here", span: d.span }];
          if (d.severity === "error") err("HGC086", axis.span, `trial \`${exp}\` with ${where} does not check: ${d.message}`, d.suggestion?.message, notes);
          // A warning that only some grid points raise (a weight turning negative) is still a warning.
          else diagnostics.push(diag(d.code, "warning", axis.span, `in trial \`${exp}\` with ${where}: ${d.message}`, d.suggestion?.message, notes));
        }
      }
      if (bodies.length === points.length) for (const axis of inertAxes(sc.axes, points, bodies)) {
        const names = axis.names.map((n) => `\`${n}\``).join(", ");
        err("HGC124", axis.span, `sweeping ${names} changes nothing in experiment \`${exp}\`: no field of its IR depends on ${axis.names.length > 1 ? "them" : "it"}`, `use ${axis.names.length > 1 ? "them" : `\`${axis.names[0]}\``} in the objective or an argument (e.g. \`objective = gen + ${axis.names[0]} * con\`), or drop the grid`);
      }
    }
  }
  sc.ok = errors === 0;
  return { check: sc, diagnostics };
}

/**
 * The grid axes whose values change no compiled field (issue 12): at every setting of the other
 * axes, every value of this axis compiles to the same IR. `bodies[i]` is point i's IR as JSON.
 */
function inertAxes(axes: readonly GridAxis[], points: readonly Record<string, number>[], bodies: readonly string[]): GridAxis[] {
  return axes.filter((axis) => {
    if (axis.points.length < 2) return false;
    const groups = new Map<string, Set<string>>();
    points.forEach((p, i) => {
      const others = JSON.stringify(Object.entries(p).filter(([k]) => !axis.names.includes(k)));
      const g = groups.get(others) ?? new Set<string>();
      g.add(bodies[i]!);
      groups.set(others, g);
    });
    return [...groups.values()].every((g) => g.size === 1);
  });
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) {
    r = (r * (n - k + i)) / i;
    if (r > 1e12) return r;
  }
  return Math.round(r);
}

