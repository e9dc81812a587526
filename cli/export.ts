// `hgc export RUN --format safetensors [--out FILE] [--checkpoint N]`: a run's weights in a file
// PyTorch reads with `safetensors.torch.load_file`.
import { UserError } from "../common/errors.js";
import { exportRun } from "../runtime/export-run.js";
import { intOption, parseArgs } from "./args.js";
import { resolveFolder } from "./runs.js";

const USAGE = `usage: hgc export RUN [options]

Writes the weights of a run's latest checkpoint (or --checkpoint N) as a safetensors file:
float32 tensors named as in the model (enc.wte, enc.h.0.attn.qkv.w, proj.0.w, …).

options:
  --format safetensors   the output format (the only one)
  --out FILE             where to write (default: RUN/weights-step<N>.safetensors)
  --checkpoint N         the checkpoint's step (default: the latest)
  --root DIR             where runs live, for RUN given as an id prefix (default: runs)
`;

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ["format", "out", "checkpoint", "root"], flags: [] }, "export");
  if (args.flags.has("help")) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.positionals.length !== 1) throw new UserError("`hgc export` needs one RUN folder", "e.g. `hgc export runs/quickstart-1a2b3c4d --format safetensors`", 2);
  const format = args.values.format?.[0] ?? "safetensors";
  if (format !== "safetensors") throw new UserError(`unknown export format \`${format}\``, "use --format safetensors", 2);
  const step = intOption(args.values.checkpoint?.[0], "checkpoint", 0);
  const r = await exportRun(resolveFolder(args.positionals[0]!, args.values.root?.[0]), { ...(step !== undefined ? { step } : {}), ...(args.values.out ? { out: args.values.out[0] } : {}) });
  process.stdout.write(`wrote ${r.tensors} tensors (${(r.bytes / 1024).toFixed(1)} KiB) of step ${r.step} to ${r.path}\n`);
  return 0;
}
