// Writes docs/examples.html: every examples/*.hgc highlighted with shiki through the generated
// TextMate grammar (editors/highlight.ts). Run after `npm run build`.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { examplesPage } = await import(join(root, "dist", "editors", "highlight.js"));
const files = readdirSync(join(root, "examples"))
  .filter((f) => f.endsWith(".hgc"))
  .sort()
  .map((f) => ({ path: `examples/${f}`, text: readFileSync(join(root, "examples", f), "utf8") }));
const out = join(root, "docs", "examples.html");
writeFileSync(out, await examplesPage(files));
process.stdout.write(`wrote ${out} (${files.length} examples)\n`);
