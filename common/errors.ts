// Errors that reach the user. A UserError is the user's to fix: it prints one line and a hint,
// never a stack trace. Anything else that escapes is a bug in hgc and is reported as one.
// This module imports nothing, so that every layer (compiler, runtime, cli, editors) can throw
// and recognise user errors without depending on another layer.

export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    /** Process exit code: 1 for a failed check or run, 2 for usage and I/O errors. */
    readonly exitCode: number = 1,
  ) {
    super(message);
    this.name = "UserError";
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}
