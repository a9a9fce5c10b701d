/**
 * HPACK (RFC 7541): HTTP/2's header compression. One decoder per direction of a connection keeps
 * the dynamic table the encoder on the other end fills.
 *
 * The Huffman code of Appendix B is canonical: codes of one length are consecutive, assigned in
 * symbol order, each length starting where the previous one ended (shifted left). So the code is
 * fully given by each symbol's code length, which is all the table below holds.
 */

/** Symbols by code length (RFC 7541 Appendix B); 256 is EOS. */
const symbolsByLength: [number, number[]][] = [
  [5, [48, 49, 50, 97, 99, 101, 105, 111, 115, 116]],
  [6, [32, 37, 45, 46, 47, 51, 52, 53, 54, 55, 56, 57, 61, 65, 95, 98, 100, 102, 103, 104, 108, 109, 110, 112, 114, 117]],
  [7, [58, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 89, 106, 107, 113, 118, 119, 120, 121, 122]],
  [8, [38, 42, 44, 59, 88, 90]],
  [10, [33, 34, 40, 41, 63]],
  [11, [39, 43, 124]],
  [12, [35, 62]],
  [13, [0, 36, 64, 91, 93, 126]],
  [14, [94, 125]],
  [15, [60, 96, 123]],
  [19, [92, 195, 208]],
  [20, [128, 130, 131, 162, 184, 194, 224, 226]],
  [21, [153, 161, 167, 172, 176, 177, 179, 209, 216, 217, 227, 229, 230]],
  [22, [129, 132, 133, 134, 136, 146, 154, 156, 160, 163, 164, 169, 170, 173, 178, 181, 185, 186, 187, 189, 190, 196, 198, 228, 232, 233]],
  [23, [1, 135, 137, 138, 139, 140, 141, 143, 147, 149, 150, 151, 152, 155, 157, 158, 165, 166, 168, 174, 175, 180, 182, 183, 188, 191, 197, 231, 239]],
  [24, [9, 142, 144, 145, 148, 159, 171, 206, 215, 225, 236, 237]],
  [25, [199, 207, 234, 235]],
  [26, [192, 193, 200, 201, 202, 205, 210, 213, 218, 219, 238, 240, 242, 243, 255]],
  [27, [203, 204, 211, 212, 214, 221, 222, 223, 241, 244, 245, 246, 247, 248, 250, 251, 252, 253, 254]],
  [28, [2, 3, 4, 5, 6, 7, 8, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127, 220, 249]],
  [30, [10, 13, 22, 256]],
];

/** The code lengths, for checking the table (every symbol once, a complete code). */
export const huffmanCodeLengths: readonly (readonly [number, readonly number[]])[] = symbolsByLength;

/** Canonical decoding: per length, the first code and where its symbols start in `ordered`. */
const firstCode: number[] = [];
const firstIndex: number[] = [];
const counts: number[] = [];
const ordered: number[] = [];
(() => {
  let code = 0;
  let prevLength = 0;
  for (const [length, symbols] of symbolsByLength) {
    code <<= length - prevLength;
    firstCode[length] = code;
    firstIndex[length] = ordered.length;
    counts[length] = symbols.length;
    ordered.push(...symbols);
    code += symbols.length;
    prevLength = length;
  }
})();

/** Decodes a Huffman-coded string; null when the bits are not a valid HPACK encoding. */
export function huffmanDecode(bytes: Uint8Array): string | null {
  let out = '';
  let code = 0;
  let length = 0;
  for (const byte of bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      code = (code << 1) | ((byte >> bit) & 1);
      length++;
      const count = counts[length];
      if (count !== undefined) {
        const offset = code - firstCode[length]!;
        if (offset >= 0 && offset < count) {
          const symbol = ordered[firstIndex[length]! + offset]!;
          if (symbol === 256) return null;
          out += String.fromCharCode(symbol);
          code = 0;
          length = 0;
          continue;
        }
      }
      if (length > 30) return null;
    }
  }
  // Padding: at most 7 bits, all ones (a prefix of EOS).
  return length <= 7 && code === (1 << length) - 1 ? out : null;
}

/** The static table (Appendix A), index 1 first. */
const staticTable: [string, string][] = [
  [':authority', ''], [':method', 'GET'], [':method', 'POST'], [':path', '/'], [':path', '/index.html'], [':scheme', 'http'],
  [':scheme', 'https'], [':status', '200'], [':status', '204'], [':status', '206'], [':status', '304'], [':status', '400'],
  [':status', '404'], [':status', '500'], ['accept-charset', ''], ['accept-encoding', 'gzip, deflate'], ['accept-language', ''],
  ['accept-ranges', ''], ['accept', ''], ['access-control-allow-origin', ''], ['age', ''], ['allow', ''], ['authorization', ''],
  ['cache-control', ''], ['content-disposition', ''], ['content-encoding', ''], ['content-language', ''], ['content-length', ''],
  ['content-location', ''], ['content-range', ''], ['content-type', ''], ['cookie', ''], ['date', ''], ['etag', ''], ['expect', ''],
  ['expires', ''], ['from', ''], ['host', ''], ['if-match', ''], ['if-modified-since', ''], ['if-none-match', ''], ['if-range', ''],
  ['if-unmodified-since', ''], ['last-modified', ''], ['link', ''], ['location', ''], ['max-forwards', ''], ['proxy-authenticate', ''],
  ['proxy-authorization', ''], ['range', ''], ['referer', ''], ['refresh', ''], ['retry-after', ''], ['server', ''], ['set-cookie', ''],
  ['strict-transport-security', ''], ['transfer-encoding', ''], ['user-agent', ''], ['vary', ''], ['via', ''], ['www-authenticate', ''],
];

export type Representation = 'Indexed Header Field'
  | 'Literal Header Field with Incremental Indexing - Indexed Name' | 'Literal Header Field with Incremental Indexing - New Name'
  | 'Literal Header Field without Indexing - Indexed Name' | 'Literal Header Field without Indexing - New Name'
  | 'Literal Header Field never Indexed - Indexed Name' | 'Literal Header Field never Indexed - New Name';

export interface DecodedHeader {
  name: string;
  value: string;
  representation: Representation;
  /** The table index used (0 for a new name). */
  index: number;
  /** Where its representation starts and ends in the block. */
  start: number;
  end: number;
}

/** One direction's decoding context: the dynamic table the peer's encoder keeps in step. */
export class HpackDecoder {
  private readonly dynamic: [string, string][] = [];
  private size = 0;
  private maxSize = 4096;

  private entry(index: number): [string, string] | null {
    if (index >= 1 && index <= staticTable.length) return staticTable[index - 1]!;
    return this.dynamic[index - staticTable.length - 1] ?? null;
  }

  private insert(name: string, value: string): void {
    this.dynamic.unshift([name, value]);
    this.size += name.length + value.length + 32;
    this.evict();
  }

  private evict(): void {
    while (this.size > this.maxSize && this.dynamic.length) {
      const [n, v] = this.dynamic.pop()!;
      this.size -= n.length + v.length + 32;
    }
  }

  /** Decodes a whole header block; throws on a malformed one (the caller marks the packet). */
  decode(block: Uint8Array): DecodedHeader[] {
    const out: DecodedHeader[] = [];
    let pos = 0;
    const int = (prefixBits: number): number => {
      const mask = (1 << prefixBits) - 1;
      let v = block[pos++]! & mask;
      if (v < mask) return v;
      for (let shift = 0; ; shift += 7) {
        if (pos >= block.length || shift > 28) throw new Error('HPACK integer runs past the block');
        const b = block[pos++]!;
        v += (b & 0x7f) * 2 ** shift;
        if (!(b & 0x80)) return v;
      }
    };
    const str = (): string => {
      if (pos >= block.length) throw new Error('HPACK string runs past the block');
      const huffman = (block[pos]! & 0x80) !== 0;
      const len = int(7);
      if (pos + len > block.length) throw new Error('HPACK string runs past the block');
      const bytes = block.subarray(pos, pos + len);
      pos += len;
      if (!huffman) return Buffer.from(bytes).toString('latin1');
      const text = huffmanDecode(bytes);
      if (text === null) throw new Error('bad HPACK Huffman string');
      return text;
    };
    while (pos < block.length) {
      const start = pos;
      const b = block[pos]!;
      if (b & 0x80) {
        const index = int(7);
        const e = this.entry(index);
        if (!e) throw new Error(`HPACK index ${index} is not in the table`);
        out.push({ name: e[0], value: e[1], representation: 'Indexed Header Field', index, start, end: pos });
        continue;
      }
      if ((b & 0xe0) === 0x20) {
        this.maxSize = int(5);
        this.evict();
        continue;
      }
      const incremental = (b & 0xc0) === 0x40;
      const never = !incremental && (b & 0xf0) === 0x10;
      const index = int(incremental ? 6 : 4);
      let name: string;
      if (index === 0) name = str();
      else {
        const e = this.entry(index);
        if (!e) throw new Error(`HPACK index ${index} is not in the table`);
        name = e[0];
      }
      const value = str();
      if (incremental) this.insert(name, value);
      const kind = incremental ? 'with Incremental Indexing' : never ? 'never Indexed' : 'without Indexing';
      const representation = `Literal Header Field ${kind} - ${index ? 'Indexed Name' : 'New Name'}` as Representation;
      out.push({ name, value, representation, index, start, end: pos });
    }
    return out;
  }
}
