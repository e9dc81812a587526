import { describe, expect, it } from "vitest";
import { HgcParser, hgcParser } from "../../grammar/parser.js";
import { createLexer, hgcLexer } from "../../grammar/tokens.js";
import { fixture } from "./helpers.js";

describe("grammar definitions", () => {
  it("passes chevrotain's own validation of the token definitions", () => {
    const lexer = createLexer(true);
    expect(lexer.lexerDefinitionErrors).toEqual([]);
  });

  it("passes chevrotain's own validation of the grammar (left recursion, ambiguities, …)", () => {
    expect(() => new HgcParser(true)).not.toThrow();
    // chevrotain keeps them on a field its typings do not declare
    const parser = new HgcParser(true) as HgcParser & { definitionErrors: unknown[] };
    expect(parser.definitionErrors).toEqual([]);
  });

  it("gives the same tokens and tree with the validated and the shipped instances", () => {
    const text = fixture("contract.hgc");
    const validated = createLexer(true).tokenize(text);
    const shipped = hgcLexer.tokenize(text);
    expect(shipped.tokens.map((t) => `${t.tokenType.name} ${t.image}`)).toEqual(validated.tokens.map((t) => `${t.tokenType.name} ${t.image}`));
    const checked = new HgcParser(true);
    checked.input = validated.tokens;
    const a = checked.program();
    hgcParser.input = shipped.tokens;
    const b = hgcParser.program();
    expect(checked.errors).toEqual([]);
    expect(hgcParser.errors).toEqual([]);
    const shape = (n: unknown): unknown => JSON.stringify(n, (k, v) => (k === "tokenType" || k === "location" ? undefined : v));
    expect(shape(b)).toBe(shape(a));
  });
});
