// `npm run bench`: speed figures, never asserted in tests. Each section is a module in bench/
// exporting one async function that returns the lines it reports.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const SECTIONS: { title: string; module: string; fn: string }[] = [
  { title: "hgc check", module: "./check.js", fn: "benchCheck" },
  { title: "training step (quickstart model)", module: "./run.js", fn: "benchRun" },
  { title: "reference model: hgc against PyTorch", module: "./reference.js", fn: "benchReference" },
  { title: "terminal UI overhead", module: "./ui.js", fn: "benchUi" },
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  for (const s of SECTIONS) {
    if (only.length && !only.some((o) => s.title.includes(o) || s.module.includes(o))) continue;
    const file = fileURLToPath(new URL(s.module, import.meta.url));
    process.stdout.write(`\n## ${s.title}\n`);
    if (!existsSync(file)) {
      process.stdout.write(`(not built: ${s.module})\n`);
      continue;
    }
    const mod = (await import(s.module)) as Record<string, () => Promise<string[]>>;
    const lines = await mod[s.fn]();
    for (const line of lines) process.stdout.write(`${line}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
