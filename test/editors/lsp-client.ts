// A minimal LSP client for tests: starts `node dist/cli/main.js lsp --stdio` as a child process
// and speaks JSON-RPC to it with Content-Length framing, by hand, as an editor would.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..", "..");
export const CLI = join(ROOT, "dist", "cli", "main.js");

interface Message {
  jsonrpc: "2.0";
  id?: number;
  method?: string;
  params?: any;
  result?: any;
  error?: { code: number; message: string };
}

export class LspClient {
  readonly child: ChildProcessWithoutNullStreams;
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  /** Notifications received, in order, with the time they arrived. */
  readonly notifications: { method: string; params: any; at: number }[] = [];
  private waiters: { test: (m: { method: string; params: any }) => boolean; resolve: (n: { method: string; params: any; at: number }) => void }[] = [];
  stderr = "";

  constructor(args: string[] = []) {
    this.child = spawn(process.execPath, [CLI, "lsp", "--stdio", ...args], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout.on("data", (chunk: Buffer) => this.onData(chunk));
    this.child.stderr.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf("\r\n\r\n");
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString("ascii");
      const length = Number(/Content-Length: *(\d+)/i.exec(header)?.[1]);
      if (!Number.isFinite(length)) throw new Error(`bad header: ${header}`);
      if (this.buffer.length < headerEnd + 4 + length) return;
      const body = this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString("utf8");
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      this.dispatch(JSON.parse(body) as Message);
    }
  }

  private dispatch(m: Message): void {
    if (m.id !== undefined && m.method === undefined) {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error) p?.reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
      else p?.resolve(m.result);
      return;
    }
    if (m.id !== undefined && m.method) {
      // A request from the server (e.g. client/registerCapability): accept it.
      this.write({ jsonrpc: "2.0", id: m.id, result: null });
      return;
    }
    const n = { method: m.method!, params: m.params, at: performance.now() };
    this.notifications.push(n);
    const i = this.waiters.findIndex((w) => w.test(n));
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(n);
  }

  private write(m: Message): void {
    const body = Buffer.from(JSON.stringify(m), "utf8");
    this.child.stdin.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, "ascii"), body]));
  }

  request<T = any>(method: string, params: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.write({ jsonrpc: "2.0", id, method, params });
    });
  }

  notify(method: string, params: unknown): void {
    this.write({ jsonrpc: "2.0", method, params });
  }

  /** The next notification (already received or to come) that passes `test`, received after index `since`. */
  waitFor(test: (n: { method: string; params: any }) => boolean, since = 0, timeoutMs = 20_000): Promise<{ method: string; params: any; at: number }> {
    const have = this.notifications.slice(since).find(test);
    if (have) return Promise.resolve(have);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching notification within ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs);
      this.waiters.push({
        test,
        resolve: (n) => {
          clearTimeout(timer);
          resolve(n);
        },
      });
    });
  }

  diagnosticsFor(uri: string, version?: number, since = 0) {
    return this.waitFor((n) => n.method === "textDocument/publishDiagnostics" && n.params.uri === uri && (version === undefined || n.params.version === version), since);
  }

  async initialize(rootUri: string, initializationOptions: unknown = {}): Promise<any> {
    const r = await this.request("initialize", { processId: process.pid, rootUri, capabilities: {}, initializationOptions });
    this.notify("initialized", {});
    return r;
  }

  /** shutdown, exit, and the process's exit code. */
  async close(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => this.child.on("exit", (code) => resolve(code)));
    await this.request("shutdown", null);
    this.notify("exit", null);
    const timer = setTimeout(() => this.child.kill(), 5000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}
