/**
 * Display filters (-Y): Wireshark's filter language compiled to a predicate over a dissected packet.
 */
import type { Packet } from '../engine/packet.js';

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

export interface DisplayFilter {
  readonly text: string;
  matches(pkt: Packet): boolean;
}

export function compileFilter(text: string): DisplayFilter {
  throw new FilterError(`display filters are not implemented yet: '${text}'`, 0);
}
