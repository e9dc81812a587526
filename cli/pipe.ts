// `hgc check … | head` closes the pipe early. That is the reader's choice, not an error: stop
// quietly with the exit code so far instead of dying on EPIPE with a stack trace.

let guarded = false;

export function exitQuietlyOnClosedPipe(): void {
  if (guarded) return;
  guarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
      throw err;
    });
  }
}
