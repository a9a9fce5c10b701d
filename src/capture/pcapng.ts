/**
 * pcapng, as described in draft-ietf-opsawg-pcapng ("PCAP Next Generation Capture File Format").
 *
 * A file is a run of blocks. Every block has the same frame, in the byte order of its section:
 *
 *   +---------------------------------------------------------------+
 *   | block type                                                    |  0
 *   | block total length (whole block, multiple of 4)               |  4
 *   | body …                                                        |  8
 *   | block total length again                                      |
 *   +---------------------------------------------------------------+
 *
 * Blocks read here (others are skipped by their length):
 *   0x0a0d0d0a Section Header: byte-order magic 1a2b3c4d, version 1.x, section length. Starts a
 *              section; interfaces are numbered afresh in each one and the byte order may change.
 *   1 Interface Description: link type (16 bits), reserved, snapshot length, options (if_name = 2,
 *              if_tsresol = 9, if_tsoffset = 14).
 *   6 Enhanced Packet: interface id, timestamp high and low 32 bits, captured length, original
 *              length, data padded to 4, options (opt_comment = 1).
 *   3 Simple Packet: original length, data. Always interface 0, no timestamp; the captured length
 *              is not written down and follows from the snapshot length and the block size.
 *   2 Packet (obsolete): interface id (16 bits), drops count (16 bits), then as Enhanced Packet.
 *   10 Decryption Secrets: secrets type (0x544c534b "TLSK": a TLS key log), length, the secrets
 *              (what `editcap --inject-secrets` writes); handed on with the next frame.
 *
 * Options are (code 16 bits, length 16 bits, value padded to 4) and end with code 0.
 */
import { CaptureFormatError } from './frame.js';
import type { CaptureInfo, Frame, FormatDecoder, FrameCallback } from './frame.js';
import { hex32 } from './pcap.js';

export const BLOCK_SECTION_HEADER = 0x0a0d0d0a;
export const BLOCK_INTERFACE_DESCRIPTION = 1;
export const BLOCK_PACKET_OBSOLETE = 2;
export const BLOCK_SIMPLE_PACKET = 3;
export const BLOCK_ENHANCED_PACKET = 6;
export const BLOCK_DECRYPTION_SECRETS = 10;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPTION_END = 0;
const OPTION_COMMENT = 1;
const OPTION_IF_NAME = 2;
const OPTION_IF_TSRESOL = 9;
const OPTION_IF_TSOFFSET = 14;

/** The smallest block: type, length and the trailing length copy. */
const MIN_BLOCK_LENGTH = 12;
/**
 * Lengths beyond this are taken as corruption rather than buffered. Wireshark refuses blocks far
 * smaller; 16 MiB leaves room for large custom or decryption-secrets blocks.
 */
export const PCAPNG_MAX_BLOCK_LENGTH = 16 * 1024 * 1024;
/** Same bound as for classic pcap: 4 × libpcap's usual 262144-byte maximum. */
const MAX_CAPTURED_LENGTH = 262144 * 4;

/** Smallest total length of each block type we decode: its fixed fields plus the frame. */
function minimumLength(type: number): number {
  switch (type) {
    case BLOCK_ENHANCED_PACKET:
    case BLOCK_PACKET_OBSOLETE:
      return 32;
    case BLOCK_SECTION_HEADER:
      return 28;
    case BLOCK_INTERFACE_DESCRIPTION:
      return 20;
    case BLOCK_SIMPLE_PACKET:
      return 16;
    default:
      return MIN_BLOCK_LENGTH;
  }
}

const utf8 = new TextDecoder('utf-8');

/** Timestamp units per second are 10^exponent (high bit of if_tsresol clear) or 2^exponent (set). */
interface Interface {
  linkType: number;
  snapLength: number;
  name: string | undefined;
  unitsPerSecond: bigint;
  /**
   * How remainders (timestamp units within a second) become nanoseconds without BigInt:
   * 'multiply' by nanosFactor (10^0 … 10^9 units per second), 'divide' by nanosFactor
   * (10^10 … 10^15), 'binary' as remainder × 10^9 / 2^k (2^1 … 2^23); 'exact' means neither fits
   * in a double and each packet goes through BigInt.
   */
  nanosMode: 'multiply' | 'divide' | 'binary' | 'exact';
  nanosFactor: number;
  unitsPerSecondNumber: number;
  offsetSeconds: number;
  /**
   * The high 32 bits change rarely (every 71 minutes at µs resolution, every 4.3 s at ns), so the
   * seconds and leftover units they stand for are worked out once with BigInt and reused.
   */
  cachedHigh: number;
  cachedSeconds: number;
  cachedRemainder: number;
}

export function isPcapngMagic(bytes: Uint8Array, offset = 0): boolean {
  return (
    bytes[offset] === 0x0a &&
    bytes[offset + 1] === 0x0d &&
    bytes[offset + 2] === 0x0d &&
    bytes[offset + 3] === 0x0a
  );
}

export class PcapngDecoder implements FormatDecoder {
  info: CaptureInfo | undefined = undefined;
  nextNumber = 1;
  needed = MIN_BLOCK_LENGTH;
  headerComplete = false;
  readonly headerName = 'pcapng section header';
  stopped = false;
  corrupt: string | undefined = undefined;
  /** Decryption secrets read since the last frame, for the next one. */
  private pendingSecrets: { type: number; data: Uint8Array }[] | undefined = undefined;
  /** Sections seen so far. */
  sections = 0;

  private littleEndian = true;
  private interfaces: Interface[] = [];
  private seconds = 0;
  private nanos = 0;

  decode(bytes: Uint8Array, start: number, end: number, onFrame: FrameCallback): number {
    if (this.stopped || this.corrupt !== undefined) return start;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let position = start;
    for (;;) {
      const available = end - position;
      if (available < MIN_BLOCK_LENGTH) {
        this.needed = MIN_BLOCK_LENGTH;
        return position;
      }
      let littleEndian = this.littleEndian;
      const type = view.getUint32(position, littleEndian); // the section header type reads the same both ways
      if (type === BLOCK_SECTION_HEADER) {
        const magic = view.getUint32(position + 8, true);
        if (magic === BYTE_ORDER_MAGIC) littleEndian = true;
        else if (magic === 0x4d3c2b1a) littleEndian = false;
        else return this.fail(`section header has no byte-order magic (found 0x${hex32(magic)})`, position);
      } else if (!this.headerComplete) {
        throw new CaptureFormatError(`not a pcapng file (first block has type 0x${hex32(type)})`);
      }
      const length = view.getUint32(position + 4, littleEndian);
      const lengthProblem = checkBlockLength(type, length);
      if (lengthProblem !== undefined) return this.fail(lengthProblem, position);
      if (available < length) {
        this.needed = length;
        return position;
      }
      const trailing = view.getUint32(position + length - 4, littleEndian);
      if (trailing !== length) {
        return this.fail(`block of type 0x${hex32(type)} gives its length as ${length} at the start but ${trailing} at the end`, position);
      }

      let frame: Frame | undefined;
      switch (type) {
        case BLOCK_ENHANCED_PACKET:
          frame = this.packet(bytes, view, position, length, view.getUint32(position + 8, littleEndian));
          break;
        case BLOCK_SIMPLE_PACKET:
          frame = this.simplePacket(bytes, view, position, length);
          break;
        case BLOCK_PACKET_OBSOLETE:
          frame = this.packet(bytes, view, position, length, view.getUint16(position + 8, littleEndian));
          break;
        case BLOCK_INTERFACE_DESCRIPTION:
          this.interfaceDescription(bytes, view, position, length);
          break;
        case BLOCK_SECTION_HEADER:
          this.sectionHeader(view, position, littleEndian);
          break;
        case BLOCK_DECRYPTION_SECRETS: {
          const secretsLength = view.getUint32(position + 12, this.littleEndian);
          if (secretsLength <= length - 20) {
            (this.pendingSecrets ??= []).push({ type: view.getUint32(position + 8, this.littleEndian), data: bytes.slice(position + 16, position + 16 + secretsLength) });
          }
          break;
        }
        default:
          break;
      }
      if (frame !== undefined && this.pendingSecrets) {
        frame.secrets = this.pendingSecrets;
        this.pendingSecrets = undefined;
      }
      if (this.corrupt !== undefined) return position;
      position += length;
      if (frame !== undefined && onFrame(frame) === false) {
        this.stopped = true;
        return position;
      }
    }
  }

  private fail(problem: string, position: number): number {
    if (!this.headerComplete) throw new CaptureFormatError(`not a valid pcapng file: ${problem}`);
    this.corrupt = `${problem}; the file is corrupt from packet ${this.nextNumber} on`;
    return position;
  }

  private sectionHeader(view: DataView, position: number, littleEndian: boolean): void {
    const major = view.getUint16(position + 12, littleEndian);
    const minor = view.getUint16(position + 14, littleEndian);
    if (major !== 1) {
      this.fail(`section header has version ${major}.${minor}, only 1.x is defined`, position);
      return;
    }
    this.littleEndian = littleEndian;
    this.interfaces = [];
    this.sections++;
    if (!this.headerComplete) {
      this.headerComplete = true;
      this.info = { format: 'pcapng', linkType: -1, snapLength: 0, gzip: false, timeDecimals: 6 };
    }
  }

  private interfaceDescription(bytes: Uint8Array, view: DataView, position: number, length: number): void {
    const littleEndian = this.littleEndian;
    const iface: Interface = {
      linkType: view.getUint16(position + 8, littleEndian),
      snapLength: view.getUint32(position + 12, littleEndian),
      name: undefined,
      unitsPerSecond: 1_000_000n,
      nanosMode: 'multiply',
      nanosFactor: 1000,
      unitsPerSecondNumber: 1_000_000,
      offsetSeconds: 0,
      cachedHigh: -1,
      cachedSeconds: 0,
      cachedRemainder: 0,
    };
    let decimals = 6;
    forEachOption(view, position + 16, position + length - 4, littleEndian, (code, valueStart, valueLength) => {
      if (code === OPTION_IF_NAME) {
        iface.name = utf8.decode(bytes.subarray(valueStart, valueStart + valueLength));
      } else if (code === OPTION_IF_TSRESOL && valueLength >= 1) {
        const tsresol = view.getUint8(valueStart);
        setResolution(iface, tsresol);
        const exponent = tsresol & 0x7f;
        decimals = Math.min(9, tsresol & 0x80 ? Math.ceil(exponent * Math.LOG10E * Math.LN2) : exponent);
      } else if (code === OPTION_IF_TSOFFSET && valueLength >= 8) {
        iface.offsetSeconds = Number(view.getBigInt64(valueStart, littleEndian));
      }
    });
    if (this.interfaces.length === 0 && this.info !== undefined && this.info.linkType === -1) {
      this.info.linkType = iface.linkType;
      this.info.snapLength = iface.snapLength;
      this.info.timeDecimals = decimals;
    }
    this.interfaces.push(iface);
  }

  /**
   * Enhanced and obsolete packet blocks share their layout from offset 12 on (timestamp high and low,
   * captured length, original length, data, options); only the interface id before it differs.
   * Fields are read here rather than passed in, so 32-bit values never need boxing on the way.
   */
  private packet(bytes: Uint8Array, view: DataView, position: number, length: number, interfaceId: number): Frame | undefined {
    const littleEndian = this.littleEndian;
    const iface = this.interfaces[interfaceId];
    if (iface === undefined) {
      this.fail(`packet ${this.nextNumber} names interface ${interfaceId}, but its section describes ${this.interfaces.length}`, position);
      return undefined;
    }
    const capturedLength = view.getUint32(position + 20, littleEndian);
    const dataStart = position + 28;
    const optionsEnd = position + length - 4;
    if (capturedLength > MAX_CAPTURED_LENGTH || dataStart + capturedLength > optionsEnd) {
      this.fail(`packet ${this.nextNumber} claims ${capturedLength} captured bytes in a ${length}-byte block`, position);
      return undefined;
    }
    const optionsStart = dataStart + ((capturedLength + 3) & ~3);
    const comments = optionsStart < optionsEnd ? readComments(bytes, view, optionsStart, optionsEnd, littleEndian) : undefined;
    this.setTime(iface, view, position + 12);
    return {
      number: this.nextNumber++,
      seconds: this.seconds,
      nanos: this.nanos,
      capturedLength,
      originalLength: view.getUint32(position + 24, littleEndian),
      linkType: iface.linkType,
      bytes: bytes.subarray(dataStart, dataStart + capturedLength),
      interfaceId,
      interfaceName: iface.name,
      section: this.sections,
      comments,
    };
  }

  private simplePacket(bytes: Uint8Array, view: DataView, position: number, length: number): Frame | undefined {
    const iface = this.interfaces[0];
    if (iface === undefined) {
      this.fail(`packet ${this.nextNumber} is a simple packet block, but its section describes no interface`, position);
      return undefined;
    }
    const originalLength = view.getUint32(position + 8, this.littleEndian);
    // The spec: captured length = min(original length, snapshot length); the block's room bounds it
    // too, so a lying original length cannot reach past the block.
    let capturedLength = Math.min(originalLength, length - 16);
    if (iface.snapLength !== 0) capturedLength = Math.min(capturedLength, iface.snapLength);
    const dataStart = position + 12;
    return {
      number: this.nextNumber++,
      seconds: 0,
      nanos: 0,
      capturedLength,
      originalLength,
      linkType: iface.linkType,
      bytes: bytes.subarray(dataStart, dataStart + capturedLength),
      interfaceId: 0,
      interfaceName: iface.name,
      section: this.sections,
      comments: undefined,
    };
  }

  /** Sets this.seconds and this.nanos from the 64-bit count of timestamp units at `offset`. */
  private setTime(iface: Interface, view: DataView, offset: number): void {
    const high = view.getUint32(offset, this.littleEndian);
    const low = view.getUint32(offset + 4, this.littleEndian);
    if (iface.nanosMode === 'exact') {
      const units = (BigInt(high) << 32n) | BigInt(low);
      this.seconds = Number(units / iface.unitsPerSecond) + iface.offsetSeconds;
      this.nanos = Number(((units % iface.unitsPerSecond) * 1_000_000_000n) / iface.unitsPerSecond);
      return;
    }
    if (high !== iface.cachedHigh) {
      const base = BigInt(high) << 32n;
      iface.cachedSeconds = Number(base / iface.unitsPerSecond);
      iface.cachedRemainder = Number(base % iface.unitsPerSecond);
      iface.cachedHigh = high;
    }
    // cachedRemainder < unitsPerSecond ≤ 10^15 and low < 2^32, so every step is exact in a double.
    const unitsPerSecond = iface.unitsPerSecondNumber;
    let remainder = iface.cachedRemainder + low;
    let carry = Math.floor(remainder / unitsPerSecond);
    remainder -= carry * unitsPerSecond;
    if (remainder < 0) {
      carry--;
      remainder += unitsPerSecond;
    } else if (remainder >= unitsPerSecond) {
      carry++;
      remainder -= unitsPerSecond;
    }
    this.seconds = iface.cachedSeconds + carry + iface.offsetSeconds;
    switch (iface.nanosMode) {
      case 'multiply':
        this.nanos = remainder * iface.nanosFactor;
        break;
      case 'divide':
        this.nanos = Math.floor(remainder / iface.nanosFactor);
        break;
      default:
        // Dividing by a power of two is exact in binary floating point.
        this.nanos = Math.floor((remainder * 1_000_000_000) / unitsPerSecond);
        break;
    }
  }
}

function setResolution(iface: Interface, tsresol: number): void {
  const exponent = tsresol & 0x7f;
  if ((tsresol & 0x80) === 0) {
    iface.unitsPerSecond = 10n ** BigInt(exponent);
    if (exponent <= 9) {
      iface.nanosMode = 'multiply';
      iface.nanosFactor = 10 ** (9 - exponent);
    } else if (exponent <= 15) {
      iface.nanosMode = 'divide';
      iface.nanosFactor = 10 ** (exponent - 9);
    } else {
      iface.nanosMode = 'exact';
    }
  } else {
    iface.unitsPerSecond = 1n << BigInt(exponent);
    // remainder × 10^9 must stay below 2^53 for the double arithmetic to be exact.
    iface.nanosMode = exponent <= 23 ? 'binary' : 'exact';
  }
  iface.unitsPerSecondNumber = Number(iface.unitsPerSecond);
}

function checkBlockLength(type: number, length: number): string | undefined {
  if (length % 4 !== 0 || length < minimumLength(type)) {
    return `block of type 0x${hex32(type)} has an impossible length of ${length} bytes`;
  }
  if (length > PCAPNG_MAX_BLOCK_LENGTH) {
    return `block of type 0x${hex32(type)} claims ${length} bytes (more than ${PCAPNG_MAX_BLOCK_LENGTH})`;
  }
  return undefined;
}

function readComments(bytes: Uint8Array, view: DataView, start: number, end: number, littleEndian: boolean): string[] | undefined {
  let comments: string[] | undefined;
  forEachOption(view, start, end, littleEndian, (code, valueStart, valueLength) => {
    if (code === OPTION_COMMENT) {
      (comments ??= []).push(utf8.decode(bytes.subarray(valueStart, valueStart + valueLength)));
    }
  });
  return comments;
}

/**
 * Walks an option list, stopping at opt_endofopt, at the end of the area, or at an option that
 * would run past it (a damaged list loses its tail, not the packet).
 */
function forEachOption(
  view: DataView,
  start: number,
  end: number,
  littleEndian: boolean,
  visit: (code: number, valueStart: number, valueLength: number) => void,
): void {
  let position = start;
  while (end - position >= 4) {
    const code = view.getUint16(position, littleEndian);
    const valueLength = view.getUint16(position + 2, littleEndian);
    if (code === OPTION_END) return;
    const valueStart = position + 4;
    if (valueStart + valueLength > end) return;
    visit(code, valueStart, valueLength);
    position = valueStart + ((valueLength + 3) & ~3);
  }
}
