// The registry of built-ins (language/) is the one declaration: the IR schema's argument ranges,
// the reference tables of docs/language.md and the TextMate grammar must agree with it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { builtin, BUILTINS, defaultValue, irField, type Builtin, type BuiltinArg } from "../../language/builtins.js";
import { checkSource, compileSweep } from "../../compiler/index.js";
import { withReference } from "../../language/reference.js";
import schema from "../../compiler/ir.schema.json" with { type: "json" };

type Json = Record<string, unknown>;
const defs = (schema as unknown as { definitions: Record<string, Json> }).definitions;

function deref(node: Json): Json {
  if (typeof node.$ref === "string") return deref(defs[node.$ref.replace("#/definitions/", "")]!);
  // `posInt | null`: the number branch.
  if (Array.isArray(node.oneOf)) {
    const branch = (node.oneOf as Json[]).map(deref).find((b) => b.type !== "null");
    if (branch) return branch;
  }
  return node;
}

const props = (node: Json | undefined): Record<string, Json> => ((node?.properties as Record<string, Json> | undefined) ?? {});
const experiment = props(defs.experiment);

/** Where a built-in's arguments live in the IR schema (null: not in the IR). */
function schemaOf(b: Builtin): Record<string, Json> | null {
  const byKind = (list: Json[], key: string) =>
    list.find((x) => {
      const tag = props(x)[key] as Json | undefined;
      return tag?.const === b.name || (Array.isArray(tag?.enum) && tag.enum.includes(b.name));
    });
  switch (b.category) {
    case "dataset":
      return { ...props(props(defs.dataset).args), limit: props(defs.dataset).limit! };
    case "tokenizer":
      return props(defs.tokenizer);
    case "views":
      return props(defs.views);
    case "encoder":
      return props(byKind((defs.encoder!.oneOf as Json[]).map(deref), "kind"));
    case "head":
      // A decoder's own arguments sit in its `decoder` object (issue 16).
      return b.name === "decoder" ? props(props(defs.head).decoder) : props(defs.head);
    case "loss":
      return props(byKind(defs.loss!.oneOf as Json[], "kind"));
    case "optimizer":
      return props(experiment.optimizer);
    case "schedule":
      return props(byKind(defs.scalar!.oneOf as Json[], "op"));
    case "train":
      return props(experiment.train);
    case "protocol": {
      const rule = (defs.protocol!.allOf as { if: Json; then: Json }[]).find((r) => (props(r.if).kind as Json).const === b.name);
      return props(rule?.then);
    }
    case "slurm":
      return props(props(defs.sweep).slurm);
    case "grid":
    case "search":
    case "prune":
      return null;
  }
}

function expectAgree(where: string, a: BuiltinArg, node: Json): void {
  const isInt = a.kind === "int" || a.kind === "ints";
  const base = deref(node);
  const n = a.kind === "ints" || a.kind === "interval" ? deref(base.items as Json) : base;
  expect(n.type === "integer" || (Array.isArray(n.type) && n.type.includes("integer")), `${where}: integer in the schema iff int in the registry`).toBe(isInt);
  const r = a.range ?? {};
  expect(n.exclusiveMinimum, `${where} > bound`).toBe(r.gt);
  // An int ≥ 1 and an int > 0 are the same range.
  expect(n.minimum, `${where} ≥ bound`).toBe(r.ge);
  expect(n.exclusiveMaximum, `${where} < bound`).toBe(r.lt);
  expect(n.maximum, `${where} ≤ bound`).toBe(r.le);
}

describe("the registry of built-ins", () => {
  it("agrees with the IR schema on every numeric argument's range", () => {
    let compared = 0;
    for (const b of BUILTINS) {
      const at = schemaOf(b);
      if (!at) continue;
      for (const a of b.args) {
        if (!["int", "number", "ints", "interval"].includes(a.kind)) continue;
        const field = irField(a);
        if (field === null || (b.name === "cifar" && a.name === "classes")) continue;
        const node = at[field];
        expect(node, `${b.name}.${a.name} has no field \`${field}\` in ir.schema.json (mark it \`ir: null\` if it is not in the IR)`).toBeDefined();
        expectAgree(`${b.name}.${a.name}`, a, node!);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(40);
  });

  it("is what the reference tables of docs/language.md say", () => {
    const page = readFileSync(new URL("../../docs/language.md", import.meta.url), "utf8");
    expect(page, "docs/language.md is stale: run `npm run build && node scripts/gen-docs.mjs`").toBe(withReference(page));
  });

  it("declares the slurm(…) statement's arguments, which the checker reads into the IR as declared", () => {
    const slurm = builtin("slurm")!;
    expect(slurm.category).toBe("slurm");
    const experiment = readFileSync(new URL("../editors/fixtures/hybrid.hgc", import.meta.url), "utf8");
    for (const a of slurm.args) {
      const value = a.example ?? String(a.default ?? (a.range?.ge ?? 0) + 1);
      const check = checkSource(`${experiment}\nsweep s {\n  experiments = [hybrid]\n  slurm(${a.name}: ${value})\n}\n`, "/registry/slurm.hgc");
      expect(check.diagnostics.filter((d) => d.severity === "error").map((d) => d.message), a.name).toEqual([]);
      const ir = compileSweep(check, "s").value!;
      expect(Object.keys(ir.slurm!), a.name).toEqual([irField(a)]);
    }
    // a number below an int's declared bound, and a string not of the declared form
    for (const a of slurm.args.filter((x) => x.kind === "int" || x.pattern)) {
      const bad = a.kind === "int" ? String(a.range!.ge! - 1) : '"x"';
      const check = checkSource(`${experiment}\nsweep s {\n  experiments = [hybrid]\n  slurm(${a.name}: ${bad})\n}\n`, "/registry/slurm.hgc");
      expect(check.diagnostics.filter((d) => d.severity === "error").map((d) => d.code), a.name).toEqual([a.kind === "int" ? "HGC051" : "HGC021"]);
    }
  });

  it("gives every default as a value of the argument's kind", () => {
    for (const b of BUILTINS) {
      for (const a of b.args) {
        if (a.default === undefined) continue;
        const d = a.default;
        const ok =
          a.kind === "int" ? Number.isInteger(d) : a.kind === "number" ? typeof d === "number" : a.kind === "bool" ? typeof d === "boolean" : a.kind === "choice" ? a.values!.includes(d as string) : a.kind === "choices" ? (d as string[]).every((x) => a.values!.includes(x)) : Array.isArray(d);
        expect(ok, `${b.name}.${a.name} = ${JSON.stringify(d)}`).toBe(true);
      }
    }
    expect(defaultValue("adamw", "lr")).toBe(1e-3);
    expect(defaultValue("robustness", "severities")).toEqual([1, 2, 3, 4, 5]);
  });
});
