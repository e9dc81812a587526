// A generated program of about `lines` lines: many small experiments, each a full hybrid model.
// Used to time the language server on a large file (scripts/bench-lsp.mjs, test/editors/lsp.test.ts).
export function generateLongProgram(lines) {
  const block = (i) => `experiment e${i} {
  seed = ${i}
  dataset train = synthetic(split: "train", limit: 1000)
  dataset test = synthetic(split: "test", limit: 200)
  tokens pixels = quantize(size: 8x8, levels: 4)
  views aug = augment(crop: 0.6..1.0, noise: 0.05)
  encoder enc = transformer(tokens: pixels, layers: 1, width: 32, heads: 2, causal: true)
  head proj = mlp(enc.pooled, hidden: [32], out: 16)
  head lm = linear(enc.tokens, out: pixels.vocab)
  loss con = ntxent(proj, views: aug, temperature: 0.2)
  loss gen = autoregressive(lm, target: pixels)
  param lambda = 0.5
  objective = gen + lambda * con
  optimizer = adamw(lr: 1e-3, weight_decay: 0.05)
  train(data: train, steps: 100, batch: 16)
  evaluate {
    knn(features: enc.pooled, k: 5, train: train, test: test)
    bits_per_dim(data: test)
  }
}

`;
  const per = block(0).split("\n").length - 1;
  const out = [];
  for (let i = 0; out.length * per < lines; i++) out.push(block(i));
  return out.join("");
}
