// Builds the optional native addon (native/: the wasm backend's matrix products by a built-in
// GEMM or the system's BLAS, fused attention, GELU and LayerNorm) with the node-gyp that ships with
// npm. Never fails the install: without a C compiler, Node's headers or node-gyp, it prints one
// line and hgc uses the wasm backend's own kernels. No system package is needed: a BLAS library is
// only looked for at run time, and the built-in GEMM serves where none loads
// (runtime/kernels/index.ts).
//
//   node scripts/build-native.mjs        build (run by `npm install`)
//   HGC_NATIVE=0 npm install             skip the build
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = join(root, "native");
const say = (msg) => process.stdout.write(`hgc: ${msg}\n`);
const fallback = "hgc trains with the wasm backend's own kernels";

function nodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  try {
    candidates.push(createRequire(import.meta.url).resolve("node-gyp/bin/node-gyp.js"));
  } catch {}
  if (process.env.npm_execpath) candidates.push(join(dirname(process.env.npm_execpath), "..", "node_modules", "node-gyp", "bin", "node-gyp.js"));
  // npm installed beside node: <prefix>/bin/node and <prefix>/lib/node_modules/npm.
  candidates.push(join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"));
  return candidates.find((c) => c && existsSync(c)) ?? null;
}

/** Node's own headers where the node binary's prefix has them, so node-gyp need not download them. */
function nodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = join(dirname(process.execPath), "..");
  return existsSync(join(prefix, "include", "node", "node_api.h")) ? prefix : null;
}

function main() {
  if (process.env.HGC_NATIVE === "0") return say(`native kernels skipped (HGC_NATIVE=0); ${fallback}`);
  if (process.platform === "win32") return say(`native kernels are not built on Windows; ${fallback}`);
  const gyp = nodeGyp();
  if (!gyp) return say(`native kernels not built (node-gyp not found); ${fallback}`);
  const args = [gyp, "rebuild", "--loglevel=error"];
  const nd = nodeDir();
  if (nd) args.push(`--nodedir=${nd}`);
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: "utf8", timeout: 300_000 });
  if (r.status === 0 && existsSync(join(dir, "build", "Release", "hgc_blas.node"))) {
    return say("native kernels built (native/build/Release/hgc_blas.node)");
  }
  const out = `${r.stderr ?? ""}\n${r.stdout ?? ""}`;
  const why =
    r.error?.message ??
    out
      .split("\n")
      .map((l) => l.trim())
      .find((l) => /error|not found|No such file/i.test(l) && !/^gyp (ERR!|info) (stack|System|command|cwd|node -v|node-gyp -v|not ok)/.test(l)) ??
    `node-gyp exited with ${r.status}`;
  say(`native kernels not built (${why.slice(0, 160)}); ${fallback}`);
}

main();
