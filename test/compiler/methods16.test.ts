// Issue 16's language: `resnet`, `decoder`, `masked`, `reconstruct` as language-v2.md writes them
// check clean, and each check the second edition adds for them reports its code.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkSource, compileExperiment } from "../../compiler/index.js";

const EXAMPLES = fileURLToPath(new URL("../../examples/", import.meta.url));
const V2 = "/work/shared/design/language-v2.md";

/** language-v2.md's complete program (issue 15's two-view family and issue 16's lines together). */
function v2Program(): string | null {
  if (!existsSync(V2)) return null;
  return /```hgc\n([\s\S]*?)```/.exec(readFileSync(V2, "utf8"))![1]!;
}

function diagnostics(text: string): { code: string; severity: string; message: string }[] {
  return checkSource(text, `${EXAMPLES}t.hgc`).diagnostics.filter((d) => d.severity !== "info");
}

const ENCODER = "  encoder enc = transformer(tokens: px, layers: 1, width: 16, heads: 2, causal: false)";
const BASE = (body: string) => `experiment e {
  dataset train = synthetic(split: "train", count: 64, classes: 4, size: 8x8)
  dataset test  = synthetic(split: "test", count: 32, classes: 4, size: 8x8)
  tokens px = patches(size: 2, levels: 4)
  tokens q = quantize(size: 8x8, levels: 4)
  views aug = augment(crop: 0.7..1.0)
${body.includes("encoder enc =") ? "" : ENCODER}
${body}
  train(data: train, steps: 10, batch: 8)
}
`;

describe("issue 16 in the language", () => {
  it.skipIf(!existsSync(V2))("checks language-v2.md's program clean, both experiments", () => {
    const r = checkSource(v2Program()!, `${EXAMPLES}v2.hgc`);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect([...r.experiments.keys()].sort()).toEqual(["cnn_simclr", "zoo_base"]);
    const zoo = compileExperiment(r, "zoo_base").value;
    expect(zoo?.losses.by).toMatchObject({ kind: "byol", head: "pred", target: "tproj" });
    expect(zoo?.heads.tproj).toMatchObject({ kind: "ema", ema: { of: "proj", decay: 0.99 } });
    const cnn = compileExperiment(r, "cnn_simclr").value;
    expect(cnn).not.toBeNull();
    if (cnn) {
      expect(cnn.encoders.net).toMatchObject({ kind: "resnet", depth: 10, blocks: [1, 1, 1, 1], channels: [16, 32, 64, 128], width: 128, layers: 4, imageSize: [28, 28] });
      expect(cnn.heads.proj!.inWidth).toBe(128);
      expect(cnn.evaluate[0]).toMatchObject({ kind: "linear_probe", features: { encoder: "net", member: "layers" } });
    }
  });

  it("a clean masked and MAE program", () => {
    const text = BASE(`  head mlm = linear(enc.tokens, out: px.vocab)
  head dec = decoder(enc, layers: 1, width: 8, heads: 2)
  loss mim = masked(mlm, target: px, ratio: 0.4)
  loss rec = reconstruct(dec, target: px)
  objective = mim + rec
  evaluate { samples(count: 2) }`);
    expect(diagnostics(text)).toEqual([]);
  });

  const cases: [string, string, string][] = [
    ["HGC160", "masked on a causal encoder", `  encoder enc = transformer(tokens: px, layers: 1, width: 16, heads: 2, causal: true)
  head mlm = linear(enc.tokens, out: px.vocab)
  loss mim = masked(mlm, target: px, ratio: 0.4)
  objective = mim`],
    ["HGC161", "autoregressive and masked on one encoder", `  head mlm = linear(enc.tokens, out: px.vocab)
  loss gen = autoregressive(mlm, target: px)
  loss mim = masked(mlm, target: px, ratio: 0.4)
  objective = mim`],
    ["HGC162", "reconstruct over quantize tokens", `  encoder enc = transformer(tokens: q, layers: 1, width: 16, heads: 2)
  head dec = decoder(enc)
  loss rec = reconstruct(dec, target: q)
  objective = rec`],
    ["HGC163", "reconstruct without a decoder", `  head mlm = linear(enc.tokens, out: px.vocab)
  loss rec = reconstruct(mlm, target: px)
  objective = rec`],
    ["HGC164", "a token head on a resnet", `  encoder net = resnet(depth: 8, width: 4, pool: mean)
  head lm = linear(net.tokens, out: px.vocab)
  head proj = mlp(net.pooled, out: 8)
  loss con = ntxent(proj, views: aug)
  objective = con`],
    ["HGC165", "a resnet of depth 12", `  encoder net = resnet(depth: 12, width: 4, pool: mean)
  head proj = mlp(net.pooled, out: 8)
  loss con = ntxent(proj, views: aug)
  objective = con`],
    ["HGC050", "a stem stride of 3", `  encoder net = resnet(depth: 8, width: 4, pool: mean, stem_stride: 3)
  head proj = mlp(net.pooled, out: 8)
  loss con = ntxent(proj, views: aug)
  objective = con`],
    ["HGC166", "masked reading a decoder", `  head dec = decoder(enc)
  loss mim = masked(dec, target: px)
  objective = mim`],
    ["HGC167", "an ema of a head on a resnet", `  encoder net = resnet(depth: 8, width: 4, pool: mean)
  head proj = mlp(net.pooled, out: 8)
  head tproj = ema(proj, decay: 0.99)
  loss con = ntxent(proj, views: aug)
  objective = con`],
    ["HGC168", "an ema of a decoder", `  head dec = decoder(enc)
  head tdec = ema(dec, decay: 0.99)
  loss rec = reconstruct(dec, target: px)
  objective = rec`],
    ["HGC120", "a resnet stage out of range", `  encoder net = resnet(depth: 8, width: 4, pool: mean)
  head proj = mlp(net.pooled, out: 8)
  loss con = ntxent(proj, views: aug)
  objective = con
  evaluate { knn(features: net.layer(4), train: train, test: test) }`],
  ];
  for (const [code, what, body] of cases) {
    it(`${code}: ${what}`, () => {
      const d = diagnostics(BASE(body));
      expect(d.map((x) => x.code), JSON.stringify(d)).toContain(code);
      expect(d.filter((x) => x.code === code).every((x) => x.severity === "error")).toBe(true);
    });
  }

  it("`stem_stride: 2` halves the images in the stem: a quarter of the FLOP, the same parameters; without it the IR (and hash) is unchanged", () => {
    const body = (extra: string) => BASE(`  encoder net = resnet(depth: 10, width: 8, pool: mean${extra})
  head proj = mlp(net.pooled, out: 8)
  loss con = ntxent(proj, views: aug)
  objective = con`);
    const compile = (text: string) => compileExperiment(checkSource(text, `${EXAMPLES}t.hgc`), "e").value!;
    const plain = compile(body(""));
    const one = compile(body(", stem_stride: 1"));
    const two = compile(body(", stem_stride: 2"));
    expect(plain.encoders.net).not.toHaveProperty("stemStride");
    expect(one.hash).toBe(plain.hash);
    expect(two.encoders.net).toMatchObject({ stemStride: 2, parameters: plain.encoders.net!.parameters });
    expect(two.hash).not.toBe(plain.hash);
    // 8×8 images: the stages at 4/2/1/1 positions a side instead of 8/4/2/1 (the loss's cost unchanged)
    expect(two.estimates.flopsPerStep).toBeLessThan(0.5 * plain.estimates.flopsPerStep);
  });
});
