// The VS Code client of the hgc language server: starts `hgc lsp --stdio` for .hgc files.
// Plain CommonJS so the extension needs no build step; vscode-languageclient is the extension's
// own dependency, bundled into the .vsix by `npm run vsix`.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

/** @type {LanguageClient | undefined} */
let client;

/** The hgc executable: the setting, else the workspace's own install, else `hgc` on the PATH. */
function serverCommand() {
  const configured = vscode.workspace.getConfiguration("hgc").get("server.path", "");
  if (configured) return configured;
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const local = path.join(folder.uri.fsPath, "node_modules", ".bin", process.platform === "win32" ? "hgc.cmd" : "hgc");
    if (fs.existsSync(local)) return local;
  }
  return process.platform === "win32" ? "hgc.cmd" : "hgc";
}

async function activate(context) {
  const command = serverCommand();
  /** @type {import("vscode-languageclient/node").ServerOptions} */
  const serverOptions = {
    command,
    args: ["lsp"],
    transport: TransportKind.stdio, // appends --stdio
    options: { shell: process.platform === "win32" },
  };
  /** @type {import("vscode-languageclient/node").LanguageClientOptions} */
  const clientOptions = {
    documentSelector: [
      { scheme: "file", language: "hgc" },
      { scheme: "untitled", language: "hgc" },
    ],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.hgc") },
  };
  client = new LanguageClient("hgc", "hgc language server", serverOptions, clientOptions);
  context.subscriptions.push(
    vscode.commands.registerCommand("hgc.restartServer", async () => {
      if (client) await client.restart();
    }),
  );
  try {
    await client.start();
  } catch (err) {
    vscode.window.showErrorMessage(
      `hgc: could not start the language server with \`${command} lsp --stdio\` (${err && err.message ? err.message : err}). ` +
        "Install hgc in the workspace (npm install) or set `hgc.server.path`.",
    );
  }
}

async function deactivate() {
  if (client) await client.stop();
}

module.exports = { activate, deactivate };
