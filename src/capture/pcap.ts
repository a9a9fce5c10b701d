/**
 * Classic pcap ("libpcap savefile"), as described in draft-ietf-opsawg-pcap and pcap-savefile(5).
 *
 * File header, 24 bytes, in the byte order of whoever wrote the file:
 *
 *    0                   1                   2                   3
 *   +---------------------------------------------------------------+
 *   | magic: a1b2c3d4 (µs timestamps) or a1b23c4d (ns timestamps)   |  0
 *   +-------------------------------+-------------------------------+
 *   | version major (2)             | version minor (4)             |  4
 *   +-------------------------------+-------------------------------+
 *   | reserved (once "thiszone")                                    |  8
 *   | reserved (once "sigfigs")                                     | 12
 *   | snapshot length                                               | 16
 *   +-------+-+-+-------------------+-------------------------------+
 *   |FCS len|r|F| reserved          | link type                     | 20
 *   +-------+-+-+-------------------+-------------------------------+
 *
 * Then records, each a 16-byte header followed by the captured bytes:
 *
 *   | timestamp seconds | timestamp µs or ns | captured length | original length | data … |
 *
 * The magic read in our byte order tells both the writer's byte order and the timestamp unit.
 */
import { CaptureFormatError } from './frame.js';
import type { CaptureInfo, Frame, FormatDecoder, FrameCallback } from './frame.js';

export const PCAP_HEADER_LENGTH = 24;
export const PCAP_RECORD_HEADER_LENGTH = 16;

/**
 * The largest captured length believed. libpcap's own limit is 262144 bytes for most link types;
 * four times that leaves room for the few link types allowed more (D-Bus, USB) while a corrupt length
 * such as 0x7fffffff is still caught before it makes anyone buffer the rest of the file.
 */
export const PCAP_MAX_CAPTURED_LENGTH = 262144 * 4;

export const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;
export const PCAP_MAGIC_NANOSECONDS = 0xa1b23c4d;

/** Tells whether four bytes start a classic pcap file, in either byte order and either resolution. */
export function isPcapMagic(bytes: Uint8Array, offset = 0): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 4);
  const big = view.getUint32(0, false);
  const little = view.getUint32(0, true);
  return (
    big === PCAP_MAGIC_MICROSECONDS ||
    big === PCAP_MAGIC_NANOSECONDS ||
    little === PCAP_MAGIC_MICROSECONDS ||
    little === PCAP_MAGIC_NANOSECONDS
  );
}

export class PcapDecoder implements FormatDecoder {
  info: CaptureInfo | undefined = undefined;
  nextNumber = 1;
  needed = PCAP_HEADER_LENGTH;
  headerComplete = false;
  readonly headerName = 'pcap header';
  stopped = false;
  corrupt: string | undefined = undefined;

  private littleEndian = true;
  /** Multiplier from the record's sub-second field to nanoseconds: 1000 for µs files, 1 for ns files. */
  private nanosPerUnit = 1000;
  private linkType = 0;

  decode(bytes: Uint8Array, start: number, end: number, onFrame: FrameCallback): number {
    if (this.stopped || this.corrupt !== undefined) return start;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let position = start;
    if (!this.headerComplete) {
      if (end - position < PCAP_HEADER_LENGTH) {
        this.needed = PCAP_HEADER_LENGTH;
        return position;
      }
      this.readHeader(view, position);
      position += PCAP_HEADER_LENGTH;
    }

    const littleEndian = this.littleEndian;
    const nanosPerUnit = this.nanosPerUnit;
    const linkType = this.linkType;
    while (end - position >= PCAP_RECORD_HEADER_LENGTH) {
      const capturedLength = view.getUint32(position + 8, littleEndian);
      if (capturedLength > PCAP_MAX_CAPTURED_LENGTH) {
        this.corrupt =
          `packet ${this.nextNumber} claims ${capturedLength} captured bytes (more than ` +
          `${PCAP_MAX_CAPTURED_LENGTH}); the file is corrupt from there on`;
        return position;
      }
      const dataStart = position + PCAP_RECORD_HEADER_LENGTH;
      const dataEnd = dataStart + capturedLength;
      if (dataEnd > end) {
        this.needed = PCAP_RECORD_HEADER_LENGTH + capturedLength;
        return position;
      }
      let seconds = view.getUint32(position, littleEndian);
      let nanos = view.getUint32(position + 4, littleEndian) * nanosPerUnit;
      if (nanos >= 1_000_000_000) {
        // A sub-second field of a second or more is invalid (tcpdump prints it as an overflow, tshark
        // prints the digits as they are). Carrying it into the seconds keeps the instant it encodes
        // and keeps `nanos` within the range the Frame promises.
        seconds += Math.floor(nanos / 1_000_000_000);
        nanos %= 1_000_000_000;
      }
      const frame: Frame = {
        number: this.nextNumber++,
        seconds,
        nanos,
        capturedLength,
        originalLength: view.getUint32(position + 12, littleEndian),
        linkType,
        bytes: bytes.subarray(dataStart, dataEnd),
        interfaceId: 0,
        interfaceName: undefined,
        comments: undefined,
      };
      position = dataEnd;
      if (onFrame(frame) === false) {
        this.stopped = true;
        return position;
      }
    }
    this.needed = PCAP_RECORD_HEADER_LENGTH;
    return position;
  }

  private readHeader(view: DataView, offset: number): void {
    const asLittle = view.getUint32(offset, true);
    const asBig = view.getUint32(offset, false);
    if (asLittle === PCAP_MAGIC_MICROSECONDS || asLittle === PCAP_MAGIC_NANOSECONDS) {
      this.littleEndian = true;
    } else if (asBig === PCAP_MAGIC_MICROSECONDS || asBig === PCAP_MAGIC_NANOSECONDS) {
      this.littleEndian = false;
    } else {
      throw new CaptureFormatError(`not a pcap file (unknown magic 0x${hex32(asBig)})`);
    }
    const magic = this.littleEndian ? asLittle : asBig;
    const nanosecond = magic === PCAP_MAGIC_NANOSECONDS;
    this.nanosPerUnit = nanosecond ? 1 : 1000;

    const linkField = view.getUint32(offset + 20, this.littleEndian);
    // Only the low 16 bits are the link type; the top bits may carry the FCS length, and readers are
    // told to ignore the reserved bits between.
    this.linkType = linkField & 0xffff;
    const fcsKnown = (linkField & 0x04000000) !== 0;
    this.info = {
      format: nanosecond ? 'pcap-nsec' : 'pcap',
      timeDecimals: nanosecond ? 9 : 6,
      linkType: this.linkType,
      snapLength: view.getUint32(offset + 16, this.littleEndian),
      gzip: false,
      // The 4-bit FCS length counts 16-bit units.
      fcsLength: fcsKnown ? (linkField >>> 28) * 2 : undefined,
    };
    this.headerComplete = true;
  }
}

export function hex32(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}
