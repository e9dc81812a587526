// `hgc eval RUN [--checkpoint N]`: run the experiment's evaluate { } protocols on a saved checkpoint.
import { UserError } from "../common/errors.js";
import { formatDuration } from "../common/format.js";
import { BACKEND_PREFERENCES, type BackendPreference } from "../runtime/backend.js";
import { evaluateCheckpoint } from "../runtime/evaluate-run.js";
import { intOption, parseArgs } from "./args.js";
import { formatMetrics } from "./loggers.js";
import { resolveFolder } from "./runs.js";

const USAGE = `usage: hgc eval RUN [options]

Evaluates a run's latest checkpoint (or --checkpoint N, or --best) with the protocols of its
evaluate { } block, prints the figures and writes them to RUN/eval-step<N>.json. RUN is a run
folder or a run id prefix as \`hgc runs\` shows it.

options:
  --checkpoint N   the checkpoint's step (default: the latest)
  --best           the best checkpoint kept by \`train(…, keep_best: METRIC)\`
  --root DIR       where runs live, for RUN given as an id prefix (default: runs)
  --backend B      auto (default), tensorflow, wasm or cpu
  --json           print the figures as JSON
`;

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ["checkpoint", "backend", "root"], flags: ["json", "best"] }, "eval");
  if (args.flags.has("help")) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.positionals.length !== 1) throw new UserError("`hgc eval` needs one RUN folder", "e.g. `hgc eval runs/quickstart-1a2b3c4d`", 2);
  const backend = (args.values.backend?.[0] ?? "auto") as BackendPreference;
  if (!BACKEND_PREFERENCES.includes(backend)) throw new UserError(`unknown backend \`${backend}\``, `use one of ${BACKEND_PREFERENCES.join(", ")}`, 2);
  const step = intOption(args.values.checkpoint?.[0], "checkpoint", 0);
  const warn = (message: string) => process.stderr.write(`hgc: warning: ${message}\n`);
  if (step !== undefined && args.flags.has("best")) throw new UserError("give `--checkpoint N` or `--best`, not both", undefined, 2);
  const runDir = resolveFolder(args.positionals[0]!, args.values.root?.[0]);
  const r = await evaluateCheckpoint(runDir, { backend, warn, ...(step !== undefined ? { step } : {}), ...(args.flags.has("best") ? { best: true } : {}) });
  if (args.flags.has("json")) {
    process.stdout.write(`${JSON.stringify({ step: r.step, metrics: r.metrics, skipped: r.skipped }, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(`checkpoint at step ${r.step} (${r.backend.name}, ${formatDuration(r.elapsedMs)})\n`);
  for (const line of formatMetrics(r.metrics)) process.stdout.write(`${line}\n`);
  for (const s of r.skipped) process.stdout.write(`  ${s.protocol}: not applicable (${s.reason})\n`);
  process.stdout.write(`wrote ${r.path}\n`);
  return 0;
}
