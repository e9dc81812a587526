// `hgc doctor`: what this machine gives hgc — the tfjs backends that load (and which `auto`
// picks), versions, and the data cache.
import { listBackends, selectBackend, tfVersions } from "../runtime/backend.js";
import { cacheInfo } from "../runtime/data/index.js";
import { parseArgs } from "./args.js";

const USAGE = `usage: hgc doctor [--json]

Lists the tfjs backends (which load here, their versions, which one \`--backend auto\` picks),
the Node version and the data cache.
`;

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: [], flags: ["json"] }, "doctor");
  if (args.flags.has("help")) {
    process.stdout.write(USAGE);
    return 0;
  }
  const backends = await listBackends();
  const auto = await selectBackend("auto");
  const cache = cacheInfo();
  const report = { node: process.version, platform: `${process.platform}-${process.arch}`, tfjs: tfVersions(), backends, auto, cache };
  if (args.flags.has("json")) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  const lines: string[] = [];
  lines.push(`node       ${process.version} (${report.platform})`);
  lines.push(`tfjs       ${report.tfjs["tfjs-core"] ?? "?"}`);
  lines.push("backends");
  for (const b of backends) {
    const mark = b.available ? "ok " : "-- ";
    const version = b.version ?? "not installed";
    lines.push(`  ${mark} ${b.name.padEnd(10)} ${b.package.padEnd(32)} ${version}${b.available || !b.version ? "" : `  (${b.reason ?? "unavailable"})`}`);
  }
  lines.push(`auto picks ${auto.name}: ${auto.detail}${auto.kernels.length ? ` + ${auto.kernels.join(", ")}` : ""}`);
  const total = cache.entries.reduce((s, e) => s + e.bytes, 0);
  lines.push(`data cache ${cache.dir} (${cache.entries.length} file${cache.entries.length === 1 ? "" : "s"}, ${(total / 1048576).toFixed(1)} MiB)`);
  for (const e of cache.entries) lines.push(`  ${e.name.padEnd(40)} ${(e.bytes / 1048576).toFixed(1)} MiB`);
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}
