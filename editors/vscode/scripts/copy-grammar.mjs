// Copies the generated grammar (grammar/hgc.tmLanguage.json at the repository root) into the
// extension, so the .vsix carries the very grammar the tests check. Run by `vsce package`
// (the vscode:prepublish script) and by `npm run grammar` for development.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = join(dirname(fileURLToPath(import.meta.url)), "..");
const from = join(here, "..", "..", "grammar", "hgc.tmLanguage.json");
const to = join(here, "syntaxes", "hgc.tmLanguage.json");
mkdirSync(dirname(to), { recursive: true });
copyFileSync(from, to);
process.stdout.write(`copied ${from} -> ${to}\n`);
