// `evaluate { … }`: each protocol's data, features and generative head, and whether the
// objective trains what it measures.
import type { Arg, Expr, Span, Stmt } from "../ast.js";
import type { IRBaseline, IRDataset, IRFeatures, IRHead, IRLoss, IRObjective, IRProtocol } from "../ir.js";
import type { MergedStmt } from "../resolve.js";
import type { Severity } from "../diagnostics.js";
import { DEFAULT_BASELINES } from "../metrics.js";
import { zeroThroughout } from "../scalar.js";
import { formatShape } from "../shapes.js";
import { CORRUPTIONS, defaultValue, OOD_SCORES } from "../../language/builtins.js";
import type { CheckContext } from "./context.js";
import { encoderMember } from "./heads.js";
import { trainStepsHint } from "./objective.js";
import { trainDataName } from "./train.js";
import { numArg, numExpr, severityList, wordList } from "./values.js";
import { fmtNum } from "./words.js";

export function checkEvaluate(ctx: CheckContext, m: MergedStmt, objective: IRObjective | null): IRProtocol[] {
  const s = m.stmt as Extract<Stmt, { kind: "Evaluate" }>;
  const out: IRProtocol[] = [];
  // Inherited protocols that the child's objective cannot serve are the baseline pattern: reported as info.
  const naSeverity: Severity = m.inherited ? "info" : "warning";
  // With a broken objective or loss, "not applicable" would only echo that error.
  const objectiveOk = objective !== null && objective.terms.every((t) => ctx.losses.get(t.loss));
  const firstEncoder = [...ctx.symbols.values()].find((x) => x.kind === "encoder");
  const defaultFeatures = (): IRFeatures | null => {
    const enc = firstEncoder ? ctx.encoder(firstEncoder.name) : null;
    return enc ? { encoder: enc.name, member: "pooled" } : null;
  };
  // Issue 12: a loss whose weight is 0 at every step trains nothing, so it does not count as trained.
  const steps = trainStepsHint(ctx);
  const untrained = new Set((objective?.terms ?? []).filter((t) => zeroThroughout(t.weight, steps)).map((t) => t.loss));
  const generative = objective
    ? objective.terms
        .filter((t) => !untrained.has(t.loss))
        .map((t) => ctx.losses.get(t.loss))
        .find((l): l is Extract<IRLoss, { kind: "autoregressive" }> => l?.kind === "autoregressive")
    : undefined;
  // Issue 16: a trained reconstruct loss's decoder is what `samples` shows (reconstructions) when nothing is autoregressive.
  const reconstructed = objective
    ? objective.terms
        .filter((t) => !untrained.has(t.loss))
        .map((t) => ctx.losses.get(t.loss))
        .find((l): l is Extract<IRLoss, { kind: "reconstruct" }> => l?.kind === "reconstruct")
    : undefined;
  const zeroGen = [...untrained].find((l) => ctx.losses.get(l)?.kind === "autoregressive");
  for (const call of s.protocols) {
    const sig = ctx.signature(call, ["protocol"], "evaluation protocol");
    if (!sig) continue;
    const { b, args } = sig;
    const before = ctx.errors;
    const dataArg = (key: string): string | null => {
      const a = args.get(key);
      if (!a) return null;
      const sym = ctx.nameArg(a.value, "dataset", `\`${key}:\``);
      return sym && ctx.dataset(sym.name) ? sym.name : null;
    };
    const features = (): IRFeatures | null => {
      const a = args.get("features");
      if (!a) return defaultFeatures();
      // Issue 12: linear_probe, knn, ood and robustness may read one block, `enc.layer(k)`; linear_probe every block, `enc.layers`.
      const blocks = b.name === "linear_probe" ? "layers" : ["knn", "ood", "robustness"].includes(b.name) ? "layer" : null;
      return featuresMember(ctx, a.value, "`features:`", blocks);
    };
    const trainName = (): string | null => (args.has("train") ? dataArg("train") : trainDataName(ctx));
    /** The generative head a protocol scores with, its tokenizer, and whether the objective trains it. */
    const genHead = (what: string, reconstruction = false): { head: string; tokenizer: string; applicable: boolean } | null => {
      const a = args.get("head");
      let head: IRHead | null = null;
      if (reconstruction && !a && !generative && reconstructed) {
        return { head: reconstructed.head, tokenizer: reconstructed.target, applicable: true };
      }
      if (a) {
        const sym = ctx.nameArg(a.value, "head", "`head:`");
        head = sym ? ctx.head(sym.name) : null;
        if (head && !head.perToken) {
          ctx.err("HGC031", a.value.span, `\`head:\` must be a per-token head, but \`${head.name}\` is a vector ${formatShape(head.shape)}`, "name the head that predicts the next token, e.g. `linear(enc.tokens, out: pixels.vocab)`");
          return null;
        }
        if (!head) return null;
      } else if (generative) {
        head = ctx.heads.get(generative.head) ?? null;
      } else {
        const ar = [...ctx.losses.values()].find((l) => l?.kind === "autoregressive");
        head = ar ? (ctx.heads.get(ar.head) ?? null) : ([...ctx.heads.values()].find((h) => h?.perToken) ?? null);
      }
      if (!head) {
        // A per-token head or an autoregressive loss that failed to check is already reported.
        const attempted = [...ctx.symbols.values()].some(
          (x) =>
            (x.kind === "head" && x.decl.value.kind === "Call" && x.decl.value.positional?.kind === "Member" && x.decl.value.positional.property.name === "tokens") ||
            (x.kind === "loss" && x.decl.value.kind === "Call" && x.decl.value.callee.name === "autoregressive"),
        );
        if (attempted) return null;
        ctx.err("HGC071", call.callee.span, `${what} needs a per-token generative head, and experiment \`${ctx.exp.name}\` has none`, "add `head lm = linear(enc.tokens, out: pixels.vocab)` and `loss gen = autoregressive(lm, target: pixels)` to the objective, or remove this protocol");
        return null;
      }
      const enc = ctx.encoders.get(head.input.encoder);
      if (!enc || enc.kind !== "transformer") return null;
      return { head: head.name, tokenizer: enc.tokens, applicable: generative?.head === head.name };
    };
    const notApplicable = (span: Span, what: string): string => {
      const reason = zeroGen
        ? `the objective of \`${ctx.exp.name}\` gives \`${zeroGen}\` weight 0 at every step, so ${what} is not trained`
        : `the objective of \`${ctx.exp.name}\` has no autoregressive loss, so ${what} is not trained`;
      const hint = zeroGen ? `it is reported as not applicable; give \`${zeroGen}\` a positive weight to measure it` : "it is reported as not applicable; add the generative loss to the objective to measure it";
      if (objectiveOk) ctx.report("HGC070", naSeverity, span, `\`${call.callee.name}\` is not applicable: ${reason}`, hint);
      return reason;
    };
    let p: IRProtocol | null = null;
    switch (b.name) {
      case "linear_probe": {
        const f = features();
        const tr = dataArg("train");
        const te = dataArg("test");
        const epochs = numArg(ctx, call, args, "epochs");
        const lr = numArg(ctx, call, args, "lr");
        // Issue 12: `val:` (held-out set for L2 and the block of `.layers`) and `baselines:`.
        const val = args.has("val") ? dataArg("val") : null;
        const baselines = baselineList(ctx, args.get("baselines"));
        if (f && tr && te && baselines && (val !== null || !args.has("val")) && typeof epochs === "number" && typeof lr === "number")
          p = { kind: "linear_probe", applicable: true, features: f, train: tr, val, test: te, epochs, lr, baselines };
        break;
      }
      case "knn": {
        const f = features();
        const tr = dataArg("train");
        const te = dataArg("test");
        const k = numArg(ctx, call, args, "k");
        const temperature = numArg(ctx, call, args, "temperature");
        const baselines = baselineList(ctx, args.get("baselines"));
        if (f && tr && te && baselines && typeof k === "number" && typeof temperature === "number") p = { kind: "knn", applicable: true, features: f, k, train: tr, test: te, temperature, baselines };
        break;
      }
      case "bits_per_dim": {
        const data = dataArg("data");
        const g = genHead("`bits_per_dim`");
        if (data && g) {
          p = { kind: "bits_per_dim", applicable: g.applicable, data, head: g.head, tokenizer: g.tokenizer };
          if (!g.applicable) p.reason = notApplicable(call.callee.span, `head \`${g.head}\``);
        }
        break;
      }
      case "samples": {
        const count = numArg(ctx, call, args, "count");
        const temperature = numArg(ctx, call, args, "temperature");
        const g = genHead("`samples`", true);
        if (g && typeof count === "number" && typeof temperature === "number") {
          p = { kind: "samples", applicable: g.applicable, count, temperature, head: g.head, tokenizer: g.tokenizer };
          if (!g.applicable) p.reason = notApplicable(call.callee.span, `head \`${g.head}\``);
        }
        break;
      }
      case "ood": {
        const inD = dataArg("in");
        const outD = dataArg("out");
        // Without any per-token head the default drops `likelihood` rather than demand one.
        const hasGenerativeHead = [...ctx.heads.values()].some((h) => h?.perToken);
        const defaultScores = (defaultValue("ood", "scores") as string[]).filter((x) => x !== "likelihood" || hasGenerativeHead);
        const scores = wordList(ctx, args.get("scores"), "scores", OOD_SCORES) ?? (args.has("scores") ? null : defaultScores);
        const f = features();
        const tr = trainName();
        const k = numArg(ctx, call, args, "k");
        if (scores?.includes("likelihood")) {
          const g = genHead("the `likelihood` score");
          if (g && !g.applicable && objectiveOk) {
            const at = args.get("scores")?.value ?? call.callee;
            ctx.report("HGC070", naSeverity, at.span, `the \`likelihood\` score is not applicable: the objective of \`${ctx.exp.name}\` has no autoregressive loss`, "it is reported as not applicable; the other scores still run");
          }
        }
        if (inD && outD && scores && f && tr && typeof k === "number") p = { kind: "ood", applicable: true, in: inD, out: outD, scores: scores as ("likelihood" | "knn" | "mahalanobis")[], features: f, train: tr, k };
        break;
      }
      case "robustness": {
        const data = dataArg("data");
        const corruptions = wordList(ctx, args.get("corruptions"), "corruptions", CORRUPTIONS) ?? (args.has("corruptions") ? null : (defaultValue("robustness", "corruptions") as string[]));
        const severities = severityList(ctx, args.get("severities"));
        const f = features();
        const tr = trainName();
        if (data && corruptions && severities && f && tr) p = { kind: "robustness", applicable: true, data, corruptions, severities, features: f, train: tr };
        break;
      }
    }
    if (p && ctx.errors === before) {
      // Issue 12 (language-v2.md): figures measured on the training data.
      for (const key of ["test", "data", "in"]) if (args.has(key)) warnIfTrainingData(ctx, args.get(key)!, dataArg(key));
      out.push(p);
    }
  }
  return out;
}

/**
 * What a protocol probes (issue 12): `enc.pooled`; where `blocks` allows, one block's pooled
 * output `enc.layer(k)` (1 ≤ k ≤ layers), and with `blocks: "layers"` every block, `enc.layers`.
 */
function featuresMember(ctx: CheckContext, e: Expr, role: string, blocks: "layer" | "layers" | null): IRFeatures | null {
  const prop = e.kind === "Member" ? e.property.name : null;
  if (e.kind !== "Member" || e.object.kind !== "Name" || !blocks || (prop !== "layer" && prop !== "layers")) {
    if (e.kind === "Member" && e.arg) {
      ctx.err("HGC025", e.arg.span, `\`.${e.property.name}\` takes no argument`, "only `.layer(k)` takes one");
      return null;
    }
    const r = encoderMember(ctx, e, role, "pooled");
    return r && { encoder: r.enc.name, member: "pooled" };
  }
  const sym = ctx.lookup(e.object.name, e.object.span, ["encoder"], role);
  const enc = sym ? ctx.encoder(sym.name) : null;
  if (!enc) return null;
  if (prop === "layers") {
    if (blocks !== "layers") {
      ctx.err("HGC025", e.property.span, `${role} of this protocol reads one feature set, not every block`, `name one block, e.g. \`${enc.name}.layer(${enc.layers})\`, or \`${enc.name}.pooled\``);
      return null;
    }
    if (e.arg) {
      ctx.err("HGC025", e.arg.span, "`.layers` takes no argument", `write \`${enc.name}.layers\` for every block or \`${enc.name}.layer(k)\` for one`);
      return null;
    }
    return { encoder: enc.name, member: "layers" };
  }
  if (!e.arg) {
    ctx.err("HGC025", e.property.span, "`.layer` needs a block number", `write \`${enc.name}.layer(k)\` with 1 ≤ k ≤ ${enc.layers}`);
    return null;
  }
  const k = numExpr(ctx, e.arg, "the block number");
  if (!k) return null;
  if (!Number.isInteger(k.value) || k.value < 1 || k.value > enc.layers) {
    ctx.err("HGC120", e.arg.span, `\`${enc.name}\` has ${enc.layers} block${enc.layers === 1 ? "" : "s"}, so \`.layer(${fmtNum(k.value)})\` names none`, `k runs from 1 to ${enc.layers}; \`${enc.name}.layers\` probes every block`);
    return null;
  }
  return { encoder: enc.name, member: "layer", layer: k.value };
}

/** HGC121: an evaluation set that is the training set, or the same source and split as it (issue 12). */
function warnIfTrainingData(ctx: CheckContext, a: Arg, name: string | null): void {
  const trainName = trainDataName(ctx);
  if (!name || !trainName) return;
  const [ds, tr] = [ctx.dataset(name), ctx.dataset(trainName)];
  if (!ds || !tr) return;
  // The same images: the same source, split and files (for synthetic data, the same generator seed).
  const origin = (d: IRDataset) => JSON.stringify([d.source, d.split, d.args.path ?? d.args.images ?? null, d.source === "synthetic" ? d.args.seed : null]);
  if (name !== trainName && origin(ds) !== origin(tr)) return;
  const what = name === trainName ? "the training set" : `the same ${ds.source} split ("${ds.split}") as the training set \`${trainName}\``;
  ctx.report("HGC121", "warning", a.value.span, `\`${a.name.name}: ${name}\` is ${what}: the figures would be measured on training data`, `evaluate on a held-out split, e.g. \`dataset test = ${ds.source}(split: "test", …)\``);
}

/** `baselines:` of linear_probe/knn (issue 12): a list of `init`/`pixels`, `[]` for none, both when absent. */
function baselineList(ctx: CheckContext, a: Arg | undefined): IRBaseline[] | null {
  if (!a) return [...DEFAULT_BASELINES];
  if (a.value.kind === "List" && a.value.items.length === 0) return [];
  return wordList(ctx, a, "baselines", DEFAULT_BASELINES) as IRBaseline[] | null;
}
