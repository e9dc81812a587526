// Faults of the world: a full disk, a read-only or forbidden folder, a file that is not a file.
// They are not bugs in hgc, so they reach the user as a UserError — what failed, where, why, and
// a hint — never as an internal error with a stack (exit 70).
import { closeSync, fstatSync, openSync, readSync, constants } from "node:fs";
import { UserError } from "../common/errors.js";

/** errno codes that are the machine's doing, with what they mean and what to do about them. */
const WORLD: Record<string, { what: string; hint: string }> = {
  ENOSPC: { what: "no space left on the device", hint: "free some disk space (or write elsewhere with --out)" },
  EDQUOT: { what: "the disk quota is exhausted", hint: "free some space in your quota (or write elsewhere with --out)" },
  EACCES: { what: "permission denied", hint: "check the folder's permissions (or write elsewhere with --out)" },
  EPERM: { what: "operation not permitted", hint: "check the folder's permissions (or write elsewhere with --out)" },
  EROFS: { what: "the file system is read-only", hint: "write elsewhere with --out" },
  EIO: { what: "an input/output error from the device", hint: "check the disk" },
  EMFILE: { what: "too many open files", hint: "raise the limit (`ulimit -n`) or run fewer jobs at once" },
  ENFILE: { what: "too many open files on the system", hint: "close other programs or run fewer jobs at once" },
  EFBIG: { what: "the file is too large for the file system", hint: "write elsewhere with --out" },
};

/** True for an errno error that is a fault of the world rather than of hgc. */
export function isWorldFault(err: unknown): err is NodeJS.ErrnoException {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === "string" && code in WORLD;
}

/**
 * The UserError for a fault of the world met while doing `doing` ("writing the checkpoint of step
 * 20"); `lastGood` names the state that is still intact, for the hint.
 */
export function worldFault(err: NodeJS.ErrnoException, doing: string, lastGood?: string, exitCode = 2): UserError {
  const w = WORLD[err.code!]!;
  const where = err.path ? ` (${err.path})` : "";
  const hint = lastGood ? `${w.hint}; ${lastGood}` : w.hint;
  return new UserError(`${doing} failed: ${w.what}${where} [${err.code}]`, hint, exitCode);
}

/** `fn()`, with a fault of the world turned into a UserError saying what was being done. */
export function duringIo<T>(doing: string, fn: () => T, lastGood?: string): T {
  try {
    return fn();
  } catch (err) {
    if (isWorldFault(err)) throw worldFault(err, doing, lastGood);
    throw err;
  }
}

/** Why a path cannot be read as a file: not a regular file (a FIFO, a device, a folder) or too large. */
export class NotReadableError extends Error {
  constructor(
    message: string,
    readonly code: "ENOTREG" | "EISDIR" | "EFBIG",
  ) {
    super(message);
  }
}

/**
 * Read a regular file of at most `maxBytes`. The file is opened without blocking (a FIFO does not
 * hang the open), then its type and size are checked on the open descriptor (a symlink to
 * /dev/zero is a character device, not a file), and at most maxBytes + 1 bytes are read (a file
 * that grows meanwhile is still refused). errno errors pass through unchanged.
 */
export function readRegularFile(path: string, maxBytes: number): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new NotReadableError("is a folder", "EISDIR");
    if (!st.isFile()) throw new NotReadableError(`is not a regular file (${kind(st)})`, "ENOTREG");
    if (st.size > maxBytes) throw new NotReadableError(`is too large (${megabytes(st.size)}; the limit is ${megabytes(maxBytes)})`, "EFBIG");
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, got);
      if (n === 0) break;
      got += n;
    }
    // Grown since the stat: read one byte past the end to tell.
    if (got === buf.length && readSync(fd, Buffer.alloc(1), 0, 1, got) > 0) {
      throw new NotReadableError("changed size while being read", "EFBIG");
    }
    return got === buf.length ? buf : buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

function kind(st: import("node:fs").Stats): string {
  if (st.isFIFO()) return "a named pipe";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a file";
}

function megabytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${n} bytes`;
}
