import { describe, expect, it } from "vitest";
import { cursorAt } from "../../editors/context.js";

/** The context at `|` in `source`. */
function ctx(source: string) {
  const offset = source.indexOf("|");
  return cursorAt(source.replace("|", ""), offset);
}

describe("reading where the cursor is", () => {
  it("knows the top level, an experiment body, a sweep body and an evaluate block", () => {
    expect(ctx("|").context).toEqual({ kind: "statement", block: "top" });
    expect(ctx("experiment a {\n  se|\n}").context).toEqual({ kind: "statement", block: "experiment", item: "a" });
    expect(ctx("sweep s {\n  |\n}").context).toEqual({ kind: "statement", block: "sweep", item: "s" });
    expect(ctx("experiment a extends b {\n  evaluate {\n    kn|\n  }\n}").context).toEqual({ kind: "statement", block: "evaluate", item: "a" });
  });

  it("knows the word being typed and where it starts", () => {
    const c = ctx("experiment a {\n  enc|\n}");
    expect(c.prefix).toBe("enc");
    expect(c.wordStart).toBe(17);
  });

  it("knows `extends` comes after an experiment's name, then another experiment", () => {
    expect(ctx("experiment a |").context).toEqual({ kind: "afterItemName" });
    expect(ctx("experiment a extends |").context).toEqual({ kind: "extendsTarget" });
  });

  it("knows a grid names a param", () => {
    expect(ctx("sweep s {\n  grid |\n}").context).toEqual({ kind: "gridName", item: "s" });
  });

  it("knows argument names from argument values, also in lists and across lines", () => {
    expect(ctx("experiment a {\n  head h = mlp(|").context).toMatchObject({ kind: "argName", callee: "mlp", positional: true });
    expect(ctx("experiment a {\n  head h = mlp(enc.pooled,\n    hidden: [1],\n    |").context).toMatchObject({ kind: "argName", callee: "mlp", given: ["hidden"], positional: false });
    expect(ctx("experiment a {\n  evaluate {\n    ood(in: test, scores: [knn, |").context).toMatchObject({ kind: "argValue", callee: "ood", arg: "scores", inList: true, block: "evaluate" });
    expect(ctx("experiment a {\n  tokens t = quantize(size: 14x14, levels: |").context).toMatchObject({ kind: "argValue", callee: "quantize", arg: "levels" });
  });

  it("knows the right side of a declaration and of an assignment", () => {
    expect(ctx("experiment a {\n  loss l = |").context).toMatchObject({ kind: "value", declKind: "loss", statement: "l" });
    expect(ctx("experiment a {\n  objective = gen + 0.5 * |").context).toMatchObject({ kind: "value", statement: "objective" });
    expect(ctx("experiment a {\n  objective = 2 * (gen + |").context).toMatchObject({ kind: "value", statement: "objective" });
    expect(ctx("sweep s {\n  experiments = [a, |").context).toMatchObject({ kind: "value", block: "sweep", statement: "experiments", inList: true });
  });

  it("knows member access, and nothing in comments, strings or unterminated ones", () => {
    expect(ctx("experiment a {\n  head h = mlp(enc.|").context).toMatchObject({ kind: "member", object: "enc" });
    expect(ctx("// experiment |").context).toEqual({ kind: "none" });
    expect(ctx("/* a |").context).toEqual({ kind: "none" });
    expect(ctx('experiment a { dataset d = mnist(split: "te|').context).toEqual({ kind: "none" });
    expect(ctx('experiment a { dataset d = mnist(split: "test"|').context.kind).not.toBe("none");
  });

  it("knows an import's path", () => {
    expect(ctx('import "ba|').context).toEqual({ kind: "importPath", from: 8 });
  });
});
