/** Errors the CLI reports as one line on stderr, with the documented exit status. */
export const enum ExitCode {
  Ok = 0,
  Usage = 1,
  Truncated = 2,
  Input = 3,
  Filter = 4,
  Live = 5,
}

export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}
