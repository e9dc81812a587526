import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { grammarJson } from "../../editors/tmlanguage.js";
import { BUILTINS, KEYWORDS, STATEMENT_CALLS } from "../../language/index.js";
import { GRAMMAR_PATH, ROOT, scopeOf, tokenize, type ScopedToken } from "./textmate.js";

const FIXTURE = join(import.meta.dirname, "fixtures", "hybrid.hgc");

/** The examples shipped with the package, and the language.md program (a fixture copy). */
function programs(): { name: string; text: string }[] {
  const dir = join(ROOT, "examples");
  const examples = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".hgc")) : [];
  return [
    { name: "fixtures/hybrid.hgc", text: readFileSync(FIXTURE, "utf8") },
    ...examples.map((f) => ({ name: `examples/${f}`, text: readFileSync(join(dir, f), "utf8") })),
  ];
}

function innermost(t: ScopedToken): string {
  return t.scopes[t.scopes.length - 1]!;
}

/** The innermost scope of the token `text` on the first line that contains `lineText`. */
function scopeOnLine(tokens: ScopedToken[], source: string, lineText: string, text: string): string {
  const line = source.split("\n").findIndex((l) => l.includes(lineText)) + 1;
  expect(line, `a line containing ${lineText}`).toBeGreaterThan(0);
  const t = tokens.find((x) => x.line === line && x.text === text);
  expect(t, `token \`${text}\` on line ${line}`).toBeDefined();
  return innermost(t!);
}

describe("the committed TextMate grammar", () => {
  it("is exactly what scripts/gen-tmlanguage.mjs generates from grammar/tokens.ts", () => {
    const stale = "grammar/hgc.tmLanguage.json is stale: run `npm run build && node scripts/gen-tmlanguage.mjs`";
    expect(readFileSync(GRAMMAR_PATH, "utf8"), stale).toBe(grammarJson());
  });

  it("mentions every keyword and every built-in of the lexer", () => {
    const json = readFileSync(GRAMMAR_PATH, "utf8");
    for (const word of [...KEYWORDS, ...BUILTINS.map((b) => b.name)]) expect(json).toMatch(new RegExp(`\\b${word}\\b`));
  });
});

describe("highlighting the language.md program", () => {
  const source = readFileSync(FIXTURE, "utf8");
  const on = async (lineText: string, text: string) => scopeOnLine(await tokenize(source), source, lineText, text);

  it("scopes item kinds, their names and the parent of extends", async () => {
    expect(await on("experiment hybrid {", "experiment")).toBe("storage.type.item.hgc");
    expect(await on("experiment hybrid {", "hybrid")).toBe("entity.name.type.item.hgc");
    expect(await on("contrastive_only extends", "extends")).toBe("storage.modifier.extends.hgc");
    expect(await on("contrastive_only extends", "hybrid")).toBe("entity.other.inherited-class.hgc");
    expect(await on("sweep lambda_grid", "sweep")).toBe("storage.type.item.hgc");
  });

  it("scopes declaration kinds and the names they declare", async () => {
    for (const kind of ["dataset", "tokens", "views", "encoder", "head", "loss", "param"]) {
      expect(await on(`  ${kind} `, kind)).toBe("storage.type.declaration.hgc");
    }
    expect(await on("encoder enc =", "enc")).toBe("entity.name.variable.hgc");
  });

  it("scopes statements as keywords only where they are statements", async () => {
    for (const [line, word] of [
      ["seed = 7", "seed"],
      ["objective = gen", "objective"],
      ["optimizer = adamw", "optimizer"],
      ["train(data", "train"],
      ["evaluate {", "evaluate"],
      ["grid lambda", "grid"],
      ["experiments = [hybrid]", "experiments"],
      ["seeds = [1, 2, 3]", "seeds"],
      ["jobs = 2", "jobs"],
      ["objectives = [", "objectives"],
    ]) {
      expect(await on(line!, word!), word).toBe("keyword.other.statement.hgc");
    }
    expect(await on("objectives = [", "maximize")).toBe("keyword.other.direction.hgc");
    expect(await on("minimize bits_per_dim", "minimize")).toBe("keyword.other.direction.hgc");
    // `train` as a dataset name and as an argument name is not the statement
    expect(await on("linear_probe(", "train")).toBe("variable.parameter.hgc");
    expect(await on("train(data: train", "data")).toBe("variable.parameter.hgc");
  });

  it("scopes built-in callees by their category", async () => {
    expect(await on("dataset train", "fashion_mnist")).toBe("support.function.dataset.hgc");
    expect(await on("tokens pixels", "quantize")).toBe("support.function.tokenizer.hgc");
    expect(await on("views aug", "augment")).toBe("support.function.views.hgc");
    expect(await on("encoder enc", "transformer")).toBe("support.function.encoder.hgc");
    expect(await on("head proj", "mlp")).toBe("support.function.head.hgc");
    expect(await on("loss con", "ntxent")).toBe("support.function.loss.hgc");
    expect(await on("optimizer =", "adamw")).toBe("support.function.optimizer.hgc");
    expect(await on("knn(features", "knn")).toBe("support.function.protocol.hgc");
  });

  it("scopes numbers, floats with exponents, sizes and ranges", async () => {
    expect(await on("seed = 7", "7")).toBe("constant.numeric.integer.hgc");
    expect(await on("adamw(lr", "1e-3")).toBe("constant.numeric.float.hgc");
    expect(await on("noise: 0.05", "0.05")).toBe("constant.numeric.float.hgc");
    expect(await on("quantize(size", "14")).toBe("constant.numeric.size.hgc");
    expect(await on("quantize(size", "x")).toBe("keyword.other.unit.size.hgc");
    const tokens = await tokenize(source);
    const crop = scopeOnLine(tokens, source, "crop: 0.6..1.0", "0.6");
    expect(crop).toBe("constant.numeric.hgc");
    const severities = tokens.filter((t) => t.line === source.split("\n").findIndex((l) => l.includes("severities")) + 1);
    const dots = severities.find((t) => t.text === "..")!;
    expect(dots.scopes).toContain("meta.range.hgc");
    expect(innermost(dots)).toBe("keyword.operator.range.hgc");
  });

  it("scopes strings, comments and booleans", async () => {
    const tokens = await tokenize(source);
    const str = tokens.find((t) => t.text === "train" && innermost(t) === "string.quoted.double.hgc");
    expect(str).toBeDefined();
    expect(tokens[0]!.scopes).toContain("comment.line.double-slash.hgc");
    expect(await on("causal: true", "true")).toBe("constant.language.boolean.hgc");
    const trailing = tokens.find((t) => t.text.includes("vocab 8, length 196"))!;
    expect(innermost(trailing)).toBe("comment.line.double-slash.hgc");
  });

  it("scopes member access as an object and a property", async () => {
    expect(await on("head proj", "enc")).toBe("variable.other.object.hgc");
    expect(await on("head proj", ".")).toBe("punctuation.accessor.hgc");
    expect(await on("head proj", "pooled")).toBe("variable.other.property.hgc");
    expect(await on("head lm", "tokens")).toBe("variable.other.property.hgc");
    expect(await on("head lm", "vocab")).toBe("variable.other.property.hgc");
  });

  it("scopes argument names, operators and closed-set values", async () => {
    expect(await on("transformer(tokens", "tokens")).toBe("variable.parameter.hgc");
    expect(await on("transformer(tokens", "layers")).toBe("variable.parameter.hgc");
    expect(await on("objective = gen", "=")).toBe("keyword.operator.assignment.hgc");
    expect(await on("objective = gen + lambda", "*")).toBe("keyword.operator.arithmetic.hgc");
    expect(await on("objective = gen + lambda", "lambda")).toBe("variable.other.hgc");
    expect(await on("pool: mean", "mean")).toBe("support.constant.hgc");
    expect(await on("schedule: cosine", "cosine")).toBe("support.constant.hgc");
  });
});

describe("highlighting lexical corner cases", () => {
  it("scopes block comments across lines, escapes and unterminated strings", async () => {
    const tokens = await tokenize('/* a\n b */ experiment x {\n dataset d = idx(images: "a\\"b", labels: "c)\n}');
    expect(tokens.filter((t) => t.line <= 2 && t.text.includes("b")).every((t) => t.scopes.includes("comment.block.hgc"))).toBe(true);
    expect(scopeOf(tokens, "experiment")).toBe("storage.type.item.hgc");
    expect(scopeOf(tokens, '\\"')).toBe("constant.character.escape.hgc");
    // the unterminated string stops at the end of its line: the next line's brace is punctuation
    expect(scopeOf(tokens, "}")).toBe("punctuation.section.block.end.hgc");
  });

  it("scopes a number run into letters as invalid, and a positive exponent as a float", async () => {
    const tokens = await tokenize("param a = 12ab\nparam b = 2E+4");
    expect(scopeOf(tokens, "12ab")).toBe("invalid.illegal.number.hgc");
    expect(scopeOf(tokens, "2E+4")).toBe("constant.numeric.float.hgc");
  });

  it("scopes a character the lexer rejects as invalid", async () => {
    const tokens = await tokenize("experiment a { seed = 7; @x }");
    expect(scopeOf(tokens, ";")).toBe("invalid.illegal.character.hgc");
    expect(scopeOf(tokens, "@")).toBe("invalid.illegal.character.hgc");
    expect(scopeOf(tokens, "x")).toBe("variable.other.hgc");
  });

  it("scopes an import and an unknown callee", async () => {
    const tokens = await tokenize('import "base.hgc"\nexperiment e extends base { loss l = ntxnet(p) }');
    expect(scopeOf(tokens, "import")).toBe("keyword.control.import.hgc");
    expect(scopeOf(tokens, "ntxnet")).toBe("entity.name.function.call.hgc");
    expect(scopeOf(tokens, "base", 0)).toBe("entity.other.inherited-class.hgc");
  });

  it("gives every statement call of the lexer the statement scope", async () => {
    for (const call of [...STATEMENT_CALLS.experiment, ...STATEMENT_CALLS.sweep]) expect(scopeOf(await tokenize(`${call}(data: d)`), call)).toBe("keyword.other.statement.hgc");
  });
});

describe("highlighting every example", () => {
  it("leaves no token of the examples unscoped", async () => {
    for (const { name, text } of programs()) {
      const tokens = await tokenize(text);
      const bare = tokens.filter((t) => t.text.trim() !== "" && t.scopes.length === 1);
      expect(bare.map((t) => `${name}:${t.line} \`${t.text}\``)).toEqual([]);
    }
  });
});
