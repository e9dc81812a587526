// One experiment: its statements, each declaration (checked once, in any order, dependencies
// on demand) and the IR body with every default filled in. Each item kind is checked by its own
// module over the shared CheckContext.
import type { Diagnostic } from "../diagnostics.js";
import { didYouMeanHint } from "../diagnostics.js";
import type { MergedExperiment, MergedStmt, Workspace } from "../resolve.js";
import { experimentMetrics } from "../shapes.js";
import { ASSIGN_NAMES } from "../../language/keywords.js";
import { CheckContext, type CheckExperimentOptions, type IRBody, type ItemCheckers, type ItemInfo } from "./context.js";
import { checkDataset } from "./datasets.js";
import { checkEncoder } from "./encoders.js";
import { checkEvaluate } from "./evaluate.js";
import { checkHead } from "./heads.js";
import { checkAnyLoss } from "./masked.js";
import { checkObjective, checkUnusedLosses } from "./objective.js";
import { checkOptimizer } from "./optimizer.js";
import { checkParam } from "./params.js";
import { checkResources } from "./resources.js";
import { checkTokenizer } from "./tokens.js";
import { checkBatch, checkKeepBest, checkTrain } from "./train.js";
import { intValue } from "./values.js";
import { checkViews } from "./views.js";
import { backticks } from "./words.js";

export interface ExperimentCheck {
  name: string;
  merged: MergedExperiment;
  /** Null when the experiment has errors. */
  body: IRBody | null;
  /** Metrics its evaluate block reports (for sweep objectives). */
  metrics: string[];
  items: Map<string, ItemInfo>;
  /** What checking this experiment reported (also part of the file's diagnostics). */
  diagnostics: Diagnostic[];
}

const CHECKERS: ItemCheckers = {
  dataset: checkDataset,
  tokenizer: checkTokenizer,
  views: checkViews,
  encoder: checkEncoder,
  head: checkHead,
  loss: checkAnyLoss,
  param: checkParam,
};

export function checkExperiment(ws: Workspace, merged: MergedExperiment, opts: CheckExperimentOptions = {}): { check: ExperimentCheck; diagnostics: Diagnostic[] } {
  const ctx = new CheckContext(ws, merged, CHECKERS, opts);
  let body = checkBody(ctx);
  // A run beyond any machine is an error; the body is withheld so nothing compiles it.
  if (body) {
    checkResources(ctx, body, opts.limits !== false);
    if (ctx.errors > 0) body = null;
  }
  let metrics: string[] | undefined;
  const check: ExperimentCheck = {
    name: merged.name,
    merged,
    body,
    // Computed on first use: only sweeps with objectives and the editor read it.
    get metrics(): string[] {
      metrics ??= body ? experimentMetrics(body.evaluate) : [];
      return metrics;
    },
    items: ctx.items,
    diagnostics: ctx.diagnostics,
  };
  return { check, diagnostics: ctx.diagnostics };
}

function checkBody(ctx: CheckContext): IRBody | null {
  let seed: number | null = 0;
  let objectiveStmt: MergedStmt | undefined;
  let optimizerStmt: MergedStmt | undefined;
  let evaluateStmt: MergedStmt | undefined;
  for (const m of ctx.exp.stmts) {
    const s = m.stmt;
    if (s.kind === "Train") ctx.trainStmt = m;
    else if (s.kind === "Evaluate") evaluateStmt = m;
    else if (s.kind === "Assign") {
      const name = s.name.name;
      if (name === "seed") seed = intValue(ctx, s.value, "seed", { int: true });
      else if (name === "objective") objectiveStmt = m;
      else if (name === "optimizer") optimizerStmt = m;
      else {
        const known = ASSIGN_NAMES.experiment.map((a) => a.name);
        const isSweepWord = ASSIGN_NAMES.sweep.some((a) => a.name === name);
        ctx.err(
          "HGC016",
          s.name.span,
          isSweepWord ? `\`${name}\` belongs in a sweep, not in an experiment` : `unknown statement \`${name} = …\``,
          didYouMeanHint(name, known) ?? `an experiment assigns ${backticks(known)}; other items are declared as \`KIND NAME = …\` (dataset, tokens, views, encoder, head, loss, param)`,
        );
      }
    }
  }

  // Declarations, each checked once (memoised; dependencies are checked on demand).
  for (const sym of ctx.symbols.values()) {
    switch (sym.kind) {
      case "dataset":
        ctx.dataset(sym.name);
        break;
      case "tokens":
        ctx.tokenizer(sym.name);
        break;
      case "views":
        ctx.views(sym.name);
        break;
      case "encoder":
        ctx.encoder(sym.name);
        break;
      case "head":
        ctx.head(sym.name);
        break;
      case "loss":
        ctx.loss(sym.name);
        break;
      case "param":
        ctx.param(sym.name);
        break;
    }
  }

  const train = checkTrain(ctx);
  const objective = objectiveStmt ? checkObjective(ctx, objectiveStmt) : null;
  if (!objectiveStmt) ctx.err("HGC024", ctx.nameSpan, `experiment \`${ctx.exp.name}\` has no \`objective\``, "add e.g. `objective = gen + lambda * con`, a weighted sum of its losses");
  if (train && objective) checkBatch(ctx, train, objective);
  if (objective) checkUnusedLosses(ctx, objective);
  const optimizer = checkOptimizer(ctx, optimizerStmt);
  const evaluate = evaluateStmt ? checkEvaluate(ctx, evaluateStmt, objective) : [];
  if (train) checkKeepBest(ctx, train, experimentMetrics(evaluate));

  if (ctx.errors > 0 || !train || !objective || !optimizer || seed === null) return null;
  const collect = <T>(m: Map<string, T | null>): Record<string, T> => {
    const out: Record<string, T> = {};
    for (const [k, v] of [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) if (v) out[k] = v;
    return out;
  };
  const params: Record<string, number> = {};
  for (const [k, v] of [...ctx.params.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) if (v !== null) params[k] = v;
  const item = ctx.exp.item;
  return {
    irVersion: 1,
    name: ctx.exp.name,
    source: { file: item.span.file, line: item.span.start.line },
    seed,
    datasets: collect(ctx.datasets),
    tokenizers: collect(ctx.tokenizers),
    views: collect(ctx.viewsMap),
    encoders: collect(ctx.encoders),
    heads: collect(ctx.heads),
    losses: collect(ctx.losses),
    params,
    objective,
    optimizer,
    train,
    evaluate,
  };
}
