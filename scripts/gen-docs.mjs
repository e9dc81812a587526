// Writes the built-in reference tables of docs/language.md from the registry (language/), through
// language/reference.ts. Run after `npm run build`; test/compiler/docs.test.ts fails when the
// committed page differs from what this writes.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { withReference } = await import(join(root, "dist", "language", "reference.js"));
const page = join(root, "docs", "language.md");
writeFileSync(page, withReference(readFileSync(page, "utf8")));
process.stdout.write(`wrote ${page}\n`);
