// Times the language server as an editor sees it: `hgc lsp --stdio` as a child process, a
// generated 2,000-line file opened, then N edits, each timed from sending didChange to receiving
// the publishDiagnostics of that version. Run after `npm run build`:
//   node scripts/bench-lsp.mjs [--lines 2000] [--edits 10] [--debounce 75]
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node.js";
import { generateLongProgram } from "./long-program.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const lines = arg("lines", 2000);
const edits = arg("edits", 10);
const debounce = arg("debounce", 75);

const child = spawn(process.execPath, [join(root, "dist", "cli", "main.js"), "lsp", "--stdio", "--debounce", String(debounce)], { stdio: ["pipe", "pipe", "inherit"] });
const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
const waiting = new Map();
conn.onNotification("textDocument/publishDiagnostics", (p) => {
  const w = waiting.get(p.version);
  if (w) w(performance.now());
});
conn.listen();
const published = (version) => new Promise((resolve) => waiting.set(version, resolve));

await conn.sendRequest("initialize", { processId: process.pid, rootUri: pathToFileURL(root).href, capabilities: {} });
await conn.sendNotification("initialized", {});
const uri = pathToFileURL(join(root, "generated.hgc")).href;
const text = generateLongProgram(lines);
let t0 = performance.now();
let done = published(1);
await conn.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "hgc", version: 1, text } });
const open = (await done) - t0;

const times = [];
for (let v = 2; v < 2 + edits; v++) {
  const edited = text.replace("limit: 1000)", `limit: ${1000 + v})`);
  done = published(v);
  t0 = performance.now();
  await conn.sendNotification("textDocument/didChange", { textDocument: { uri, version: v }, contentChanges: [{ text: edited }] });
  times.push((await done) - t0);
}
times.sort((a, b) => a - b);
const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(0);
process.stdout.write(
  `${text.split("\n").length}-line file: didOpen → publishDiagnostics ${open.toFixed(0)} ms; ` +
    `didChange → publishDiagnostics (debounce ${debounce} ms included) median ${q(0.5)} ms, min ${q(0)} ms, max ${q(1)} ms over ${edits} edits\n`,
);
await conn.sendRequest("shutdown");
await conn.sendNotification("exit");
conn.dispose();
