// readers.py, the independent reader of the files `--log tensorboard|mlflow` writes, as the tests call it.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

const READERS = fileURLToPath(new URL("./readers.py", import.meta.url));
// Debian's python (the pyenv shim on PATH may have another); the readers use the standard library only.
const PYTHON = "/usr/bin/python3";

/** `tfevents FILE…` or `mlflow ROOT` read back; the reader's own checks (CRCs, layout) must all pass. */
export function readDashboard(kind: "tfevents" | "mlflow", ...paths: string[]): any {
  const r = spawnSync(PYTHON, [READERS, kind, ...paths], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}
