// After `tsc`: make the CLI executable and link it as node_modules/.bin/hgc, so that both
// `npx hgc` and editor tooling find the project's own binary in a fresh clone.
import { chmodSync, existsSync, mkdirSync, symlinkSync, unlinkSync, lstatSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "dist", "cli", "main.js");
if (existsSync(bin)) {
  chmodSync(bin, 0o755);
  const binDir = join(root, "node_modules", ".bin");
  mkdirSync(binDir, { recursive: true });
  const link = join(binDir, "hgc");
  try {
    lstatSync(link);
    unlinkSync(link);
  } catch {}
  symlinkSync(relative(binDir, bin), link);
}
