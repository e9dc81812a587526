// `hgc fmt FILE… [--check|--write]`: the canonical layout of .hgc files (compiler/format.ts).
import { readdirSync, readSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { Diagnostic } from "../compiler/diagnostics.js";
import { renderDiagnostics } from "../compiler/diagnostics.js";
import { format } from "../compiler/format.js";
import { MAX_FILE_BYTES } from "../compiler/resolve.js";
import { readRegularFile } from "../runtime/faults.js";
import { parseArgs } from "./args.js";
import { decodeLossless, encodeLossless } from "./lossless.js";
import { useColor } from "./color.js";

const USAGE = `usage: hgc fmt FILE… [--check | --write]

Formats .hgc files canonically (2-space indent, one statement per line, comments kept).
A folder stands for every .hgc file below it; \`-\` reads the text from stdin.

  (no option)  print the formatted text of one file to stdout
  --check      list the files whose layout would change; exit 1 if there are any
  --write      rewrite the files whose layout would change, in place

Exit codes: 0 done (or nothing to change), 1 syntax errors or files to change (--check),
2 usage or I/O errors.
`;

type Mode = "print" | "check" | "write";

interface Outcome {
  /** 0 clean, 1 syntax errors or a file to change, 2 I/O error. */
  code: number;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: [], flags: ["check", "write"] }, "fmt");
  if (args.flags.has("help")) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.flags.has("check") && args.flags.has("write")) return usage("give either --check or --write, not both");
  const mode: Mode = args.flags.has("check") ? "check" : args.flags.has("write") ? "write" : "print";
  const paths = args.positionals;
  if (paths.length === 0) return usage("give at least one .hgc file");

  const files: string[] = [];
  let code = 0;
  if (paths.includes("-") && (paths.length > 1 || mode === "write")) return usage("`-` (stdin) is formatted on its own, without --write");
  for (const p of paths) {
    try {
      files.push(...(p === "-" ? [p] : expand(p)));
    } catch (err) {
      ioError(p, err);
      code = 2;
    }
  }
  if (mode === "print" && files.length !== 1) {
    return files.length === 0 && code ? code : usage("without --check or --write, give exactly one file (its formatted text goes to stdout)");
  }

  for (const file of files) {
    const outcome = formatFile(file, mode);
    code = Math.max(code, outcome.code);
  }
  return code;
}

function formatFile(file: string, mode: Mode): Outcome {
  const stdin = file === "-";
  const path = stdin ? "<stdin>" : resolve(file);
  let text: string;
  try {
    // Only a regular file (not a FIFO, not /dev/zero behind a symlink), of a source file's size.
    text = decodeLossless(stdin ? readStdin(MAX_FILE_BYTES) : readRegularFile(file, MAX_FILE_BYTES));
  } catch (err) {
    ioError(stdin ? "<stdin>" : file, err);
    return { code: 2 };
  }
  const { value, diagnostics } = format(text, path);
  if (diagnostics.some((d) => d.severity === "error")) {
    printDiagnostics(diagnostics, path, text);
    return { code: 1 };
  }
  if (mode === "print") {
    process.stdout.write(encodeLossless(value));
    return { code: 0 };
  }
  if (value === text) return { code: 0 };
  if (mode === "check") {
    process.stdout.write(`${stdin ? "<stdin>" : file}\n`);
    return { code: 1 };
  }
  try {
    writeAtomically(file, value);
  } catch (err) {
    ioError(file, err);
    return { code: 2 };
  }
  process.stdout.write(`formatted ${file}\n`);
  return { code: 0 };
}

/** A file as itself; a folder as the .hgc files below it, sorted. */
function expand(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".hgc")) found.push(full);
    }
  };
  walk(path);
  return found;
}

/** Standard input, refused past `maxBytes` (`hgc fmt - < /dev/zero` must end). */
function readStdin(maxBytes: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.alloc(64 * 1024);
    let n: number;
    try {
      n = readSync(0, chunk, 0, chunk.length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EAGAIN") {
        // a non-blocking stdin with nothing yet: wait a little rather than spin
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      if ((err as NodeJS.ErrnoException).code === "EOF") break;
      throw err;
    }
    if (n === 0) break;
    total += n;
    if (total > maxBytes) throw new Error(`is too large (more than ${maxBytes / 1024 / 1024} MB)`);
    chunks.push(chunk.subarray(0, n));
  }
  return Buffer.concat(chunks);
}

/** Write to a temporary file beside the target, then rename it over the target (through a symlink, its target). */
function writeAtomically(path: string, text: string): void {
  const file = realpathSync(path);
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.fmt.tmp`);
  try {
    // The bytes fmt does not change stay as they were, valid UTF-8 or not (cli/lossless.ts).
    writeFileSync(tmp, encodeLossless(text), { mode: statSync(file).mode });
    renameSync(tmp, file);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // the temporary file was never made
    }
    throw err;
  }
}

function printDiagnostics(diagnostics: Diagnostic[], file: string, text: string): void {
  process.stderr.write(renderDiagnostics(diagnostics, new Map([[file, text]]), { color: useColor(process.stderr) }));
}

function ioError(path: string, err: unknown): void {
  const e = err as NodeJS.ErrnoException;
  const reason =
    e?.code === "ENOENT"
      ? "no such file or folder"
      : e?.code === "EACCES" || e?.code === "EPERM"
        ? "permission denied"
        : e?.code === "EISDIR"
          ? "is a folder"
          : (e?.message ?? String(err));
  process.stderr.write(`hgc fmt: error: ${path}: ${reason}\n`);
}

function usage(message: string): number {
  process.stderr.write(`hgc fmt: error: ${message}\n\n${USAGE}`);
  return 2;
}
