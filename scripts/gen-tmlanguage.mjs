// Writes grammar/hgc.tmLanguage.json from the lexer's vocabulary (grammar/tokens.ts), through
// editors/tmlanguage.ts. Run after `npm run build`; test/editors/tmlanguage.test.ts fails when
// the committed grammar differs from what this writes.
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { grammarJson } = await import(join(root, "dist", "editors", "tmlanguage.js"));
const out = join(root, "grammar", "hgc.tmLanguage.json");
writeFileSync(out, grammarJson());
process.stdout.write(`wrote ${out}\n`);
