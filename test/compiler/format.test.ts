import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { format } from "../../compiler/format.js";
import { parse } from "../../compiler/parse.js";
import { fixture, fixtureNames, FIXTURES, rng, withoutSpans } from "../grammar/helpers.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Every .hgc file the tests use: the front end's fixtures, the examples and the compiler's cases. */
function allInputs(): { name: string; text: string }[] {
  const inputs = fixtureNames().map((name) => ({ name, text: fixture(name) }));
  const examples = join(ROOT, "examples");
  if (existsSync(examples)) {
    for (const f of readdirSync(examples).filter((f) => f.endsWith(".hgc"))) inputs.push({ name: `examples/${f}`, text: readFileSync(join(examples, f), "utf8") });
  }
  const cases = join(ROOT, "test/compiler/cases");
  if (existsSync(cases)) {
    for (const c of readdirSync(cases)) {
      const input = join(cases, c, "input.hgc");
      if (existsSync(input)) inputs.push({ name: `cases/${c}`, text: readFileSync(input, "utf8") });
    }
  }
  return inputs;
}

function fmt(text: string): string {
  const r = format(text, "t.hgc");
  expect(r.diagnostics).toEqual([]);
  return r.value;
}

function commentTexts(text: string): string[] {
  return parse(text, "t.hgc").value.comments.map((c) => c.text);
}

describe("formatter", () => {
  it("lays out the fixtures as their expected canonical forms", () => {
    for (const name of fixtureNames()) {
      expect(fmt(fixture(name)), name).toBe(readFileSync(join(FIXTURES, "formatted", name), "utf8"));
    }
  });

  it("is idempotent on every test input", () => {
    const inputs = allInputs();
    expect(inputs.length).toBeGreaterThanOrEqual(3);
    for (const { name, text } of inputs) {
      const once = format(text, name).value;
      expect(format(once, name).value, name).toBe(once);
    }
  });

  it("keeps the meaning: the formatted file parses to the same tree", () => {
    for (const { name, text } of allInputs()) {
      const before = parse(text, name);
      if (before.diagnostics.length > 0) continue;
      const after = parse(format(text, name).value, name);
      expect(after.diagnostics, name).toEqual([]);
      expect(withoutSpans(after.value), name).toEqual(withoutSpans(before.value));
    }
  });

  it("keeps every comment, in order", () => {
    for (const { name, text } of allInputs()) {
      const out = format(text, name).value;
      expect(commentTexts(out), name).toEqual(commentTexts(text));
    }
  });

  it("stays idempotent and meaning-preserving on a thousand valid mutations of the fixtures", () => {
    const random = rng(5);
    const swaps = ["\n", " ", "  ", "\n\n\n", "// note\n", "/* c */", "(", ")"];
    let valid = 0;
    for (const name of fixtureNames()) {
      const text = fixture(name);
      for (let n = 0; n < 400; n++) {
        const at = Math.floor(random() * text.length);
        const mutated = text.slice(0, at) + swaps[Math.floor(random() * swaps.length)] + text.slice(at);
        const before = parse(mutated, name);
        if (before.diagnostics.length > 0) continue;
        valid++;
        const once = format(mutated, name).value;
        expect(format(once, name).value, `${name} @${at}`).toBe(once);
        expect(withoutSpans(parse(once, name).value), `${name} @${at}`).toEqual(withoutSpans(before.value));
        expect(commentTexts(once), `${name} @${at}`).toEqual(commentTexts(mutated));
      }
    }
    expect(valid).toBeGreaterThan(300);
  });

  it("indents by two spaces, one statement per line, with canonical spacing", () => {
    expect(fmt("experiment a{seed=1 param  l=0.5\nobjective=gen+l*con optimizer=adam(lr:1e-3,warmup:10)}")).toBe(
      ["experiment a {", "  seed = 1", "  param l = 0.5", "  objective = gen + l * con", "  optimizer = adam(lr: 1e-3, warmup: 10)", "}", ""].join("\n"),
    );
  });

  it("keeps at most one blank line between statements and none at the edges of a block", () => {
    expect(fmt("experiment a {\n\n\n  seed = 1\n\n\n\n  param l = 1\n  param m = 2\n\n}\n")).toBe(
      "experiment a {\n  seed = 1\n\n  param l = 1\n  param m = 2\n}\n",
    );
  });

  it("puts exactly one blank line between items, but leaves adjacent one-line items together", () => {
    expect(fmt('import "a.hgc"\nexperiment b {\n  seed = 1\n}\n\n\n\nsweep s {\n  seeds = [1]\n}')).toBe(
      'import "a.hgc"\n\nexperiment b {\n  seed = 1\n}\n\nsweep s {\n  seeds = [1]\n}\n',
    );
    expect(fmt("experiment c extends b { objective = con }\nexperiment g extends b { objective = gen }\n")).toBe(
      "experiment c extends b { objective = con }\nexperiment g extends b { objective = gen }\n",
    );
  });

  it("keeps a one-line item on one line only when it has a single statement", () => {
    expect(fmt("experiment c extends b {objective=con}")).toBe("experiment c extends b { objective = con }\n");
    expect(fmt("experiment c extends b {\n  objective = con\n}")).toBe("experiment c extends b {\n  objective = con\n}\n");
    expect(fmt("experiment c { seed = 1 objective = con }")).toBe("experiment c {\n  seed = 1\n  objective = con\n}\n");
    expect(fmt("experiment c {   }")).toBe("experiment c {}\n");
  });

  it("writes parentheses only where precedence needs them", () => {
    const objective = (src: string) => fmt(`experiment e { objective = ${src} }`).replace(/^experiment e \{ objective = (.*) \}\n$/, "$1");
    expect(objective("((gen)) + (l * con)")).toBe("gen + l * con");
    expect(objective("(gen + con) * l")).toBe("(gen + con) * l");
    expect(objective("gen - (con - x)")).toBe("gen - (con - x)");
    expect(objective("(gen - con) - x")).toBe("gen - con - x");
    expect(objective("a / (b * c)")).toBe("a / (b * c)");
    expect(objective("-(a + b) * -c")).toBe("-(a + b) * -c");
    expect(objective("- 0.5 * gen")).toBe("-0.5 * gen");
    expect(objective("-(1..5)")).toBe("-(1..5)");
  });

  it("keeps numbers, strings and sizes as written", () => {
    expect(fmt('experiment e { x = f(a: 1e-3, b: 0.50, c: 1E2, d: "t\\"x", e: 14x14, f: 0.6..1.0, g: 007) }')).toBe(
      'experiment e { x = f(a: 1e-3, b: 0.50, c: 1E2, d: "t\\"x", e: 14x14, f: 0.6..1.0, g: 007) }\n',
    );
  });

  it("drops trailing commas and joins arguments written over several lines", () => {
    expect(fmt("experiment e {\n  views v = augment(\n    crop: 0.2..1.0,\n    flip: 0.5,\n  )\n}")).toBe("experiment e {\n  views v = augment(crop: 0.2..1.0, flip: 0.5)\n}\n");
  });

  it("keeps trailing comments trailing and own-line comments on their own line", () => {
    expect(fmt("experiment e {   // header\n  // lead\n  seed = 1      // seed\n}   // end\n")).toBe(
      "experiment e {  // header\n  // lead\n  seed = 1  // seed\n}  // end\n",
    );
  });

  it("lays a call with a comment inside one argument per line, the comment beside its argument", () => {
    expect(fmt("experiment e {\n  dataset d = mnist(split: \"train\", // the split\n    limit: 10)\n}")).toBe(
      'experiment e {\n  dataset d = mnist(\n    split: "train",  // the split\n    limit: 10,\n  )\n}\n',
    );
  });

  it("moves a comment from inside an expression to the end of its statement", () => {
    expect(fmt("experiment e {\n  objective = gen /* g */ + con\n}")).toBe("experiment e {\n  objective = gen + con  /* g */\n}\n");
  });

  it("keeps a multi-line block comment verbatim", () => {
    const text = "/* one\n     two\n*/\nexperiment e {}\n";
    expect(fmt(text)).toBe("/* one\n     two\n*/\nexperiment e {}\n");
  });

  it("writes LF line ends whatever the input used", () => {
    expect(fmt("experiment e {\r\n  seed = 1 // s\r\n}\r\n")).toBe("experiment e {\n  seed = 1  // s\n}\n");
  });

  it("formats an empty file as empty and a comment-only file as its comments", () => {
    expect(fmt("")).toBe("");
    expect(fmt("\n\n  ")).toBe("");
    expect(fmt("  // only\n\n\n/* this */")).toBe("// only\n\n/* this */\n");
  });

  it("returns a file with syntax errors unchanged, with the diagnostics", () => {
    const text = "experiment e {\n  seed = (1\n}\n";
    const r = format(text, "t.hgc");
    expect(r.value).toBe(text);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["HGC001"]);
  });
});

describe("formatter speed", () => {
  it("formats a 5,000-line file in well under a second of work", () => {
    const text = fixture("contract.hgc").repeat(80);
    const t0 = performance.now();
    const out = format(text, "t.hgc").value;
    expect(out.split("\n").length).toBeGreaterThan(4000);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });
});

describe("formatter line ends", () => {
  it("treats a lone CR as a line end, keeping its blank lines", () => {
    expect(fmt("experiment a {\r  seed = 1\r\r\r  x = 2 // c\r}\r")).toBe("experiment a {\n  seed = 1\n\n  x = 2  // c\n}\n");
  });

  it("formats a long file written on one line in linear time", () => {
    const text = "experiment a { " + "x = 1 ".repeat(20_000) + "}";
    const t0 = performance.now();
    expect(fmt(text).split("\n")).toHaveLength(20_003);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});
