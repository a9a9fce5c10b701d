/**
 * A frame as a capture source hands it over: raw bytes plus the metadata the file or device recorded.
 * Sources know nothing of dissection.
 */
export interface Frame {
  /** 1-based position in the capture. */
  number: number;
  /** Seconds since the Unix epoch, integer part. */
  seconds: number;
  /** Nanoseconds within that second (0 … 999,999,999); kept apart so nanosecond files keep full precision. */
  nanos: number;
  /** Bytes actually present in the capture (after snaplen). */
  capturedLength: number;
  /** Bytes the packet had on the wire. */
  originalLength: number;
  /** LINKTYPE_* value of the interface this frame came from. */
  linkType: number;
  /** The captured bytes. May be a view into a reused buffer: copy it to keep it past the next frame. */
  bytes: Uint8Array;
  /** pcapng interface index (0 for classic pcap and live sources). */
  interfaceId: number;
  /** Interface name where the file records one. */
  interfaceName?: string;
  /** pcapng: which section of the file (from 1) the frame is in; undefined for other sources. */
  section?: number;
  /**
   * pcapng Decryption Secrets Blocks read since the previous frame: keys the capture carries for the
   * frames after them (type 0x544c534b, "TLSK": a TLS key log in NSS format).
   */
  secrets?: { type: number; data: Uint8Array }[];
  /** pcapng packet comments (opt_comment). */
  comments?: string[];
}

/** What a reader learned about the file as a whole. */
export interface CaptureInfo {
  format: 'pcap' | 'pcap-nsec' | 'pcapng';
  /**
   * Link type of the first interface (pcap: the only one). A pcapng file has it only once its first
   * Interface Description Block has been read; until then it is -1.
   */
  linkType: number;
  /** Snapshot length of the first interface; 0 where the file leaves it unlimited or unknown. */
  snapLength: number;
  gzip: boolean;
  /**
   * Classic pcap only: bytes of frame check sequence at the end of every frame, when the header's
   * link-type field says so (its F bit); undefined when the file does not say.
   */
  fcsLength?: number;
  /**
   * Decimal digits the file's timestamps carry (6 for microseconds, 9 for nanoseconds; pcapng: the
   * first interface's if_tsresol, capped at 9), so times are shown with the precision recorded.
   */
  timeDecimals: number;
}

/** Raised when the input is not a capture at all; the CLI prints `file: message`. */
export class CaptureFormatError extends Error {
  override name = 'CaptureFormatError';
}

/** A frame source: reads to the end (or until told to stop), one frame at a time. */
export interface FrameSource {
  /** Known once the file header has been read. */
  info: CaptureInfo | undefined;
  /**
   * Set when the input ended inside a packet, or when the rest of the input was found corrupt and
   * reading stopped there: the number the first lost packet would have had.
   */
  truncatedAt: number | undefined;
  /** When truncatedAt is set: why reading stopped, as one sentence a person can act on. */
  stopReason?: string;
  /**
   * Calls onFrame for every frame, in order; onFrame returns false to stop early. `between` is awaited
   * after each chunk of input so a consumer can apply back-pressure (e.g. wait for stdout to drain).
   * Rejects with CaptureFormatError when the input is not a capture.
   */
  run(onFrame: (frame: Frame) => boolean | void, between?: () => Promise<void> | void): Promise<void>;
}

/** Called once per frame; returning false stops reading. */
export type FrameCallback = (frame: Frame) => boolean | void;

/**
 * One capture format's decoder, driven by the push parser in open.ts. Each call gets the bytes that
 * are available; it decodes whole records only and returns where it stopped. The caller keeps the rest
 * and hands it back, followed by more input, on the next call — so a record may arrive in any number
 * of pieces and the decoder itself never buffers.
 */
export interface FormatDecoder {
  readonly info: CaptureInfo | undefined;
  /** The number the next frame will get. */
  readonly nextNumber: number;
  /**
   * After decode() stopped before `end`: how many bytes, counted from where it stopped, the next
   * record needs before it can be decoded (at least one more than it was given).
   */
  readonly needed: number;
  /** True once the file header (pcap) or first section header (pcapng) has been read. */
  readonly headerComplete: boolean;
  /** What the header is called in messages: "pcap header", "pcapng section header". */
  readonly headerName: string;
  /** True once onFrame returned false. */
  readonly stopped: boolean;
  /** Set when the input turned out to be corrupt: what was wrong. Nothing more can be decoded. */
  readonly corrupt: string | undefined;
  /** Decodes whole records in bytes[start, end) and returns the offset of the first byte not used. */
  decode(bytes: Uint8Array, start: number, end: number, onFrame: FrameCallback): number;
}
