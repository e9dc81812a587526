// Bad input of every kind gives diagnostics, never an exception, a stack overflow or a hang.
import { describe, expect, it } from "vitest";
import { MAX_DIAGNOSTICS, parse } from "../../compiler/parse.js";
import { format } from "../../compiler/format.js";
import { fixture, fixtureNames, rng } from "./helpers.js";

const contract = fixture("contract.hgc");

/** Parse and check the result is well-formed data; returns the diagnostic codes. */
function survive(text: string): string[] {
  const r = parse(text, "fuzz.hgc");
  expect(r.value.kind).toBe("Program");
  expect(r.diagnostics.length).toBeLessThanOrEqual(MAX_DIAGNOSTICS);
  for (const d of r.diagnostics) {
    expect(d.code).toMatch(/^HGC00\d$/);
    expect(d.severity).toBe("error");
    expect(d.span.start.offset).toBeGreaterThanOrEqual(0);
    expect(d.span.end.offset).toBeLessThanOrEqual(text.length);
    expect(d.span.start.offset).toBeLessThanOrEqual(d.span.end.offset);
    expect(d.message.length).toBeGreaterThan(0);
  }
  return r.diagnostics.map((d) => d.code);
}

function timed<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const v = f();
  return [v, performance.now() - t0];
}

describe("adversarial input", () => {
  it("survives random bytes", () => {
    const random = rng(1);
    for (let n = 0; n < 200; n++) {
      const len = Math.floor(random() * 400);
      let s = "";
      for (let i = 0; i < len; i++) s += String.fromCharCode(Math.floor(random() * 256));
      survive(s);
    }
  });

  it("survives random strings of the language's own punctuation and words", () => {
    const random = rng(2);
    const alphabet = ["{", "}", "(", ")", "[", "]", ",", ":", "=", "+", "-", "*", "/", ".", "..", '"', "1", "0.5", "14x14", "x", "experiment", "sweep", "import", "grid", "evaluate", "maximize", "//", "/*", "*/", "\n", " "];
    for (let n = 0; n < 300; n++) {
      const len = Math.floor(random() * 120);
      let s = "";
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(random() * alphabet.length)];
      survive(s);
    }
  });

  it("survives the contract program truncated at every 7th offset", () => {
    for (let end = 0; end < contract.length; end += 7) survive(contract.slice(0, end));
  });

  it("survives a few thousand single-token mutations of every fixture", () => {
    const random = rng(3);
    const pieces = ["", "(", ")", "{", "}", "[", "]", ",", ":", "=", "-", '"', "/*", "..", "1e", "§", "experiment", "x"];
    let count = 0;
    for (const name of fixtureNames()) {
      const text = fixture(name);
      for (let n = 0; n < 800; n++) {
        const at = Math.floor(random() * text.length);
        const cut = Math.floor(random() * 4);
        const piece = pieces[Math.floor(random() * pieces.length)]!;
        survive(text.slice(0, at) + piece + text.slice(at + cut));
        count++;
      }
    }
    expect(count).toBeGreaterThanOrEqual(2000);
  });

  it("reports 10,000 nested brackets of each kind as too deep instead of overflowing the stack", () => {
    for (const [open, close] of [["(", ")"], ["[", "]"], ["{", "}"], ["f(", ")"]]) {
      const balanced = `experiment a { x = ${open!.repeat(10_000)}1${close!.repeat(10_000)} }`;
      expect(survive(balanced), open).toContain("HGC004");
      expect(survive(`experiment a { x = ${open!.repeat(10_000)}`), open).toContain("HGC004");
    }
    // One error for the nesting, none for the hole it leaves.
    expect(survive(`experiment a { x = ${"(".repeat(10_000)}1${")".repeat(10_000)} y = 2 }`)).toEqual(["HGC004"]);
  });

  it("keeps nesting up to the limit", () => {
    expect(survive(`experiment a { x = ${"(".repeat(60)}1${")".repeat(60)} }`)).toEqual([]);
  });

  it("reports over-long operator and member chains as too deep instead of building a tree later passes cannot walk", () => {
    expect(survive(`experiment a { x = ${"-".repeat(50_000)}a }`)).toEqual(["HGC004"]);
    expect(survive(`experiment a { x = ${"a + ".repeat(20_000)}1 }`)).toEqual(["HGC004"]);
    expect(survive(`experiment a { x = a${".b".repeat(20_000)} }`)).toEqual(["HGC004"]);
    expect(survive(`experiment a { x = ${"a + ".repeat(150)}1 }`)).toEqual([]);
  });

  it("caps the diagnostics of a file full of errors and says how many were left out", () => {
    const r = parse("experiment a { x = f(1 2) }\n".repeat(500), "t.hgc");
    expect(r.diagnostics).toHaveLength(MAX_DIAGNOSTICS);
    expect(r.diagnostics[MAX_DIAGNOSTICS - 1]!.notes[0]!.message).toMatch(/^\d+ more syntax errors not shown$/);
  });

  it("parses a 10 MB file in bounded time", () => {
    const big = contract.repeat(Math.ceil(10_000_000 / contract.length));
    const [codes, ms] = timed(() => survive(big));
    expect(codes).toEqual([]);
    expect(ms).toBeLessThan(60_000);
  });

  it("survives a 10 MB unterminated string, comment and junk run", () => {
    const ten = 10_000_000;
    expect(survive(`"${"a".repeat(ten)}`)).toContain("HGC002");
    expect(survive(`/*${"a".repeat(ten)}`)).toEqual(["HGC002"]);
    const [codes, ms] = timed(() => survive("x ".repeat(ten / 2)));
    expect(codes).toEqual(["HGC001"]);
    expect(ms).toBeLessThan(60_000);
  });

  it("formats bad input back unchanged, without throwing", () => {
    const random = rng(4);
    for (let n = 0; n < 200; n++) {
      const at = Math.floor(random() * contract.length);
      const text = contract.slice(0, at) + "((" + contract.slice(at);
      const r = format(text, "t.hgc");
      if (r.diagnostics.length > 0) expect(r.value).toBe(text);
    }
  });
});
