// `hgc check` speed: the examples, a generated 5,000-line file, and 100,000 mutated examples
// through check → compile → fmt → check (bench/fuzz.ts; the suite runs a few thousand with assertions).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkSource } from "../compiler/index.js";
import { HANG_MS, runPipeline } from "./fuzz.js";

// bench/check.ts runs from dist/bench/ (npm run bench) and from source (the fuzz test imports it).
const EXAMPLES = [new URL("../../examples/", import.meta.url), new URL("../examples/", import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((p) => existsSync(join(p, "hybrid.hgc")))!;

/** A small seeded generator (mulberry32): the same seed gives the same mutations everywhere. */
export class FuzzRng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

const PIECES = [
  "(", ")", "{", "}", "[", "]", ",", ":", "=", ".", "..", "+", "-", "*", "/", "\"", "//", "/*", "*/", "\n", " ",
  "experiment", "extends", "sweep", "import", "dataset", "tokens", "views", "encoder", "head", "loss", "param",
  "objective", "train", "evaluate", "grid", "maximize", "simplex(step: 0.3)", "enc.pooled", "enc.tokens", "pixels.vocab",
  "0", "1", "-1", "1e-3", "0.5", "14x14", "0..1", "99999999999", "true", "\u00e9", "\u0000", "\uFFFF", "import \"x.hgc\"",
];

/** One random edit of `text`: delete, insert, swap, duplicate a span, insert a token, or truncate. */
export function mutate(text: string, rng: FuzzRng): string {
  const n = text.length;
  const at = rng.int(n + 1);
  switch (rng.int(8)) {
    case 0: {
      const len = 1 + rng.int(12);
      return text.slice(0, at) + text.slice(at + len);
    }
    case 1:
      return text.slice(0, at) + String.fromCharCode(32 + rng.int(95)) + text.slice(at);
    case 2: {
      const b = rng.int(n + 1);
      const [i, j] = at < b ? [at, b] : [b, at];
      if (j >= n || i === j) return text;
      return text.slice(0, i) + text[j] + text.slice(i + 1, j) + text[i] + text.slice(j + 1);
    }
    case 3: {
      const len = 1 + rng.int(40);
      return text.slice(0, at) + text.slice(at, at + len) + text.slice(at);
    }
    case 4:
      return text.slice(0, at) + rng.pick(PIECES) + text.slice(at);
    case 5: {
      // Replace a word with another word of the text (names and keywords in the wrong place).
      const words = text.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? ["x"];
      const w = rng.pick(words);
      const i = text.indexOf(w, at);
      return i < 0 ? text : text.slice(0, i) + rng.pick(words) + text.slice(i + w.length);
    }
    case 7: {
      // Replace a number with an extreme one: the checker must bound what the IR schema bounds.
      const nums = [...text.matchAll(/\b\d+(?:\.\d+)?(?:e-?\d+)?\b/g)];
      if (nums.length === 0) return text;
      const m = rng.pick(nums);
      return text.slice(0, m.index) + rng.pick(EXTREMES) + text.slice(m.index! + m[0].length);
    }
    default:
      return text.slice(0, at);
  }
}

const EXTREMES = ["1e999", "1e308", "99999999999999999999", "100000", "0", "0.0", "1e-320", "3", "65536", "2.5", "1e15"];

/** `count` inputs, each the result of 1–4 mutations of one of `sources`. */
export function* fuzzInputs(sources: readonly string[], count: number, seed: number): Generator<string> {
  const rng = new FuzzRng(seed);
  for (let i = 0; i < count; i++) {
    let t = rng.pick(sources);
    const edits = 1 + rng.int(4);
    for (let e = 0; e < edits; e++) t = mutate(t, rng);
    yield t;
  }
}

export function exampleSources(): { file: string; text: string }[] {
  return readdirSync(EXAMPLES)
    .filter((f) => f.endsWith(".hgc"))
    .sort()
    .map((f) => ({ file: join(EXAMPLES, f), text: readFileSync(join(EXAMPLES, f), "utf8") }));
}

/** A valid program of about `lines` lines: many experiments extending a base, and a sweep over them. */
export function generatedProgram(lines: number): string {
  const base = readFileSync(join(EXAMPLES, "hybrid.hgc"), "utf8").split("\n");
  const out = [...base.slice(0, base.findIndex((l) => l.startsWith("// the two baselines")))];
  const names: string[] = [];
  for (let i = 0; out.length < lines; i++) {
    const name = `variant_${i}`;
    names.push(name);
    out.push(
      `experiment ${name} extends hybrid {`,
      `  seed = ${i}`,
      `  param lambda = ${((i % 9) + 1) / 10}`,
      `  encoder enc = transformer(tokens: pixels, layers: ${1 + (i % 4)}, width: ${32 * (1 + (i % 3))}, heads: 4, mlp: 4, causal: true, pool: mean)`,
      `  head proj = mlp(enc.pooled, hidden: [${32 * (1 + (i % 3))}], out: 48)`,
      `  loss con = ntxent(proj, views: aug, temperature: ${0.1 + (i % 5) / 10})`,
      `  optimizer = adamw(lr: 1e-3, weight_decay: 0.05, warmup: 100, schedule: cosine, clip: 1.0)`,
      `  // variant ${i}: a different depth and width`,
      "}",
      "",
    );
  }
  out.push("sweep everything {", `  experiments = [${names.slice(0, 50).join(", ")}]`, "  seeds = [1, 2]", "}", "");
  return out.join("\n");
}

/** Wall-clock and CPU time of `f` (CPU time is steadier on a machine shared with other work). */
function time<T>(f: () => T): { ms: number; cpuMs: number; value: T } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = f();
  const c = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, value };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function benchCheck(): Promise<string[]> {
  const lines: string[] = [];
  const examples = exampleSources();
  // Warm up the lexer, parser and schema once, as a long-lived process (the language server) would be.
  for (const e of examples) checkSource(e.text, e.file);

  lines.push(`(machine load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores; wall-clock and CPU medians)`);
  for (const e of examples) {
    const runs = Array.from({ length: 9 }, () => time(() => checkSource(e.text, e.file)));
    const r = runs[0]!.value;
    const lineCount = e.text.split("\n").length;
    lines.push(
      `check ${e.file.slice(EXAMPLES.length - "examples/".length)} (${lineCount} lines): ${median(runs.map((x) => x.ms)).toFixed(1)} ms wall, ${median(runs.map((x) => x.cpuMs)).toFixed(1)} ms CPU (target < 50 ms), ${r.diagnostics.filter((d) => d.severity !== "info").length} diagnostics`,
    );
  }

  const big = generatedProgram(5000);
  const bigLines = big.split("\n").length;
  const bigRuns = Array.from({ length: 5 }, () => time(() => checkSource(big, join(EXAMPLES, "generated-5000.hgc"))));
  const errs = bigRuns[0]!.value.diagnostics.filter((d) => d.severity === "error").length;
  lines.push(
    `check generated file (${bigLines} lines, ${bigRuns[0]!.value.experiments.size} experiments): ${median(bigRuns.map((r) => r.ms)).toFixed(0)} ms wall, ${median(bigRuns.map((r) => r.cpuMs)).toFixed(0)} ms CPU (target < 500 ms), ${errs} errors`,
  );

  // Every stage on 100,000 mutated examples; the counts are what happened, never assumed.
  const count = Number(process.env.HGC_FUZZ_COUNT ?? 100000);
  let slowest = 0;
  let crashes = 0;
  let hangs = 0;
  let compiled = 0;
  let fmtChanged = 0;
  let firstCrash: string | undefined;
  const t0 = performance.now();
  for (const input of fuzzInputs(examples.map((e) => e.text), count, 20261129)) {
    const o = runPipeline(input, join(EXAMPLES, "fuzz.hgc"));
    slowest = Math.max(slowest, o.ms);
    if (o.crash) {
      crashes++;
      firstCrash ??= o.crash.split("\n")[0];
    }
    if (o.ms > HANG_MS) hangs++;
    compiled += o.compiled;
    if (o.fmtChanged) fmtChanged++;
  }
  const total = performance.now() - t0;
  lines.push(
    `fuzz: ${count} mutated examples through check → compile → fmt → check in ${(total / 1000).toFixed(1)} s (${Math.round(count / (total / 1000))} inputs/s), slowest ${slowest.toFixed(0)} ms: ${crashes} crashes, ${hangs} hangs (> ${HANG_MS / 1000} s), ${fmtChanged} changed by fmt, ${compiled} experiments and sweeps compiled to schema-valid IR`,
  );
  if (firstCrash) lines.push(`first crash: ${firstCrash}`);
  return lines;
}
