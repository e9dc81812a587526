// `evaluate { … }`: each protocol's data, features and generative head, and whether the
// objective trains what it measures.
import type { Span, Stmt } from "../ast.js";
import type { IRFeatures, IRHead, IRLoss, IRObjective, IRProtocol } from "../ir.js";
import type { MergedStmt } from "../resolve.js";
import type { Severity } from "../diagnostics.js";
import { formatShape } from "../shapes.js";
import { CORRUPTIONS, defaultValue, OOD_SCORES } from "../../language/builtins.js";
import type { CheckContext } from "./context.js";
import { encoderMember } from "./heads.js";
import { trainDataName } from "./train.js";
import { numArg, severityList, wordList } from "./values.js";

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
  const generative = objective
    ? objective.terms.map((t) => ctx.losses.get(t.loss)).find((l): l is Extract<IRLoss, { kind: "autoregressive" }> => l?.kind === "autoregressive")
    : undefined;
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
      const r = encoderMember(ctx, a.value, "`features:`", "pooled");
      return r && { encoder: r.enc.name, member: "pooled" };
    };
    const trainName = (): string | null => (args.has("train") ? dataArg("train") : trainDataName(ctx));
    /** The generative head a protocol scores with, its tokenizer, and whether the objective trains it. */
    const genHead = (what: string): { head: string; tokenizer: string; applicable: boolean } | null => {
      const a = args.get("head");
      let head: IRHead | null = null;
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
      if (!enc) return null;
      return { head: head.name, tokenizer: enc.tokens, applicable: generative?.head === head.name };
    };
    const notApplicable = (span: Span, what: string): string => {
      const reason = `the objective of \`${ctx.exp.name}\` has no autoregressive loss, so ${what} is not trained`;
      if (objectiveOk) ctx.report("HGC070", naSeverity, span, `\`${call.callee.name}\` is not applicable: ${reason}`, "it is reported as not applicable; add the generative loss to the objective to measure it");
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
        if (f && tr && te && typeof epochs === "number" && typeof lr === "number") p = { kind: "linear_probe", applicable: true, features: f, train: tr, test: te, epochs, lr };
        break;
      }
      case "knn": {
        const f = features();
        const tr = dataArg("train");
        const te = dataArg("test");
        const k = numArg(ctx, call, args, "k");
        const temperature = numArg(ctx, call, args, "temperature");
        if (f && tr && te && typeof k === "number" && typeof temperature === "number") p = { kind: "knn", applicable: true, features: f, k, train: tr, test: te, temperature };
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
        const g = genHead("`samples`");
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
    if (p && ctx.errors === before) out.push(p);
  }
  return out;
}
