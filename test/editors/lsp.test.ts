// Drives the real binary: `node dist/cli/main.js lsp --stdio` (built by `npm run build`), speaking
// JSON-RPC with Content-Length framing as an editor does.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, LspClient, ROOT } from "./lsp-client.js";
import { generateLongProgram } from "../../scripts/long-program.mjs";

const FIXTURES = join(import.meta.dirname, "fixtures");
const HYBRID = join(FIXTURES, "hybrid.hgc");
const MAIN = join(FIXTURES, "imports", "main.hgc");
const BASE = join(FIXTURES, "imports", "base.hgc");
const uri = (p: string) => pathToFileURL(p).href;

function positionOf(text: string, marker: string): { line: number; character: number } {
  const bar = marker.indexOf("|");
  const i = text.indexOf(marker.replace("|", "")) + bar;
  const before = text.slice(0, i).split("\n");
  return { line: before.length - 1, character: before[before.length - 1]!.length };
}

describe("hgc lsp --stdio", () => {
  let client: LspClient;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error("build first: npm run build");
    client = new LspClient();
    const init = await client.initialize(uri(ROOT));
    expect(init.capabilities.hoverProvider).toBe(true);
  });

  afterAll(async () => {
    if (client) expect(await client.close()).toBe(0);
  });

  it("publishes a diagnostic with the right range when a file with an error is opened", async () => {
    const text = readFileSync(HYBRID, "utf8").replace("ntxent(proj", "ntxent(prj");
    client.notify("textDocument/didOpen", { textDocument: { uri: uri(HYBRID), languageId: "hgc", version: 1, text } });
    const n = await client.diagnosticsFor(uri(HYBRID), 1);
    const errors = n.params.diagnostics.filter((d: any) => d.severity === 1);
    expect(errors).toHaveLength(1);
    expect(errors[0].code).toBe("HGC010");
    expect(errors[0].range).toEqual({ start: { line: 19, character: 20 }, end: { line: 19, character: 23 } });

    // the quick fix turns `prj` back into `proj`
    const actions = await client.request("textDocument/codeAction", {
      textDocument: { uri: uri(HYBRID) },
      range: errors[0].range,
      context: { diagnostics: errors },
    });
    expect(actions[0].edit.changes[uri(HYBRID)][0]).toEqual({ range: errors[0].range, newText: "proj" });
  });

  it("publishes the diagnostics of the new text after a change", async () => {
    const since = client.notifications.length;
    const text = readFileSync(HYBRID, "utf8");
    client.notify("textDocument/didChange", { textDocument: { uri: uri(HYBRID), version: 2 }, contentChanges: [{ text }] });
    const n = await client.diagnosticsFor(uri(HYBRID), 2, since);
    expect(n.params.diagnostics.filter((d: any) => d.severity === 1)).toEqual([]);
  });

  it("completes argument names and members", async () => {
    const text = readFileSync(HYBRID, "utf8");
    const args = await client.request("textDocument/completion", { textDocument: { uri: uri(HYBRID) }, position: positionOf(text, "transformer(tokens: pixels, |layers") });
    expect(args.map((c: any) => c.label)).toEqual(expect.arrayContaining(["layers", "width", "heads", "causal", "pool"]));
    const members = await client.request("textDocument/completion", { textDocument: { uri: uri(HYBRID) }, position: positionOf(text, "mlp(enc.|pooled") });
    expect(members.map((c: any) => c.label)).toEqual(["tokens", "pooled"]);
  });

  it("completes in text typed since the last check, before it is re-checked", async () => {
    const text = readFileSync(HYBRID, "utf8").replace("  param lambda", "  head extra = \n  param lambda");
    client.notify("textDocument/didChange", { textDocument: { uri: uri(HYBRID), version: 3 }, contentChanges: [{ text }] });
    const items = await client.request("textDocument/completion", { textDocument: { uri: uri(HYBRID) }, position: positionOf(text, "head extra = |") });
    expect(items.map((c: any) => c.label)).toEqual(["mlp", "linear", "ema", "decoder"]);
    const since = client.notifications.length;
    const restored = readFileSync(HYBRID, "utf8");
    client.notify("textDocument/didChange", { textDocument: { uri: uri(HYBRID), version: 4 }, contentChanges: [{ text: restored }] });
    await client.diagnosticsFor(uri(HYBRID), 4, since);
  });

  it("hovers with the inferred shape and parameter count", async () => {
    const text = readFileSync(HYBRID, "utf8");
    const h = await client.request("textDocument/hover", { textDocument: { uri: uri(HYBRID) }, position: positionOf(text, "head l|m ") });
    expect(h.contents.value).toContain("shape `[batch, 196, 8]`");
    expect(h.contents.value).toContain("776 parameters");
  });

  it("goes to a definition across an import", async () => {
    const text = readFileSync(MAIN, "utf8");
    client.notify("textDocument/didOpen", { textDocument: { uri: uri(MAIN), languageId: "hgc", version: 1, text } });
    const defs = await client.request("textDocument/definition", { textDocument: { uri: uri(MAIN) }, position: positionOf(text, "objective = gen + c|on") });
    expect(defs).toEqual([{ uri: uri(BASE), range: { start: { line: 9, character: 7 }, end: { line: 9, character: 10 } } }]);
  });

  it("sees an unsaved imported file as typed, not as saved", async () => {
    const since = client.notifications.length;
    const base = readFileSync(BASE, "utf8").replace("loss con =", "loss contrast =");
    client.notify("textDocument/didOpen", { textDocument: { uri: uri(BASE), languageId: "hgc", version: 1, text: base } });
    // main.hgc is re-checked against the buffer, where `con` is now called `contrast`
    const n = await client.waitFor(
      (m) => m.method === "textDocument/publishDiagnostics" && m.params.uri === uri(MAIN) && m.params.diagnostics.length > 0,
      since,
    );
    expect(n.params.diagnostics.map((d: any) => d.message).join("\n")).toContain("unknown name `con`");
    // closing the buffer without saving: main.hgc is checked against the file on disk again
    const closed = client.notifications.length;
    client.notify("textDocument/didClose", { textDocument: { uri: uri(BASE) } });
    const again = await client.diagnosticsFor(uri(MAIN), undefined, closed);
    expect(again.params.diagnostics).toEqual([]);
  });

  it("answers a request with missing params as invalid params, not as an internal error", async () => {
    for (const [method, params] of [
      ["textDocument/hover", null],
      ["textDocument/completion", {}],
      ["textDocument/definition", { textDocument: { uri: uri(MAIN) }, position: { line: -1, character: "x" } }],
      ["textDocument/codeAction", { textDocument: { uri: uri(MAIN) } }],
    ] as const) {
      const err = await client.request(method, params).then(() => null, (e: Error & { code?: number }) => e);
      expect(err?.code, method).toBe(-32602);
      expect(err?.message, method).toMatch(/^hgc: .* needs /);
    }
    // and the server still answers
    const symbols = await client.request("textDocument/documentSymbol", { textDocument: { uri: uri(MAIN) } });
    expect(Array.isArray(symbols)).toBe(true);
  });

  it("lists document symbols and formats like hgc fmt", async () => {
    const symbols = await client.request("textDocument/documentSymbol", { textDocument: { uri: uri(MAIN) } });
    expect(symbols.map((s: any) => s.name)).toEqual(["wider"]);
    const messy = "experiment a {\nseed=7\n  }";
    const u = uri(join(FIXTURES, "unsaved-messy.hgc"));
    client.notify("textDocument/didOpen", { textDocument: { uri: u, languageId: "hgc", version: 1, text: messy } });
    const edits = await client.request("textDocument/formatting", { textDocument: { uri: u }, options: { tabSize: 2, insertSpaces: true } });
    expect(edits).toEqual([{ range: { start: { line: 0, character: 0 }, end: { line: 2, character: 3 } }, newText: "experiment a {\n  seed = 7\n}\n" }]);

    // the same text `hgc fmt` prints, on a real program with comments
    const dir = mkdtempSync(join(tmpdir(), "hgc-lsp-fmt-"));
    const file = join(dir, "hybrid.hgc");
    const squashed = readFileSync(HYBRID, "utf8").replace(/\n  /g, "\n").replace(/ = /g, "=");
    writeFileSync(file, squashed);
    const cli = spawnSync(process.execPath, [CLI, "fmt", file], { encoding: "utf8" });
    expect(cli.status).toBe(0);
    client.notify("textDocument/didOpen", { textDocument: { uri: uri(file), languageId: "hgc", version: 1, text: squashed } });
    const [edit] = await client.request("textDocument/formatting", { textDocument: { uri: uri(file) }, options: { tabSize: 2, insertSpaces: true } });
    expect(edit.newText).toBe(cli.stdout);
    client.notify("textDocument/didClose", { textDocument: { uri: uri(file) } });
    rmSync(dir, { recursive: true, force: true });
  });

  it("re-checks a 2,000-line file soon after a change", async () => {
    const text = generateLongProgram(2000);
    const long = join(FIXTURES, "generated-2000.hgc");
    client.notify("textDocument/didOpen", { textDocument: { uri: uri(long), languageId: "hgc", version: 1, text } });
    await client.diagnosticsFor(uri(long), 1);
    const times: number[] = [];
    for (let v = 2; v <= 6; v++) {
      const since = client.notifications.length;
      const edited = text.replace("limit: 1000)", `limit: ${1000 + v})`);
      const t0 = performance.now();
      client.notify("textDocument/didChange", { textDocument: { uri: uri(long), version: v }, contentChanges: [{ text: edited }] });
      const n = await client.diagnosticsFor(uri(long), v, since);
      times.push(n.at - t0);
      expect(n.params.diagnostics.filter((d: any) => d.severity === 1)).toEqual([]);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    process.stdout.write(
      `didChange → publishDiagnostics, ${text.split("\n").length}-line file, 75 ms debounce included: median ${median.toFixed(0)} ms, max ${times[times.length - 1]!.toFixed(0)} ms (${times.length} edits)\n`,
    );
    // a loose bound (the machine may be shared): the figure itself is what the line above reports
    expect(median).toBeLessThan(2500);
  });
});

describe("hgc lsp without --stdio", () => {
  it("refuses with a usage error (exit code 2)", async () => {
    const r = spawnSync(process.execPath, [CLI, "lsp"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--stdio");
  });
});
