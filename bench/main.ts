// `npm run bench`: speed figures, never asserted in tests. Each section is a module in bench/
// exporting one async function that returns the lines it reports.
//   npm run bench -- --only reference,ladder     run only the sections whose title or module match
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const SECTIONS: { title: string; module: string; fn: string }[] = [
  { title: "hgc check", module: "./check.js", fn: "benchCheck" },
  { title: "training step (quickstart model)", module: "./run.js", fn: "benchRun" },
  { title: "GEMM per shape: OpenBLAS against the built-in GEMM", module: "./gemm.js", fn: "benchGemm" },
  { title: "reference model: hgc against PyTorch", module: "./reference.js", fn: "benchReference" },
  { title: "model ladder: hgc against PyTorch", module: "./ladder.js", fn: "benchLadder" },
  { title: "terminal UI overhead", module: "./ui.js", fn: "benchUi" },
  { title: "asha: a 12-trial search pruned against unpruned", module: "./asha.js", fn: "benchAsha" },
];

/** Sections to run: `--only reference,ladder` or plain words; every section when none is given. */
function selected(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--only") out.push(...(argv[++i] ?? "").split(","));
    else if (a.startsWith("--only=")) out.push(...a.slice(7).split(","));
    else out.push(a);
  }
  return out.filter(Boolean);
}

async function main(): Promise<void> {
  const only = selected(process.argv.slice(2));
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
