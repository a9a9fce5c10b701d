/**
 * Address text for columns and conversation keys, cached: a capture holds few distinct addresses
 * but every frame needs its source and destination as text, so each is formatted once. The caches
 * are bounded (cleared when full) so hostile captures with random addresses cannot grow them.
 */
import { hex, ipv4ToString } from './format.js';

const LIMIT = 1 << 16;

const ipv4Cache = new Map<number, string>();

/** "10.0.0.1" for the address as an unsigned 32-bit number. */
export function ipv4Text(address: number): string {
  const key = address | 0; // a small integer key: no boxed number per lookup
  let text = ipv4Cache.get(key);
  if (text === undefined) {
    if (ipv4Cache.size >= LIMIT) ipv4Cache.clear();
    text = ipv4ToString(address >>> 0);
    ipv4Cache.set(key, text);
  }
  return text;
}

const etherCache = new Map<number, Map<number, string>>();
let etherCount = 0;

/** "00:11:22:33:44:55" for a MAC address given as its first and last three bytes (two u24 reads). */
export function etherText(high: number, low: number): string {
  let byLow = etherCache.get(high);
  if (byLow === undefined) {
    if (etherCount >= LIMIT) {
      etherCache.clear();
      etherCount = 0;
    }
    byLow = new Map();
    etherCache.set(high, byLow);
  }
  let text = byLow.get(low);
  if (text === undefined) {
    const h = hex(high, 6);
    const l = hex(low, 6);
    text = `${h.slice(2, 4)}:${h.slice(4, 6)}:${h.slice(6, 8)}:${l.slice(2, 4)}:${l.slice(4, 6)}:${l.slice(6, 8)}`;
    byLow.set(low, text);
    etherCount++;
  }
  return text;
}
