/**
 * Node built-in modules that most runs never need, loaded on first use instead of at start-up:
 * node:crypto (JA3 hashes, OpenVPN keys), node:zlib and node:stream (gzip input), node:v8 and
 * node:vm (the heap guard, after thousands of frames), node:tty (only when standard output is a
 * character device). Loading them costs 2–10 ms each on a cold start, against a first output line
 * that should follow within 150 ms of the command.
 */
import { createRequire } from 'node:module';

/** Built-ins resolve the same from anywhere, so any absolute path will do. */
const load = createRequire('/');

function lazy<T>(id: string): () => T {
  let module: T | undefined;
  return () => (module ??= load(id) as T);
}

export const crypto = lazy<typeof import('node:crypto')>('node:crypto');
export const zlib = lazy<typeof import('node:zlib')>('node:zlib');
export const stream = lazy<typeof import('node:stream')>('node:stream');
export const v8 = lazy<typeof import('node:v8')>('node:v8');
export const vm = lazy<typeof import('node:vm')>('node:vm');
export const tty = lazy<typeof import('node:tty')>('node:tty');
