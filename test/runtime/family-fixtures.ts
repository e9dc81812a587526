// The tiny IR of fixtures.ts with the two-view family: a predictor `pred` on the projection
// `proj`, a momentum copy `tproj = ema(proj, decay: 0.9)`, and one loss of the family mixed with
// the next-token loss (`gen + 0.5·<loss>`).
import { hashIR } from "../../compiler/hash.js";
import type { IRExperiment, IRLoss } from "../../compiler/ir.js";
import { tinyIr, type TinyOptions } from "./fixtures.js";

export const FAMILY = ["ntxent", "supcon", "moco", "byol", "simsiam", "barlow_twins", "vicreg"] as const;
export type FamilyKind = (typeof FAMILY)[number];

export function familyLoss(kind: FamilyKind, name = "con", queue = 16): IRLoss {
  const views = "aug";
  switch (kind) {
    case "ntxent":
      return { name, kind, head: "proj", views, temperature: 0.5 };
    case "supcon":
      return { name, kind, head: "proj", views, temperature: 0.5 };
    case "moco":
      return { name, kind, head: "proj", key: "tproj", views, queue, temperature: 0.2 };
    case "byol":
      return { name, kind, head: "pred", target: "tproj", views };
    case "simsiam":
      return { name, kind, head: "pred", target: "proj", views };
    case "barlow_twins":
      return { name, kind, head: "proj", views, lambda: 0.005 };
    case "vicreg":
      return { name, kind, head: "proj", views, sim: 25, var: 25, cov: 1 };
  }
}

export function familyIr(kind: FamilyKind, o: TinyOptions & { decay?: number; queue?: number } = {}): IRExperiment {
  const ir = tinyIr(o);
  const proj = ir.heads.proj!;
  ir.heads.pred = {
    name: "pred",
    kind: "mlp",
    input: { encoder: "enc", member: "pooled", head: "proj" },
    inWidth: proj.out,
    hidden: [16],
    out: proj.out,
    perToken: false,
    shape: ["batch", proj.out],
    parameters: proj.out * 16 + 16 + 16 * proj.out + proj.out,
  };
  ir.heads.tproj = {
    ...proj,
    name: "tproj",
    kind: "ema",
    ema: { of: "proj", decay: o.decay ?? 0.9, values: ir.encoders.enc!.parameters + proj.parameters },
    parameters: 0,
  };
  ir.losses.con = familyLoss(kind, "con", o.queue ?? 16);
  ir.estimates.parameters += ir.heads.pred.parameters;
  ir.hash = hashIR(ir);
  return ir;
}
