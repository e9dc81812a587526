// `hgc lsp --stdio`: the language server (editors/lsp.ts) over stdin/stdout, for editors.
import { createConnection, StreamMessageReader, StreamMessageWriter } from "vscode-languageserver/node.js";
import { DEFAULT_DEBOUNCE_MS, startServer } from "../editors/lsp.js";

const USAGE = `usage: hgc lsp --stdio [--debounce MS]

Start the hgc language server, speaking JSON-RPC (LSP) on stdin and stdout.

options:
  --stdio          use stdin/stdout (the only transport)
  --debounce MS    pause after an edit before re-checking (default ${DEFAULT_DEBOUNCE_MS})
`;

export async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(USAGE);
    return 0;
  }
  let stdio = false;
  let debounceMs: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--stdio") stdio = true;
    else if (a === "--debounce") {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) {
        process.stderr.write(`hgc lsp: error: --debounce takes a number of milliseconds ≥ 0\n`);
        return 2;
      }
      debounceMs = v;
    } else if (a.startsWith("--clientProcessId")) {
      // Sent by some clients; the server ends when its stdin closes anyway.
      if (!a.includes("=")) i++;
    } else {
      process.stderr.write(`hgc lsp: error: unknown option \`${a}\`\n${USAGE}`);
      return 2;
    }
  }
  if (!stdio) {
    process.stderr.write(`hgc lsp: error: give --stdio (the only transport)\n  hint: editors start it as \`hgc lsp --stdio\`\n`);
    return 2;
  }
  const connection = createConnection(new StreamMessageReader(process.stdin), new StreamMessageWriter(process.stdout));
  startServer(connection, debounceMs === undefined ? {} : { debounceMs });
  // stdout carries the protocol: anything else written there would corrupt it.
  console.log = (...args: unknown[]) => connection.console.log(args.map(String).join(" "));
  return new Promise<number>((resolve) => {
    connection.onExit(() => resolve(0));
    process.stdin.on("end", () => resolve(0));
    connection.listen();
  });
}
