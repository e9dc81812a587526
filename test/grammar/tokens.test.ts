import { describe, expect, it } from "vitest";
import type { IToken } from "chevrotain";
import { hgcLexer, KEYWORD_TOKENS } from "../../grammar/tokens.js";
import { ASSIGN_NAMES, BUILTINS, DECL_KINDS, KEYWORD_GROUPS, KEYWORD_INFO, KEYWORDS, MEMBERS, builtin, builtinsOf } from "../../language/index.js";

function lex(text: string): { types: string[]; images: string[]; comments: string[]; errors: number } {
  const r = hgcLexer.tokenize(text);
  return {
    types: r.tokens.map((t: IToken) => t.tokenType.name),
    images: r.tokens.map((t: IToken) => t.image),
    comments: (r.groups["comments"] ?? []).map((t: IToken) => t.image),
    errors: r.errors.length,
  };
}

describe("lexer", () => {
  it("lexes an integer range as two integers around `..`, not as floats", () => {
    expect(lex("1..5").types).toEqual(["IntLit", "DotDot", "IntLit"]);
    expect(lex("0.6..1.0").types).toEqual(["FloatLit", "DotDot", "FloatLit"]);
  });

  it("lexes floats with fractions and exponents", () => {
    for (const f of ["0.05", "1e-3", "1E+4", "2.5e3", "10e0"]) expect(lex(f).types).toEqual(["FloatLit"]);
    expect(lex("64").types).toEqual(["IntLit"]);
  });

  it("lexes sizes as one token", () => {
    expect(lex("14x14 28x7").types).toEqual(["SizeLit", "SizeLit"]);
  });

  it("marks a number run into letters as a bad number", () => {
    expect(lex("12ab 1e").types).toEqual(["BadNumber", "BadNumber"]);
  });

  it("lexes strings with escapes, and an unterminated string up to the end of its line", () => {
    expect(lex(String.raw`"a \"b\" \\ c"`).types).toEqual(["StringLit"]);
    const r = lex('"open\nx');
    expect(r.types).toEqual(["UnterminatedString", "Identifier"]);
  });

  it("keeps line and block comments in their own group", () => {
    const r = lex("a // one\n/* two\n lines */ b /* open");
    expect(r.images).toEqual(["a", "b"]);
    expect(r.comments).toEqual(["// one", "/* two\n lines */", "/* open"]);
  });

  it("lexes keywords as keywords, and longer words that start with one as names", () => {
    expect(lex("tokens").types).toEqual(["Tokens"]);
    expect(lex("experiments seeds objectives tokenizer headless").types).toEqual(Array(5).fill("Identifier"));
  });

  it("reports characters outside the language as lexer errors", () => {
    expect(lex("a # b").errors).toBe(1);
    expect(lex("a § b").errors).toBe(1);
  });

  it("tracks lines and columns across comments and CRLF line ends", () => {
    const r = hgcLexer.tokenize("/* a\r\n b */\r\n  x");
    expect(r.tokens[0]).toMatchObject({ image: "x", startLine: 3, startColumn: 3 });
  });
});

describe("keywords and built-ins as data", () => {
  it("exports every keyword once, each with a token and a role", () => {
    expect(new Set(KEYWORDS).size).toBe(KEYWORDS.length);
    for (const k of KEYWORDS) expect(KEYWORD_TOKENS[k], k).toBeDefined();
    expect(Object.keys(KEYWORD_TOKENS).sort()).toEqual([...KEYWORDS].sort());
    const grouped = Object.values(KEYWORD_GROUPS).flat().sort();
    expect(grouped).toEqual([...KEYWORDS].sort());
    for (const k of KEYWORD_INFO) expect(k.doc.length).toBeGreaterThan(10);
  });

  it("includes the words the contract uses as keywords", () => {
    for (const w of ["import", "experiment", "extends", "sweep", "dataset", "tokens", "views", "encoder", "head", "loss", "param", "evaluate", "grid", "maximize", "minimize", "true", "false"]) {
      expect(KEYWORDS).toContain(w);
    }
    expect(DECL_KINDS).toEqual(["dataset", "tokens", "views", "encoder", "head", "loss", "param"]);
    expect(ASSIGN_NAMES.experiment.map((a) => a.name)).toEqual(["seed", "objective", "optimizer"]);
    expect(ASSIGN_NAMES.sweep.map((a) => a.name)).toEqual(["experiments", "seeds", "jobs", "objectives", "prune"]);
    expect(MEMBERS.encoder.map((m) => m.name)).toEqual(["tokens", "pooled"]);
  });

  it("has one entry per built-in, with unique, documented arguments", () => {
    const names = BUILTINS.map((b) => b.name);
    expect(new Set(names).size).toBe(names.length);
    for (const b of BUILTINS) {
      expect(b.doc.length, b.name).toBeGreaterThan(5);
      const args = b.args.map((a) => a.name);
      expect(new Set(args).size, `${b.name} args`).toBe(args.length);
      for (const a of b.args) {
        expect(a.type.length, `${b.name}.${a.name}`).toBeGreaterThan(0);
        expect(a.doc.length, `${b.name}.${a.name}`).toBeGreaterThan(3);
        expect(a.required && a.default !== undefined, `${b.name}.${a.name} is required and defaulted`).toBeFalsy();
      }
      expect(builtin(b.name)).toBe(b);
    }
  });

  it("lists the built-ins of language.md and language-v2.md in their categories", () => {
    const of = (c: Parameters<typeof builtinsOf>[0]) => builtinsOf(c).map((b) => b.name);
    expect(of("dataset")).toEqual(["mnist", "fashion_mnist", "synthetic", "idx", "cifar", "folder"]);
    expect(of("tokenizer")).toEqual(["quantize", "patches"]);
    expect(of("views")).toEqual(["augment"]);
    expect(of("encoder")).toEqual(["transformer", "resnet"]);
    expect(of("head")).toEqual(["mlp", "linear", "ema", "decoder"]);
    expect(of("loss")).toEqual(["ntxent", "supcon", "moco", "byol", "simsiam", "barlow_twins", "vicreg", "autoregressive", "masked", "reconstruct"]);
    expect(of("optimizer")).toEqual(["adam", "adamw", "sgd"]);
    expect(of("schedule")).toEqual(["warmup", "ramp", "cosine"]);
    expect(of("protocol")).toEqual(["linear_probe", "knn", "bits_per_dim", "ood", "robustness", "samples"]);
    expect(of("grid")).toEqual(["simplex"]);
  });

  it("names every argument the contract program passes", () => {
    const used: Record<string, string[]> = {
      fashion_mnist: ["split", "limit"],
      mnist: ["split", "limit"],
      quantize: ["size", "levels"],
      augment: ["crop", "noise", "jitter", "erase"],
      transformer: ["tokens", "layers", "width", "heads", "mlp", "causal", "pool"],
      mlp: ["hidden", "out"],
      linear: ["out"],
      ntxent: ["views", "temperature"],
      autoregressive: ["target"],
      adamw: ["lr", "weight_decay", "warmup", "schedule", "clip"],
      train: ["data", "steps", "batch", "eval_every", "checkpoint_every"],
      linear_probe: ["features", "train", "test", "epochs"],
      knn: ["features", "k", "train", "test"],
      bits_per_dim: ["data"],
      ood: ["in", "out", "scores"],
      robustness: ["data", "corruptions", "severities"],
      samples: ["count"],
    };
    for (const [name, args] of Object.entries(used)) {
      const b = builtin(name);
      expect(b, name).toBeDefined();
      for (const a of args) expect(b!.args.map((x) => x.name), `${name}(${a}:)`).toContain(a);
    }
    for (const name of ["mlp", "linear", "ntxent", "autoregressive", "warmup"]) expect(builtin(name)!.positional, name).toBeDefined();
  });
});
