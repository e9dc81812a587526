// `train(…)`: the training set, length, batch and intervals.
import type { Stmt } from "../ast.js";
import { isViewLoss, type IRDataset, type IRLoss, type IRObjective, type IRTrain } from "../ir.js";
import { sourceFacts } from "../shapes.js";
import type { CheckContext } from "./context.js";
import { numArg } from "./values.js";
import { didYouMeanHint } from "../diagnostics.js";
import { metricDirection, metricText } from "../search.js";

export function trainDataName(ctx: CheckContext): string | null {
  if (ctx.trainData !== undefined) return ctx.trainData;
  ctx.trainData = null;
  const call = ctx.trainStmt?.stmt.kind === "Train" ? ctx.trainStmt.stmt.call : undefined;
  const a = call?.args.find((x) => x.name.name === "data");
  if (a) {
    const sym = ctx.nameArg(a.value, "dataset", "`data:`");
    ctx.trainData = sym ? sym.name : null;
  }
  return ctx.trainData;
}

/** The training set's image size, which a `patches` tokenizer cuts. */
export function trainImage(ctx: CheckContext): { ds: IRDataset; size: [number, number] | null } | null {
  const data = trainDataName(ctx);
  if (!data) return null;
  const ds = ctx.dataset(data);
  if (!ds) return null;
  const { height, width } = ds.shape;
  return { ds, size: height !== null && width !== null ? [height, width] : null };
}

export function checkTrain(ctx: CheckContext): IRTrain | null {
  if (!ctx.trainStmt || ctx.trainStmt.stmt.kind !== "Train") {
    ctx.err("HGC024", ctx.nameSpan, `experiment \`${ctx.exp.name}\` has no \`train(…)\``, "add e.g. `train(data: train, steps: 1000, batch: 64)`");
    return null;
  }
  const call = ctx.trainStmt.stmt.call;
  const sig = ctx.signature(call, ["train"], "statement");
  if (!sig) return null;
  const { args } = sig;
  const before = ctx.errors;
  const data = trainDataName(ctx);
  const ds = data ? ctx.dataset(data) : null;
  const steps = numArg(ctx, call, args, "steps");
  const epochs = numArg(ctx, call, args, "epochs");
  const batch = numArg(ctx, call, args, "batch");
  const evalEvery = numArg(ctx, call, args, "eval_every");
  const checkpointEvery = numArg(ctx, call, args, "checkpoint_every");
  const logEvery = numArg(ctx, call, args, "log_every");
  const keep = numArg(ctx, call, args, "keep");
  const keepBestArg = args.get("keep_best");
  const keepBest = keepBestArg ? metricText(keepBestArg.value) : undefined;
  if (keepBestArg && keepBest === null) ctx.err("HGC021", keepBestArg.value.span, "`keep_best:` names a metric like `knn.accuracy`", "write the metric's name, as in a sweep's `objectives`");
  if (args.has("keep") && !keepBestArg) ctx.err("HGC020", args.get("keep")!.name.span, "`keep:` counts the best checkpoints of `keep_best:`, which is missing", "add e.g. `keep_best: knn.accuracy`");
  if (args.has("steps") && args.has("epochs")) {
    ctx.err("HGC054", args.get("epochs")!.name.span, "give `steps:` or `epochs:`, not both", "keep the one you mean; the other follows from the dataset size and the batch");
  } else if (!args.has("steps") && !args.has("epochs")) {
    ctx.err("HGC054", call.callee.span, "`train` needs `steps:` or `epochs:`", "add e.g. `steps: 1000`");
  }
  if (ctx.errors > before || !ds || typeof batch !== "number") return null;
  let total = typeof steps === "number" ? steps : 0;
  if (typeof epochs === "number") {
    const n = ds.limit ?? sourceFacts(ds.source, ds.args).splitSizes?.[ds.split];
    if (n === undefined) {
      ctx.err("HGC054", args.get("epochs")!.name.span, `the size of \`${ds.name}\` is only known once its files are read, so \`epochs\` cannot be turned into steps`, `give \`${ds.name}\` a \`limit:\`, or train for \`steps:\``);
      return null;
    }
    total = epochs * Math.ceil(n / batch);
  }
  return {
    data: ds.name,
    steps: total,
    epochs: typeof epochs === "number" ? epochs : null,
    batch,
    evalEvery: typeof evalEvery === "number" ? evalEvery : null,
    checkpointEvery: typeof checkpointEvery === "number" ? checkpointEvery : null,
    logEvery: typeof logEvery === "number" ? logEvery : 10,
    ...(keepBest ? { keepBest: { metric: keepBest, direction: metricDirection(keepBest), keep: typeof keep === "number" ? keep : 1 } } : {}),
  };
}

/** `keep_best:` must name a metric the evaluations report (known once `evaluate { }` is checked). */
export function checkKeepBest(ctx: CheckContext, train: IRTrain, metrics: readonly string[]): void {
  if (!train.keepBest || metrics.includes(train.keepBest.metric)) return;
  const call = (ctx.trainStmt!.stmt as Extract<Stmt, { kind: "Train" }>).call;
  const span = call.args.find((a) => a.name.name === "keep_best")!.value.span;
  ctx.err(
    "HGC083",
    span,
    `\`keep_best:\` names \`${train.keepBest.metric}\`, which experiment \`${ctx.exp.name}\` does not report`,
    didYouMeanHint(train.keepBest.metric, metrics) ?? (metrics.length ? `it reports ${metrics.slice(0, 6).map((m) => `\`${m}\``).join(", ")}` : "add an `evaluate { … }` block"),
  );
}

export function checkBatch(ctx: CheckContext, train: IRTrain, objective: IRObjective): void {
  const twoViews = objective.terms.map((t) => ctx.losses.get(t.loss)).filter((l): l is IRLoss => !!l && isViewLoss(l));
  const contrastive = twoViews[0];
  const call = (ctx.trainStmt!.stmt as Extract<Stmt, { kind: "Train" }>).call;
  const batchSpan = call.args.find((a) => a.name.name === "batch")?.value.span ?? call.callee.span;
  if (contrastive && train.batch < 2) {
    ctx.err("HGC053", batchSpan, `a batch of ${train.batch} has no negatives for the contrastive loss \`${contrastive.name}\``, `${contrastive.kind === "ntxent" ? "NT-Xent contrasts each image with the rest of its batch" : `${contrastive.kind} reads statistics of the batch`}; use \`batch: 2\` or more (64 or more works best)`);
  }
  // MoCo's queue takes a whole batch of keys per step (runtime/model.ts `enqueue`).
  for (const l of twoViews) {
    if (l.kind !== "moco" || l.queue % train.batch === 0) continue;
    const decl = ctx.symbols.get(l.name)!.decl.value;
    const at = decl.kind === "Call" ? (decl.args.find((a) => a.name.name === "queue")?.value.span ?? decl.callee.span) : decl.span;
    const fit = Math.max(1, Math.round(l.queue / train.batch)) * train.batch;
    ctx.err("HGC152", at, `moco's queue of ${l.queue} keys is not a multiple of the batch (${train.batch}): each step replaces a whole batch of keys`, `use \`queue: ${fit}\` (${fit / train.batch} batches of keys)`, [{ message: `the batch is ${train.batch}`, span: batchSpan }]);
  }
}
