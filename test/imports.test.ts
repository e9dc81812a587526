// The shape of the code base, read from its import statements: no module imports itself through
// others (a cycle), and the layers depend one way (common, language ← grammar ← compiler ← runtime ← cli),
// as the design says: the runtime never imports the parser, the UI never imports tfjs.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
const SOURCE_DIRS = ["common", "language", "grammar", "compiler", "runtime", "cli", "editors", "bench"];

/** Every import of a module: another module of ours (path from the root, `.ts`/`.tsx`) or a package. */
interface Imports {
  modules: string[];
  packages: string[];
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir))) {
    const rel = join(dir, entry);
    if (entry === "node_modules") continue;
    if (statSync(join(ROOT, rel)).isDirectory()) out.push(...sourceFiles(rel));
    else if (/\.tsx?$/.test(entry) && !entry.endsWith(".d.ts")) out.push(rel);
  }
  return out;
}

/** Static imports, re-exports and dynamic `import("…")` alike: each one loads the module. */
function importGraph(): Map<string, Imports> {
  const files = SOURCE_DIRS.flatMap(sourceFiles);
  const known = new Set(files);
  const graph = new Map<string, Imports>();
  for (const file of files) {
    const imports: Imports = { modules: [], packages: [] };
    for (const { fileName } of ts.preProcessFile(readFileSync(join(ROOT, file), "utf8"), true, true).importedFiles) {
      if (!fileName.startsWith(".")) {
        imports.packages.push(fileName);
        continue;
      }
      const base = relative(ROOT, resolve(ROOT, dirname(file), fileName)).replace(/\.js$/, "");
      const target = [`${base}.ts`, `${base}.tsx`, join(base, "index.ts")].find((c) => known.has(c));
      // JSON (the IR schema) and the native addon's files are data, not modules of ours.
      if (target) imports.modules.push(target);
      else if (!/\.(json|node|cjs|mjs)$/.test(fileName)) throw new Error(`${file}: cannot resolve import "${fileName}"`);
    }
    graph.set(file, imports);
  }
  return graph;
}

/** The cycles, one per strongly connected component (Tarjan), each as a path that closes on itself. */
function cycles(graph: Map<string, Imports>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)!.modules) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component = new Set<string>();
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.add(w);
    } while (w !== v);
    if (component.size > 1 || graph.get(v)!.modules.includes(v)) found.push(pathWithin(graph, component, v));
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

/** A shortest path from `start` back to itself inside one component, to name the cycle readably. */
function pathWithin(graph: Map<string, Imports>, component: Set<string>, start: string): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of graph.get(v)!.modules) {
      if (!component.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = previous.get(u)!) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/** Every module `from` loads, directly or through others. */
function closure(graph: Map<string, Imports>, from: string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...from];
  while (todo.length) {
    const v = todo.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    todo.push(...graph.get(v)!.modules);
  }
  return seen;
}

const graph = importGraph();
const under = (dir: string) => [...graph.keys()].filter((f) => f.startsWith(`${dir}/`));
/** `from → to` for every import of a module under `from` that lands under one of `dirs`. */
const edgesInto = (from: string, dirs: string[]) =>
  under(from).flatMap((f) => graph.get(f)!.modules.filter((m) => dirs.some((d) => m.startsWith(`${d}/`))).map((m) => `${f} → ${m}`));

describe("imports", () => {
  it("sees the whole tree", () => {
    expect(graph.has("compiler/index.ts") && graph.has("runtime/run.ts") && graph.has("cli/main.ts")).toBe(true);
    expect(graph.get("cli/main.ts")!.modules).toContain("common/errors.ts");
  });

  it("form no cycle among the project's modules", () => {
    expect(cycles(graph).map((c) => c.join(" → "))).toEqual([]);
  });

  it("leave common/ a leaf: it imports nothing, so every layer can use it", () => {
    expect(under("common").flatMap((f) => [...graph.get(f)!.modules, ...graph.get(f)!.packages].map((m) => `${f} → ${m}`))).toEqual([]);
  });

  it("keep the parser out of the runtime: runtime/ reaches nothing of grammar/ nor the compiler's passes", () => {
    // The runtime reads the IR (its types, the scalar evaluator, the metric names, its hash and
    // how two differ), never the text.
    const allowed = new Set(["compiler/ir.ts", "compiler/scalar.ts", "compiler/metrics.ts", "compiler/hash.ts", "compiler/diff.ts"]);
    const reached = [...closure(graph, under("runtime"))].filter((m) => m.startsWith("grammar/") || (m.startsWith("compiler/") && !allowed.has(m)));
    expect(reached).toEqual([]);
  });

  it("leave language/ (the registry of built-ins) importing nothing but itself", () => {
    const out = under("language").flatMap((f) => [...graph.get(f)!.modules.filter((m) => !m.startsWith("language/")), ...graph.get(f)!.packages].map((m) => `${f} → ${m}`));
    expect(out).toEqual([]);
  });

  it("keep the lower layers from importing the higher ones", () => {
    expect(edgesInto("grammar", ["compiler", "runtime", "cli", "editors"])).toEqual([]);
    expect(edgesInto("compiler", ["runtime", "cli", "editors"])).toEqual([]);
    expect(edgesInto("runtime", ["cli", "editors"])).toEqual([]);
    expect(edgesInto("editors", ["runtime", "cli"])).toEqual([]);
  });

  it("keep tfjs out of the terminal UI", () => {
    const tfjs = [...closure(graph, under("cli/ui"))].filter((m) => graph.get(m)!.packages.some((p) => p.startsWith("@tensorflow/")));
    expect(tfjs).toEqual([]);
  });
});
