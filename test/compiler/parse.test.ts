import { describe, expect, it } from "vitest";
import type { Call, DeclStmt, Expr, ExperimentItem, Program, Span, SweepItem } from "../../compiler/ast.js";
import { parse } from "../../compiler/parse.js";
import { fixture, fixtureNames } from "../grammar/helpers.js";

const contract = fixture("contract.hgc");

function ok(text: string): Program {
  const r = parse(text, "t.hgc");
  expect(r.diagnostics.map((d) => `${d.span.start.line}:${d.span.start.col} ${d.code} ${d.message}`)).toEqual([]);
  return r.value;
}

function codes(text: string): string[] {
  return parse(text, "t.hgc").diagnostics.map((d) => `${d.span.start.line}:${d.span.start.col} ${d.code}`);
}

function messages(text: string): string[] {
  return parse(text, "t.hgc").diagnostics.map((d) => d.message);
}

/** The value of the first statement of the first experiment. */
function valueOf(src: string): Expr {
  const p = ok(`experiment e { x = ${src} }`);
  const s = (p.items[0] as ExperimentItem).body[0]!;
  if (s.kind !== "Assign") throw new Error(s.kind);
  return s.value;
}

function slice(text: string, span: Span): string {
  return text.slice(span.start.offset, span.end.offset);
}

/** Every node of a tree (anything with a `kind` and a `span`). */
function nodes(value: unknown, out: { kind: string; span: Span; name?: string; raw?: string }[] = []): typeof out {
  if (Array.isArray(value)) for (const v of value) nodes(v, out);
  else if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (typeof o["kind"] === "string" && o["span"]) out.push(o as (typeof out)[number]);
    for (const [k, v] of Object.entries(o)) if (k !== "span" && k !== "keywordSpan") nodes(v, out);
  }
  return out;
}

describe("parsing the contract program", () => {
  const program = ok(contract);

  it("parses every item of language.md without a diagnostic", () => {
    expect(program.items.map((i) => `${i.kind} ${i.kind === "Import" ? i.path.value : i.name.name}`)).toEqual([
      "Experiment hybrid",
      "Experiment contrastive_only",
      "Experiment generative_only",
      "Sweep lambda_grid",
      "Sweep paper",
    ]);
  });

  it("builds the statements of the main experiment in order", () => {
    const hybrid = program.items[0] as ExperimentItem;
    const summary = hybrid.body.map((s) =>
      s.kind === "Decl" ? `${s.declKind} ${s.name.name}` : s.kind === "Assign" ? `${s.name.name} =` : s.kind,
    );
    expect(summary).toEqual([
      "seed =",
      "dataset train",
      "dataset test",
      "dataset ood",
      "tokens pixels",
      "views aug",
      "encoder enc",
      "head proj",
      "head lm",
      "loss con",
      "loss gen",
      "param lambda",
      "objective =",
      "optimizer =",
      "Train",
      "Evaluate",
    ]);
  });

  it("keeps the extends clause and the one-line bodies of the baselines", () => {
    const c = program.items[1] as ExperimentItem;
    expect(c.extends?.name).toBe("hybrid");
    expect(c.body).toHaveLength(1);
    expect(c.body[0]).toMatchObject({ kind: "Assign", name: { name: "objective" }, value: { kind: "Name", name: "con" } });
  });

  it("reads literals: sizes, ranges, floats with exponents, booleans and strings", () => {
    const hybrid = program.items[0] as ExperimentItem;
    const decl = (name: string) => hybrid.body.find((s): s is DeclStmt => s.kind === "Decl" && s.name.name === name)!;
    const arg = (call: Expr, name: string) => (call as Call).args.find((a) => a.name.name === name)!.value;
    expect(arg(decl("pixels").value, "size")).toMatchObject({ kind: "Size", height: 14, width: 14 });
    expect(arg(decl("aug").value, "crop")).toMatchObject({ kind: "Range", from: { value: 0.6, isInt: false }, to: { value: 1 } });
    expect(arg(decl("enc").value, "causal")).toMatchObject({ kind: "Bool", value: true });
    expect(arg(decl("train").value, "split")).toMatchObject({ kind: "String", value: "train", raw: '"train"' });
    const optimizer = hybrid.body.find((s) => s.kind === "Assign" && s.name.name === "optimizer")!;
    expect(optimizer.kind === "Assign" && arg(optimizer.value, "lr")).toMatchObject({ kind: "Number", value: 0.001, raw: "1e-3", isInt: false });
    const evaluate = hybrid.body.find((s) => s.kind === "Evaluate")!;
    const robustness = evaluate.kind === "Evaluate" ? evaluate.protocols[4]! : undefined;
    expect(arg(robustness!, "severities")).toMatchObject({ kind: "Range", from: { value: 1, isInt: true }, to: { value: 5, isInt: true } });
  });

  it("reads a head's positional argument and member access on keywords", () => {
    const hybrid = program.items[0] as ExperimentItem;
    const lm = hybrid.body.find((s) => s.kind === "Decl" && s.name.name === "lm") as DeclStmt;
    expect(lm.value).toMatchObject({
      kind: "Call",
      callee: { name: "linear" },
      positional: { kind: "Member", object: { kind: "Name", name: "enc" }, property: { name: "tokens" } },
      args: [{ name: { name: "out" }, value: { kind: "Member", property: { name: "vocab" } } }],
    });
  });

  it("gives the objective the usual precedence", () => {
    const hybrid = program.items[0] as ExperimentItem;
    const objective = hybrid.body.find((s) => s.kind === "Assign" && s.name.name === "objective")!;
    expect(objective.kind === "Assign" && objective.value).toMatchObject({
      kind: "Binary",
      op: "+",
      left: { kind: "Name", name: "gen" },
      right: { kind: "Binary", op: "*", left: { name: "lambda" }, right: { name: "con" } },
    });
  });

  it("reads sweep statements, the grid and directed objectives", () => {
    const sweep = program.items[3] as SweepItem;
    expect(sweep.body.map((s) => s.kind)).toEqual(["Assign", "Grid", "Assign", "Assign", "Assign"]);
    expect(sweep.body[1]).toMatchObject({ kind: "Grid", tuple: false, names: [{ name: "lambda" }], value: { kind: "List" } });
    const objectives = sweep.body[4]!;
    expect(objectives.kind === "Assign" && objectives.value).toMatchObject({
      kind: "List",
      items: [
        { kind: "Directed", direction: "maximize", target: { kind: "Member", property: { name: "accuracy" } } },
        { kind: "Directed", direction: "maximize" },
        { kind: "Directed", direction: "minimize", target: { kind: "Name", name: "bits_per_dim" } },
      ],
    });
  });

  it("keeps every comment with its text", () => {
    expect(program.comments.map((c) => c.text.slice(0, 20))).toEqual([
      "// examples/hybrid.h",
      "// image -> token se",
      "// vocab 8, length 1",
      "// how the two contr",
      "// contrastive proje",
      "// next-token logits",
      "// reported in bits/",
      "// the two baselines",
    ]);
  });
});

describe("spans", () => {
  const program = ok(contract);
  const all = nodes(program);

  it("puts a span on every node, in the file, with start before end", () => {
    expect(all.length).toBeGreaterThan(300);
    for (const n of all) {
      expect(n.span.file).toBe("t.hgc");
      expect(n.span.start.offset).toBeLessThanOrEqual(n.span.end.offset);
      expect(n.span.end.offset).toBeLessThanOrEqual(contract.length);
    }
  });

  it("spans exactly the source text of names and literals", () => {
    for (const n of all) {
      if (n.kind === "Ident") expect(slice(contract, n.span)).toBe(n.name);
      if (n.kind === "Number" || n.kind === "String" || n.kind === "Size") expect(slice(contract, n.span)).toBe(n.raw);
    }
  });

  it("gives lines and columns consistent with the offsets", () => {
    const lineStarts = [0];
    for (let i = 0; i < contract.length; i++) if (contract[i] === "\n") lineStarts.push(i + 1);
    for (const n of all) {
      for (const p of [n.span.start, n.span.end]) expect(lineStarts[p.line - 1]! + p.col - 1).toBe(p.offset);
    }
  });

  it("spans a whole statement, a call and a declaration keyword", () => {
    const hybrid = program.items[0] as ExperimentItem;
    const proj = hybrid.body.find((s) => s.kind === "Decl" && s.name.name === "proj") as DeclStmt;
    expect(slice(contract, proj.span)).toBe("head proj = mlp(enc.pooled, hidden: [96], out: 48)");
    expect(slice(contract, proj.keywordSpan)).toBe("head");
    expect(proj.span.start).toMatchObject({ line: 17, col: 3 });
    expect(slice(contract, proj.value.span)).toBe("mlp(enc.pooled, hidden: [96], out: 48)");
    const sweep = program.items[4]!;
    expect(slice(contract, sweep.span)).toBe("sweep paper {\n  experiments = [contrastive_only, generative_only, hybrid]\n  seeds = [1, 2, 3]\n}");
  });

  it("includes the parentheses in the span of an operation on a parenthesised operand", () => {
    const text = "experiment e { x = (a + b) * c }";
    const p = ok(text);
    const s = (p.items[0] as ExperimentItem).body[0]!;
    expect(slice(text, s.kind === "Assign" ? s.value.span : s.span)).toBe("(a + b) * c");
  });
});

describe("expressions and extensions", () => {
  it("reads a leading minus on a number as part of the literal", () => {
    expect(valueOf("-0.5")).toMatchObject({ kind: "Number", value: -0.5, raw: "-0.5" });
    expect(valueOf("-(0.5)")).toMatchObject({ kind: "Unary", operand: { kind: "Number", value: 0.5 } });
    expect(valueOf("a - -1")).toMatchObject({ kind: "Binary", op: "-", right: { kind: "Number", value: -1 } });
  });

  it("reads ranges with negative bounds", () => {
    expect(valueOf("-1..-0.5")).toMatchObject({ kind: "Range", from: { value: -1, raw: "-1" }, to: { value: -0.5, raw: "-0.5" } });
  });

  it("associates operators to the left and ranks `*` above `+`", () => {
    expect(valueOf("a - b - c")).toMatchObject({ op: "-", left: { op: "-", left: { name: "a" } }, right: { name: "c" } });
    expect(valueOf("a / b * c")).toMatchObject({ op: "*", left: { op: "/" } });
    expect(valueOf("-a * b")).toMatchObject({ op: "*", left: { kind: "Unary", operand: { name: "a" } } });
    expect(valueOf("(a + b) * c")).toMatchObject({ op: "*", left: { op: "+" } });
  });

  it("reads schedules as calls with a positional argument", () => {
    expect(valueOf("warmup(lambda, steps: 500) * con")).toMatchObject({
      op: "*",
      left: { kind: "Call", callee: { name: "warmup" }, positional: { name: "lambda" }, args: [{ name: { name: "steps" } }] },
    });
  });

  it("accepts trailing commas in calls and lists", () => {
    expect(valueOf("f(a: 1, b: [1, 2,],)")).toMatchObject({ kind: "Call", args: [{}, { value: { kind: "List", items: [{}, {}] } }] });
  });

  it("unescapes strings", () => {
    expect(valueOf(String.raw`"a\"b\\c\n\u0041"`)).toMatchObject({ kind: "String", value: 'a"b\\c\nA' });
  });

  it("reads the simplex grid extension with a tuple of names", () => {
    const p = ok("sweep s { grid (wg, wc) = simplex(step: 0.25) }");
    expect((p.items[0] as SweepItem).body[0]).toMatchObject({
      kind: "Grid",
      tuple: true,
      names: [{ name: "wg" }, { name: "wc" }],
      value: { kind: "Call", callee: { name: "simplex" } },
    });
  });

  it("lets keywords serve as names where the language uses them", () => {
    const p = ok("experiment e { dataset train = mnist() train(data: train) x = f(in: test, tokens: pixels, grid: 1) y = enc.tokens head = 1 }");
    const body = (p.items[0] as ExperimentItem).body;
    expect(body.map((s) => s.kind)).toEqual(["Decl", "Train", "Assign", "Assign", "Assign"]);
    expect(body[4]).toMatchObject({ kind: "Assign", name: { name: "head" } });
  });

  it("reads statements written on one line without separators", () => {
    const p = ok("experiment e { seed = 1 param a = 2 objective = a train(data: d) }");
    expect((p.items[0] as ExperimentItem).body.map((s) => s.kind)).toEqual(["Assign", "Decl", "Assign", "Train"]);
  });

  it("reads imports", () => {
    const p = ok('import "lib/base.hgc"\nexperiment e extends base {}');
    expect(p.items[0]).toMatchObject({ kind: "Import", path: { value: "lib/base.hgc" } });
  });

  it("parses every fixture without a diagnostic", () => {
    for (const name of fixtureNames()) {
      expect(parse(fixture(name), name).diagnostics, name).toEqual([]);
    }
  });
});

describe("syntax errors", () => {
  it("reports several errors in one file and keeps the statements around them", () => {
    const text = [
      "experiment a {",
      "  seed = ",
      "  head h = mlp(enc.pooled, out: 4 hidden: [1 2])",
      "  loss l = ntxent(h, views: v, 3)",
      "  objective = (gen + con",
      "  x : y",
      "  param p = 1",
      "}",
      "experiment b { seed = 1 }",
    ].join("\n");
    const r = parse(text, "t.hgc");
    expect(r.diagnostics.map((d) => `${d.span.start.line}:${d.span.start.col} ${d.code} ${d.message}`)).toEqual([
      "2:8 HGC001 expected a value after `=`, found `head` on the next line",
      "3:35 HGC001 expected `,` between arguments, found `hidden`",
      "3:46 HGC001 expected `,` between list items, found `2`",
      "4:32 HGC007 a positional argument must come before the named ones",
      "6:3 HGC001 expected `)`, found `x`",
    ]);
    const a = r.value.items[0] as ExperimentItem;
    expect(a.body.map((s) => (s.kind === "Decl" || s.kind === "Assign" ? s.name.name : s.kind))).toEqual(["h", "l", "objective", "p"]);
    expect(r.value.items[1]).toMatchObject({ kind: "Experiment", name: { name: "b" } });
  });

  it("does not read the next statement as the value of an `=` left empty", () => {
    for (const next of ["objective = gen", "loss l = ntxent(h)", "evaluate { knn() }"]) {
      const r = parse(`experiment a {\n  param lambda =\n  ${next}\n}`, "t.hgc");
      expect(r.diagnostics.map((d) => `${d.span.start.line}:${d.span.start.col} ${d.message}`), next).toEqual([
        `2:16 expected a value after \`=\`, found \`${next.split(" ")[0]}\` on the next line`,
      ]);
      expect((r.value.items[0] as ExperimentItem).body, next).toHaveLength(1);
    }
    // a value on the next line is still a value
    expect(ok("experiment a {\n  optimizer =\n    adamw(lr: 1e-3)\n  objective =\n    gen\n}").items[0]).toMatchObject({ body: [{}, {}] });
  });

  it("names what it expected and what it found", () => {
    expect(messages("experiment a { seed = }")).toEqual(["expected a value, found `}`"]);
    expect(messages("experiment a { seed = f(x: 1 }")).toEqual(["expected `)`, found `}`"]);
    expect(messages("experiment { }")).toEqual(["expected a name, found `{`"]);
    expect(messages("seed = 1")).toEqual(["expected `experiment`, `sweep` or `import`, found `seed`"]);
    expect(messages("experiment a { seed = 1")).toEqual(["expected `}`, found the end of the file"]);
  });

  it("reports a missing `=` and still reads the declaration's value", () => {
    const r = parse('experiment a {\n  dataset d mnist(split: "train")\n  seed = 1\n}', "t.hgc");
    expect(r.diagnostics.map((d) => `${d.span.start.line}:${d.span.start.col} ${d.message}`)).toEqual(["2:13 expected `=`, found `mnist`"]);
    expect((r.value.items[0] as ExperimentItem).body).toMatchObject([
      { kind: "Decl", declKind: "dataset", name: { name: "d" }, value: { kind: "Call", callee: { name: "mnist" } } },
      { kind: "Assign", name: { name: "seed" } },
    ]);
  });

  it("does not take the next line as the value of a declaration missing its `=`", () => {
    const r = parse("experiment a {\n  param p\n  seed = 1\n}", "t.hgc");
    expect(r.diagnostics.map((d) => `${d.span.start.line}:${d.span.start.col} ${d.message}`)).toEqual(["2:9 expected `=` after `param p`"]);
    expect((r.value.items[0] as ExperimentItem).body).toMatchObject([{ kind: "Assign", name: { name: "seed" } }]);
  });

  it("explains a `:` written where a statement needs `=`", () => {
    expect(messages("experiment a { seed: 1 }")).toEqual(["expected `=`, found `:`"]);
    expect(messages("experiment a { seed 1 }")).toEqual(["expected `=` after `seed`, found `1`"]);
  });

  it("ends an unclosed block at the next item and names that item in the error", () => {
    const r = parse("experiment a {\n  seed = 1\n\nexperiment b { seed = 2 }\n", "t.hgc");
    expect(r.diagnostics.map((d) => `${d.span.start.line}:${d.span.start.col} ${d.message}`)).toEqual(["2:11 expected `}`, found `experiment`"]);
    expect(r.value.items.map((i) => (i.kind === "Import" ? "" : i.name.name))).toEqual(["a", "b"]);
  });

  it("recovers from an import without its path at the next item", () => {
    const r = parse('import\nexperiment a {}\nimport "x.hgc" "y.hgc"', "t.hgc");
    expect(r.diagnostics.map((d) => `${d.span.start.line}:${d.span.start.col} ${d.message}`)).toEqual([
      "1:7 expected a string, found `experiment`",
      '3:16 expected `experiment`, `sweep` or `import`, found `"y.hgc"`',
    ]);
    expect(r.value.items.map((i) => i.kind)).toEqual(["Experiment", "Import"]);
  });

  it("reads keywords used as item names", () => {
    const p = ok("experiment experiment extends sweep {}\nsweep import {}");
    expect(p.items).toMatchObject([{ name: { name: "experiment" }, extends: { name: "sweep" } }, { kind: "Sweep", name: { name: "import" } }]);
  });

  it("points an error at the end of the file just past the last token", () => {
    const d = parse("experiment a {\n  seed = 1\n", "t.hgc").diagnostics;
    expect(d).toHaveLength(1);
    expect(d[0]!.span.start).toEqual({ offset: 25, line: 2, col: 11 });
  });

  it("skips a run of junk in a block with one error and goes on", () => {
    expect(codes("experiment a { 1 2 3 + 4 seed = 1 ) ) }")).toEqual(["1:16 HGC001", "1:35 HGC001"]);
    expect(codes("evaluate { }\nexperiment a { evaluate { knn(k: 1) 12 knn() } }")).toEqual(["1:1 HGC001", "2:37 HGC001"]);
  });

  it("reports an unterminated string and an unterminated comment (HGC002)", () => {
    expect(codes('experiment a { dataset d = mnist(split: "train)\n seed = 1 }')).toEqual(["1:41 HGC002"]);
    expect(codes("experiment a { } /* no end")).toEqual(["1:18 HGC002"]);
  });

  it("reports invalid characters, numbers and escapes (HGC003)", () => {
    expect(codes("experiment a { seed = 1 # 2\n}")).toEqual(["1:25 HGC003", "1:27 HGC001"]);
    expect(codes("experiment a { seed = 12ab }")).toEqual(["1:23 HGC003"]);
    expect(codes(String.raw`import "a\qb"`)).toEqual(["1:10 HGC003"]);
  });

  it("reports an unknown declaration kind with the nearest one (HGC005)", () => {
    const d = parse("experiment a { datset d = mnist() }", "t.hgc").diagnostics;
    expect(d).toMatchObject([{ code: "HGC005", message: "unknown declaration kind `datset`", suggestion: { message: "did you mean `dataset`?" } }]);
  });

  it("reports statements in the wrong block (HGC006)", () => {
    expect(messages("experiment a { grid x = [1] }")).toEqual(["`grid` belongs in a sweep, not in an experiment"]);
    expect(messages("sweep s { dataset d = mnist() }")).toEqual(["`dataset` declarations belong in an experiment, not in a sweep"]);
    expect(messages("sweep s { train(data: d) }")).toEqual(["`train(…)` belongs in an experiment, not in a sweep"]);
    expect(messages("sweep s { evaluate { } }")).toEqual(["`evaluate` belongs in an experiment, not in a sweep"]);
    const d = parse("experiment a { trian(data: d) }", "t.hgc").diagnostics;
    expect(d).toMatchObject([{ code: "HGC006", message: "`trian(…)` is not a statement", suggestion: { message: "did you mean `train`?" } }]);
  });

  it("reports positional arguments that are not first or not alone (HGC007)", () => {
    expect(messages("experiment a { x = f(a, b) }")).toEqual(["`f` takes at most one positional argument"]);
    expect(messages("experiment a { x = f(k: 1, b) }")).toEqual(["a positional argument must come before the named ones"]);
  });

  it("returns a partial tree with the error", () => {
    const r = parse("experiment a { seed = 1 head h = }\nsweep s { seeds = [1] }", "t.hgc");
    expect(r.diagnostics).toHaveLength(1);
    expect(r.value.items.map((i) => i.kind)).toEqual(["Experiment", "Sweep"]);
    expect((r.value.items[0] as ExperimentItem).body).toHaveLength(1);
  });
});
