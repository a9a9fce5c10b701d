/** A filter that cannot be compiled: the message and where in the text it went wrong. */
export class FilterError extends Error {
  override name = 'FilterError';
  constructor(
    message: string,
    /** 0-based character position in the filter text the error points at. */
    readonly position: number,
    readonly length = 1,
  ) {
    super(message);
  }
}
