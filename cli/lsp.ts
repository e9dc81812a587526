// `hgc lsp --stdio`: the language server (editors/lsp.ts) over stdin/stdout, for editors.
import { createConnection, StreamMessageReader, StreamMessageWriter } from "vscode-languageserver/node.js";
import { UserError } from "../common/errors.js";
import { DEFAULT_DEBOUNCE_MS, startServer } from "../editors/lsp.js";
import { parseArgs } from "./args.js";

const USAGE = `usage: hgc lsp --stdio [--debounce MS]

Start the hgc language server, speaking JSON-RPC (LSP) on stdin and stdout.

options:
  --stdio          use stdin/stdout (the only transport)
  --debounce MS    pause after an edit before re-checking (default ${DEFAULT_DEBOUNCE_MS})
`;

export async function main(argv: string[]): Promise<number> {
  // --clientProcessId is sent by some clients and ignored: the server ends when its stdin closes.
  const args = parseArgs(argv, { values: ["debounce", "clientProcessId"], flags: ["stdio"] }, "lsp");
  if (args.flags.has("help")) {
    process.stdout.write(USAGE);
    return 0;
  }
  let debounceMs: number | undefined;
  if (args.values.debounce) {
    debounceMs = Number(args.values.debounce[0]);
    if (!Number.isFinite(debounceMs) || debounceMs < 0) throw new UserError("`--debounce` takes a number of milliseconds ≥ 0", `e.g. \`--debounce ${DEFAULT_DEBOUNCE_MS}\``, 2);
  }
  if (args.positionals.length) throw new UserError(`\`hgc lsp\` takes no file (got \`${args.positionals[0]}\`)`, "editors start it as `hgc lsp --stdio`", 2);
  if (!args.flags.has("stdio")) throw new UserError("give --stdio (the only transport)", "editors start it as `hgc lsp --stdio`", 2);
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
