/**
 * TCP — RFC 9293, with the options of RFC 7323 (window scale, timestamps), RFC 2018 (SACK),
 * RFC 7413 (Fast Open) and RFC 5482 (user timeout); ECN bits from RFC 3168, the AE bit from AccECN.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |          Source Port          |       Destination Port        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                        Sequence Number                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Acknowledgment Number                      |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Data |     |A|C|E|U|A|P|R|S|F|                               |
 *   | Offset| Rsv |E|W|C|R|C|S|S|Y|I|            Window             |
 *   |       |     | |R|E|G|K|H|T|N|N|                               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           Checksum            |         Urgent Pointer        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |        Options: (Data Offset − 5) × 4 bytes of kind/length/value      |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                             data                              |
 *
 * Three jobs, in this order per segment:
 *  1. the header and its options, shown as Wireshark shows them (relative sequence numbers per
 *     direction, counted from the SYN or from the first segment seen);
 *  2. Wireshark's sequence analysis (tcp.analysis.*): retransmissions, lost and out-of-order segments,
 *     duplicate ACKs, window and keep-alive events, computed in one pass from what came before;
 *  3. handing the byte stream up: only in-order, new bytes go to the payload dissector, with a
 *     StreamDirection per direction (engine/stream.ts) so protocols above can span segments.
 *     Retransmitted bytes are not passed again; bytes ahead of a gap are held (bounded) until the gap
 *     fills; when the gap is known lost (the receiver acknowledged past it, or the hold limit is hit)
 *     the stream resynchronises after it.
 * The checksum is verified only with `-o tcp.check_checksum:TRUE`, as in Wireshark, because captures
 * taken on the sending host carry checksums the network card fills in later.
 */
import { FT, type FieldDef, field } from '../engine/fields.js';
import { protocol, table, dispatchPorts } from '../engine/dispatch.js';
import { keepCopy, type Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import { type Node, Severity, textField } from '../engine/tree.js';
import type { Conversation } from '../engine/session.js';
import { setBitNames } from '../engine/format.js';
import { StreamDirection, reassemblyFields, type StreamData } from '../engine/stream.js';
import type { IpPayloadInfo } from './ip.js';
import { checksumStatusField, ChecksumStatus, internetChecksum, pseudoHeaderSum } from './checksum.js';
import { preference } from '../engine/prefs.js';

const relativePref = preference('tcp.relative_sequence_numbers', 'bool', 'FALSE: show raw sequence and acknowledgement numbers instead of ones relative to the first seen.');
const checkChecksumPref = preference('tcp.check_checksum', 'bool', 'TRUE: verify TCP checksums (off by default, as in Wireshark).');
const desegmentPref = preference('tcp.desegment_tcp_streams', 'bool', 'FALSE: do not put messages that span TCP segments back together.');

const FIN = 0x001;
const SYN = 0x002;
const RST = 0x004;
const PSH = 0x008;
const ACK = 0x010;
const URG = 0x020;
const ECE = 0x040;
const CWR = 0x080;
const AE = 0x100;
const RESERVED = 0xe00;

/** The experiment identifier of TCP Fast Open sent as an experimental option, before kind 34 was assigned (RFC 7413). */
const TFO_EXID = 0xf989;
/** Experiment identifiers of the Accurate ECN option in its two counter orders, before kinds 172 and 174. */
const ACC_ECN_EXID_0 = 0xacc0;
const ACC_ECN_EXID_1 = 0xacc1;

const optionKinds: Record<number, string> = {
  0: 'End of Option List', 1: 'No-Operation', 2: 'Maximum Segment Size', 3: 'Window Scale', 4: 'SACK Permitted', 5: 'SACK',
  6: 'Echo', 7: 'Echo Reply', 8: 'Time Stamp Option', 9: 'Partial Order Connection Permitted', 10: 'Partial Order Service Profile',
  11: 'CC', 12: 'CC.NEW', 13: 'CC.ECHO', 14: 'TCP Alternate Checksum Request', 15: 'TCP Alternate Checksum Data', 16: 'Skeeter',
  17: 'Bubba', 18: 'Trailer Checksum Option', 19: 'MD5 Signature Option', 20: 'SCPS Capabilities', 21: 'Selective Negative Acknowledgements',
  22: 'Record Boundaries', 23: 'Corruption experienced', 24: 'SNAP', 25: 'Unassigned', 26: 'TCP Compression Filter',
  27: 'Quick-Start Response', 28: 'User Timeout Option', 29: 'The TCP Authentication Option', 30: 'Multipath TCP',
  34: 'TCP Fast Open Cookie', 76: 'Riverbed Probe', 78: 'Riverbed Transparency', 172: 'Accurate ECN Order 0', 174: 'Accurate ECN Order 1',
  253: 'RFC3692-style Experiment 1', 254: 'RFC3692-style Experiment 2',
};

const mptcpSubtypes: Record<number, string> = {
  0: 'Multipath Capable', 1: 'Join Connection', 2: 'Data Sequence Signal', 3: 'Add Address', 4: 'Remove Address',
  5: 'Change Subflow Priority', 6: 'TCP Fallback', 7: 'Fast TCP Close', 8: 'TCP Reset',
};

const flagBit = (abbrev: string, name: string, mask: number, description: string) =>
  field(abbrev, name, FT.Bool, description, { bitmask: mask, bitWidth: 12 });

/** Bits of tcp.completeness: which parts of a connection have been seen. */
const enum Seen {
  Syn = 1,
  SynAck = 2,
  Ack = 4,
  Data = 8,
  Fin = 16,
  Rst = 32,
  Handshake = Syn | SynAck | Ack,
}

/** Wireshark's names for a completeness value: a handshake and an end make a connection complete. */
function completenessName(bits: number): string {
  if ((bits & Seen.Handshake) === Seen.Handshake && bits & (Seen.Fin | Seen.Rst)) return bits & Seen.Data ? 'Complete, WITH_DATA' : 'Complete, NO_DATA';
  switch (bits) {
    case Seen.Syn:
      return 'Incomplete, SYN_SENT';
    case Seen.Syn | Seen.SynAck:
      return 'Incomplete, CLIENT_ESTABLISHED';
    case Seen.Handshake:
      return 'Incomplete, ESTABLISHED';
    case Seen.Handshake | Seen.Data:
      return 'Incomplete, DATA';
    default:
      return 'Incomplete';
  }
}

/**
 * What a segment adds to its connection's completeness, as tshark counts (checked segment by segment
 * against tshark 4.0): a SYN or SYN-ACK counts as that alone, even with data (except the SYN that
 * opens the connection, see below); other segments count only with ACK set — as data when they
 * carry any, else as an ACK — and a FIN with them; a RST always counts.
 */
function seenIn(flags: number, seglen: number): number {
  let bits = flags & SYN ? (flags & ACK ? Seen.SynAck : Seen.Syn) : flags & ACK ? (seglen > 0 ? Seen.Data : Seen.Ack) | (flags & FIN ? Seen.Fin : 0) : 0;
  if (flags & RST) bits |= Seen.Rst;
  return bits;
}

const hf = {
  srcport: field('tcp.srcport', 'Source Port', FT.UInt16, 'The port of the sending program; with the address it names one end of the connection.'),
  dstport: field('tcp.dstport', 'Destination Port', FT.UInt16, 'The port of the receiving program; well-known ports (80 for HTTP, 443 for TLS) name the service.'),
  port: field('tcp.port', 'Source or Destination Port', FT.UInt16, 'Either port of the segment: a filter on tcp.port matches traffic in both directions.'),
  stream: field('tcp.stream', 'Stream index', FT.UInt32, 'A number vpnscope gives each TCP connection, counting from 0, so one conversation can be picked out.'),
  completeness: field('tcp.completeness', 'Conversation completeness', FT.UInt8, 'What this connection has shown so far, before this segment, as a sum of bits: 1 SYN, 2 SYN-ACK, 4 ACK, 8 data, 16 FIN, 32 RST. 31 (or 47, 63) is a whole connection with data: handshake, data and an end.', { values: completenessName }),
  len: field('tcp.len', 'TCP Segment Len', FT.UInt32, 'How many bytes of application data this segment carries after its header.'),
  seq: field('tcp.seq', 'Sequence Number', FT.UInt32, 'Position of the first data byte in the sender\'s byte stream, shown relative to the start of the connection (0 = the SYN).'),
  seqRaw: field('tcp.seq_raw', 'Sequence Number (raw)', FT.UInt32, 'The sequence number exactly as sent; each side starts from a random value chosen at connection set-up.'),
  nxtseq: field('tcp.nxtseq', 'Next Sequence Number', FT.UInt32, 'The sequence number the sender will use next: this segment\'s number plus its data length (SYN and FIN count as one byte).'),
  ack: field('tcp.ack', 'Acknowledgment Number', FT.UInt32, 'The next byte the sender expects from the other side: everything before it has arrived (relative, when the ACK flag is set).'),
  ackRaw: field('tcp.ack_raw', 'Acknowledgment number (raw)', FT.UInt32, 'The acknowledgment number exactly as sent, in the other side\'s raw sequence space.'),
  hdrLen: field('tcp.hdr_len', 'Header Length', FT.UInt8, 'Size of the TCP header including options, from the 4-bit data offset counted in 32-bit words.', { unit: ' bytes' }),
  flags: field('tcp.flags', 'Flags', FT.UInt16, 'The 12 control bits of the segment (SYN, ACK, FIN, RST, PSH, URG and the ECN bits).', { base: 'hex' }),
  flagsRes: flagBit('tcp.flags.res', 'Reserved', RESERVED, 'Three bits kept for future use; senders must leave them zero.'),
  flagsAe: flagBit('tcp.flags.ae', 'Accurate ECN', AE, 'Part of the Accurate ECN counter (formerly the ECN nonce bit, NS).'),
  flagsCwr: flagBit('tcp.flags.cwr', 'Congestion Window Reduced', CWR, 'The sender slowed down in answer to an ECN congestion signal.'),
  flagsEce: flagBit('tcp.flags.ece', 'ECN-Echo', ECE, 'Echoes a congestion mark back to the sender (or, on a SYN, offers ECN).'),
  flagsAce: field('tcp.flags.ace', 'ACE', FT.UInt8, 'Accurate ECN: once both SYNs agreed on it, the AE, CWR and ECE bits together count the congestion-marked packets received (modulo 8).', { bitmask: AE | CWR | ECE, bitWidth: 12 }),
  flagsUrg: flagBit('tcp.flags.urg', 'Urgent', URG, 'The urgent pointer field is meaningful: some data should be handled ahead of the rest.'),
  flagsAck: flagBit('tcp.flags.ack', 'Acknowledgment', ACK, 'The acknowledgment number is valid; set on every segment after the first SYN.'),
  flagsPush: flagBit('tcp.flags.push', 'Push', PSH, 'Asks the receiver to hand the data to the application without waiting for more.'),
  flagsReset: flagBit('tcp.flags.reset', 'Reset', RST, 'Aborts the connection at once, without the usual FIN exchange.'),
  flagsSyn: flagBit('tcp.flags.syn', 'Syn', SYN, 'Synchronise: opens a connection and carries the sender\'s initial sequence number.'),
  flagsFin: flagBit('tcp.flags.fin', 'Fin', FIN, 'The sender has no more data to send: one half of the connection closes.'),
  flagsStr: field('tcp.flags.str', 'TCP Flags', FT.String, 'The flags as one letter per bit, dots for bits not set, in wire order (R R R A C E U A P R S F).'),
  windowValue: field('tcp.window_size_value', 'Window', FT.UInt16, 'The receive window as written in the header, before any window scaling.'),
  window: field('tcp.window_size', 'Calculated window size', FT.UInt32, 'How many more bytes the sender of this segment is ready to receive: the window field times the scale agreed in the SYNs.'),
  windowScale: field('tcp.window_size_scalefactor', 'Window size scaling factor', FT.Int32, 'The multiplier for the window field agreed in the handshake; -1 when the handshake was not seen, -2 when scaling is not used.'),
  checksum: field('tcp.checksum', 'Checksum', FT.UInt16, 'A 16-bit sum over the segment and the IP addresses that lets the receiver detect corruption.', { base: 'hex' }),
  checksumCalculated: field('tcp.checksum_calculated', 'Calculated Checksum', FT.UInt16, 'The checksum vpnscope computed over the segment, to compare with the one sent.', { base: 'hex' }),
  urgentPointer: field('tcp.urgent_pointer', 'Urgent Pointer', FT.UInt16, 'With the URG flag: offset from the sequence number to the end of the urgent data.'),
  options: field('tcp.options', 'TCP Options', FT.Bytes, 'Optional header fields after the fixed 20 bytes, each a kind byte, usually a length byte and a value.'),
  optionKind: field('tcp.option_kind', 'Kind', FT.UInt8, 'Which option this is (2 = maximum segment size, 8 = timestamps …).', { values: optionKinds }),
  optionLen: field('tcp.option_len', 'Length', FT.UInt8, 'Size of the whole option in bytes, counting the kind and length bytes.'),
  optEol: field('tcp.options.eol', 'TCP Option - End of Option List (EOL)', FT.Bytes, 'Marks the end of the option list; any bytes after it are padding.'),
  optNop: field('tcp.options.nop', 'TCP Option - No-Operation (NOP)', FT.Bytes, 'A one-byte filler used to align the next option on a 4-byte boundary.'),
  optMss: field('tcp.options.mss', 'TCP Option - Maximum segment size', FT.Bytes, 'Sent in a SYN: the largest segment payload the sender can receive.'),
  mssVal: field('tcp.options.mss_val', 'MSS Value', FT.UInt16, 'The largest TCP payload, in bytes, the sender of the SYN is prepared to receive in one segment.'),
  mssPresent: field('tcp.options.mss.present', 'The non-SYN packet does contain a MSS option', FT.None, 'A maximum segment size option only has meaning in a SYN.'),
  mssAbsent: field('tcp.options.mss.absent', 'The SYN packet does not contain a MSS option', FT.None, 'A SYN with options but no MSS leaves the peer to assume the 536-byte default.'),
  optWscale: field('tcp.options.wscale', 'TCP Option - Window scale', FT.Bytes, 'Sent in a SYN: the power of two by which this side\'s window field is to be multiplied.'),
  wscaleShift: field('tcp.options.wscale.shift', 'Shift count', FT.UInt8, 'The window scale as a power of two (0 to 14).'),
  wscaleMultiplier: field('tcp.options.wscale.multiplier', 'Multiplier', FT.UInt16, 'Two to the power of the shift count: what the window field is multiplied by.'),
  wscaleInvalid: field('tcp.options.wscale.shift.invalid', 'Window scale shift exceeds 14', FT.None, 'RFC 7323 caps the shift at 14; larger values are treated as 14.'),
  optSackPerm: field('tcp.options.sack_perm', 'TCP Option - SACK permitted', FT.Bytes, 'Sent in a SYN: this side understands selective acknowledgments.'),
  optSack: field('tcp.options.sack', 'TCP Option - SACK', FT.Bytes, 'Selective acknowledgment: blocks of data that arrived beyond a gap, so only the gap is resent.'),
  sackLe: field('tcp.options.sack_le', 'TCP SACK Left Edge', FT.UInt32, 'First sequence number of a block that arrived (relative to the other side\'s start).'),
  sackRe: field('tcp.options.sack_re', 'TCP SACK Right Edge', FT.UInt32, 'Sequence number just after a block that arrived (relative to the other side\'s start).'),
  sackCount: field('tcp.options.sack.count', 'TCP SACK Count', FT.UInt8, 'How many received blocks this SACK option lists.'),
  dsackLe: field('tcp.options.sack.dsack_le', 'TCP D-SACK Left Edge', FT.UInt32, 'Start of a block reported as received twice (a duplicate SACK, RFC 2883).'),
  dsackRe: field('tcp.options.sack.dsack_re', 'TCP D-SACK Right Edge', FT.UInt32, 'End of a block reported as received twice (a duplicate SACK, RFC 2883).'),
  dsack: field('tcp.options.sack.dsack', 'D-SACK Sequence', FT.None, 'The first SACK block reports data that arrived twice: a sign of a needless retransmission.'),
  optTimestamp: field('tcp.options.timestamp', 'TCP Option - Timestamps', FT.Bytes, 'A sender clock value and the last value seen from the other side, for round-trip timing and wrap protection.'),
  tsval: field('tcp.options.timestamp.tsval', 'Timestamp value', FT.UInt32, 'The sender\'s timestamp clock when the segment was sent.'),
  tsecr: field('tcp.options.timestamp.tsecr', 'Timestamp echo reply', FT.UInt32, 'The most recent timestamp value received from the other side, echoed back.'),
  optEcho: field('tcp.options.echo', 'TCP Option - Echo', FT.Bytes, 'An obsolete round-trip measurement option (RFC 1072): a value the other side should echo.'),
  optEchoReply: field('tcp.options.echoreply', 'TCP Option - Echo reply', FT.Bytes, 'An obsolete round-trip measurement option (RFC 1072) echoing the other side\'s value.'),
  echoValue: field('tcp.options.echo_value', 'TCP Echo Option', FT.UInt32, 'The 32-bit value carried by an echo or echo-reply option.'),
  optMd5: field('tcp.options.md5', 'TCP Option - TCP MD5 signature', FT.Bytes, 'An MD5 digest protecting the segment (RFC 2385), used mostly between BGP routers.'),
  md5Digest: field('tcp.options.md5.digest', 'MD5 digest', FT.Bytes, 'The 16-byte MD5 signature of the segment and a shared key.'),
  optUserTo: field('tcp.options.user_to', 'TCP Option - User Timeout', FT.Bytes, 'How long the sender will wait for data to be acknowledged before giving up (RFC 5482).'),
  userToGranularity: field('tcp.options.user_to_granularity', 'Granularity', FT.Bool, 'Whether the user timeout is counted in minutes (set) or seconds.', { bitmask: 0x8000, bitWidth: 16, trueFalse: ['Minutes', 'Seconds'] }),
  userToVal: field('tcp.options.user_to_val', 'User Timeout', FT.UInt16, 'The timeout value, in the unit the granularity bit gives.', { bitmask: 0x7fff, bitWidth: 16 }),
  optTfo: field('tcp.options.tfo', 'TCP Option - TCP Fast Open', FT.Bytes, 'TCP Fast Open (RFC 7413): a cookie that lets a later SYN carry data.'),
  tfoRequest: field('tcp.options.tfo.request', 'Fast Open Cookie Request', FT.None, 'An empty Fast Open option: the client asks the server for a cookie.'),
  tfoCookie: field('tcp.options.tfo.cookie', 'Fast Open Cookie', FT.Bytes, 'The server-issued cookie that authorises data in a SYN.'),
  accEcn: field('tcp.options.acc_ecn', 'TCP Option - Accurate ECN', FT.Bytes, 'Accurate ECN: byte counters of the ECN marks the receiver has seen, fed back to the sender.'),
  accEcnEe0b: field('tcp.options.acc_ecn.ee0b', 'Accurate ECN Echo ECT(0) Byte Counter', FT.UInt24, 'Bytes received in packets marked ECT(0), modulo 2^24.'),
  accEcnEceb: field('tcp.options.acc_ecn.eceb', 'Accurate ECN Echo CE Byte Counter', FT.UInt24, 'Bytes received in packets marked Congestion Experienced, modulo 2^24: the congestion signal itself.'),
  accEcnEe1b: field('tcp.options.acc_ecn.ee1b', 'Accurate ECN Echo ECT(1) Byte Counter', FT.UInt24, 'Bytes received in packets marked ECT(1) (as L4S traffic is), modulo 2^24.'),
  tfoSynCookie: field('tcp.analysis.tfo_syn', 'TCP SYN with TFO Cookie', FT.None, 'A SYN that presents a Fast Open cookie: the data it carries may reach the server application before the handshake completes.'),
  optMptcp: field('tcp.options.mptcp', 'TCP Option - Multipath TCP', FT.Bytes, 'Multipath TCP (RFC 8684) signalling that lets one connection use several paths.'),
  mptcpSubtype: field('tcp.options.mptcp.subtype', 'Multipath TCP subtype', FT.UInt8, 'Which Multipath TCP message this option carries.', { values: mptcpSubtypes, bitmask: 0xf0, bitWidth: 8 }),
  optExperimental: field('tcp.options.experimental', 'TCP Option - Experimental', FT.Bytes, 'An experimental option (kinds 253 and 254), told apart by an experiment identifier.'),
  expExid: field('tcp.options.experimental.exid', 'Experiment Identifier', FT.UInt16, 'The 16-bit identifier saying which experiment the option belongs to (RFC 6994).', { base: 'hex', values: { [TFO_EXID]: 'Fast Open', [ACC_ECN_EXID_0]: 'Accurate ECN - Order 0', [ACC_ECN_EXID_1]: 'Accurate ECN - Order 1' } }),
  expData: field('tcp.options.experimental.data', 'Data', FT.Bytes, 'The experiment\'s own bytes, not decoded.'),
  optOther: field('tcp.options.unknown', 'TCP Option - Unknown', FT.Bytes, 'An option vpnscope does not decode; its bytes are shown as they are.'),
  unknownPayload: field('tcp.options.unknown.payload', 'Payload', FT.Bytes, 'The value bytes of an option that is not decoded.'),
  optLenInvalid: field('tcp.option.len.invalid', 'Invalid length for option', FT.None, 'An option\'s length byte is impossible or runs past the end of the header.'),
  nopRun: field('tcp.nop', '4 NOP in a row', FT.None, 'Four no-operation bytes in a row suggest a middlebox blanked out an option.'),
  nonZeroAfterEol: field('tcp.non_zero_bytes_after_eol', 'Non zero bytes in option space after EOL option', FT.None, 'Padding after the end-of-options marker should be zero.'),
  bogusHeaderLength: field('tcp.bogus_header_length', 'Bogus TCP header length', FT.None, 'The data offset says the header is shorter than the 20 bytes every TCP header has.'),
  shortSegment: field('tcp.short_segment', 'Short segment', FT.None, 'The segment ends before the header length it announces.'),
  ackNonzero: field('tcp.ack.nonzero', 'The acknowledgment number field is nonzero while the ACK flag is not set', FT.None, 'Without the ACK flag the acknowledgment number should be zero.'),
  urgentNonzero: field('tcp.urgent_pointer.non_zero', 'The urgent pointer field is nonzero while the URG flag is not set', FT.None, 'Without the URG flag the urgent pointer should be zero.'),
  checksumBad: field('tcp.checksum_bad.expert', 'Bad checksum', FT.None, 'The checksum does not match the segment: corrupted, or computed later by the network card.'),
  connSyn: field('tcp.connection.syn', 'Connection establish request (SYN)', FT.None, 'The first step of the three-way handshake.'),
  connSynAck: field('tcp.connection.synack', 'Connection establish acknowledge (SYN+ACK)', FT.None, 'The second step of the three-way handshake: the server accepts.'),
  connFin: field('tcp.connection.fin', 'Connection finish (FIN)', FT.None, 'One side has finished sending.'),
  connRst: field('tcp.connection.rst', 'Connection reset (RST)', FT.None, 'The connection was aborted.'),
  finActive: field('tcp.connection.fin_active', 'This frame initiates the connection closing', FT.None, 'The first FIN of the connection: this side starts the close.'),
  finPassive: field('tcp.connection.fin_passive', 'This frame undergoes the connection closing', FT.None, 'A FIN answering the other side\'s FIN.'),
  timeRelative: field('tcp.time_relative', 'Time since first frame in this TCP stream', FT.RelTime, 'Seconds since the first segment of this connection.', { unit: ' seconds' }),
  timeDelta: field('tcp.time_delta', 'Time since previous frame in this TCP stream', FT.RelTime, 'Seconds since the previous segment of this connection, in either direction.', { unit: ' seconds' }),
  analysis: field('tcp.analysis', 'SEQ/ACK analysis', FT.None, 'What vpnscope inferred by following sequence and acknowledgment numbers across the connection.'),
  analysisFlags: field('tcp.analysis.flags', 'TCP Analysis Flags', FT.None, 'The notable events the sequence analysis found in this segment.'),
  acksFrame: field('tcp.analysis.acks_frame', 'This is an ACK to the segment in frame', FT.FrameNum, 'The frame whose data (or SYN/FIN) this acknowledgment exactly covers.'),
  ackRtt: field('tcp.analysis.ack_rtt', 'The RTT to ACK the segment was', FT.RelTime, 'Time between that segment and this acknowledgment of it.', { unit: ' seconds' }),
  initialRtt: field('tcp.analysis.initial_rtt', 'iRTT', FT.RelTime, 'Initial round-trip time: from the SYN to the ACK that completes the handshake.', { unit: ' seconds' }),
  bytesInFlight: field('tcp.analysis.bytes_in_flight', 'Bytes in flight', FT.UInt32, 'Data this side has sent that the other side has not acknowledged yet.'),
  pushBytesSent: field('tcp.analysis.push_bytes_sent', 'Bytes sent since last PSH flag', FT.UInt32, 'Data sent since the previous segment that carried the PSH flag.'),
  retransmission: field('tcp.analysis.retransmission', 'This frame is a (suspected) retransmission', FT.None, 'The segment repeats data sent before: the sender thought it was lost.'),
  fastRetransmission: field('tcp.analysis.fast_retransmission', 'This frame is a (suspected) fast retransmission', FT.None, 'A retransmission right after duplicate ACKs asked for it, without waiting for a timeout.'),
  spuriousRetransmission: field('tcp.analysis.spurious_retransmission', 'This frame is a (suspected) spurious retransmission', FT.None, 'A retransmission of data the receiver had already acknowledged.'),
  outOfOrder: field('tcp.analysis.out_of_order', 'This frame is a (suspected) out-of-order segment', FT.None, 'The segment arrived after later data from the same sender.'),
  reusedPorts: field('tcp.analysis.reused_ports', 'A new tcp session is started with the same ports as an earlier session in this trace', FT.None, 'A new SYN on an address/port pair seen before: a new connection, numbered as a new stream.'),
  lostSegment: field('tcp.analysis.lost_segment', 'Previous segment(s) not captured (common at capture start)', FT.None, 'Sequence numbers jumped ahead: earlier data was lost on the network or missed by the capture.'),
  ackLostSegment: field('tcp.analysis.ack_lost_segment', 'ACKed segment that wasn\'t captured (common at capture start)', FT.None, 'The acknowledgment covers data the capture never saw.'),
  windowUpdate: field('tcp.analysis.window_update', 'TCP window update', FT.None, 'A segment whose only news is a changed receive window.'),
  windowFull: field('tcp.analysis.window_full', 'TCP window specified by the receiver is now completely full', FT.None, 'This segment fills the receiver\'s advertised window: the sender must wait for an ACK.'),
  keepAlive: field('tcp.analysis.keep_alive', 'TCP keep-alive segment', FT.None, 'A probe re-sending the last byte (or none) to check the other side is still there.'),
  keepAliveAck: field('tcp.analysis.keep_alive_ack', 'ACK to a TCP keep-alive segment', FT.None, 'The answer to a keep-alive probe.'),
  duplicateAck: field('tcp.analysis.duplicate_ack', 'Duplicate ACK', FT.None, 'Repeats the previous acknowledgment: the receiver is missing data and got something after the gap.'),
  duplicateAckNum: field('tcp.analysis.duplicate_ack_num', 'Duplicate ACK #', FT.UInt32, 'How many times this acknowledgment has been repeated so far.'),
  duplicateAckFrame: field('tcp.analysis.duplicate_ack_frame', 'Duplicate to the ACK in frame', FT.FrameNum, 'The frame with the original acknowledgment being repeated.'),
  zeroWindowProbe: field('tcp.analysis.zero_window_probe', 'TCP Zero Window Probe', FT.None, 'One byte sent into a closed window to learn when it reopens.'),
  zeroWindow: field('tcp.analysis.zero_window', 'TCP Zero Window segment', FT.None, 'The receiver advertises a window of 0: its buffer is full and the sender must stop.'),
  zeroWindowProbeAck: field('tcp.analysis.zero_window_probe_ack', 'ACK to a TCP Zero Window Probe', FT.None, 'The answer to a zero-window probe.'),
  rto: field('tcp.analysis.rto', 'The RTO for this segment was', FT.RelTime, 'How long the sender waited before retransmitting (retransmission timeout).', { unit: ' seconds' }),
  rtoFrame: field('tcp.analysis.rto_frame', 'RTO based on delta from frame', FT.FrameNum, 'The frame the retransmission timeout is measured from.'),
  payload: field('tcp.payload', 'TCP payload', FT.Bytes, 'The data bytes this segment carries for the application.'),
};

/** tcp.segments, tcp.segment, tcp.segment.count, tcp.reassembled.length/data, tcp.segment_data. */
const reassembly = reassemblyFields('tcp', 'segment', 'TCP');

/** Application protocols over TCP attach here by port; heuristics run when no port matches. */
export const ports = table('tcp.port', 'TCP port');

// ---------------------------------------------------------------------------------------------
// Text that only depends on small values, built once instead of per packet.

const flagNames: [number, string][] = [[FIN, 'FIN'], [SYN, 'SYN'], [RST, 'RST'], [PSH, 'PSH'], [ACK, 'ACK'], [URG, 'URG'], [ECE, 'ECE'], [CWR, 'CWR'], [AE, 'AE'], [RESERVED, 'Reserved']];
const FLAG_LETTERS = 'RRRACEUAPRSF';

interface FlagText {
  /** "[SYN, ACK]" for the Info column. */
  info: string;
  /** "Flags: 0x012 (SYN, ACK)" for the tree. */
  label: string;
  /** "·······A··S·" (tcp.flags.str). */
  str: string;
}

/** By flags, plus ACE_TEXT when the connection negotiated Accurate ECN. */
const flagTexts = new Map<number, FlagText>();
const ACE_TEXT = 0x1000;

/**
 * The texts of a flags value. With Accurate ECN negotiated (`ace`), AE, CWR and ECE are one 3-bit
 * counter, shown as "ACE=n" after the other flags ("[ACK, ACE=2]", "···-2-·A····"), as tshark does.
 */
function flagText(flags: number, ace = false): FlagText {
  const key = ace ? flags | ACE_TEXT : flags;
  let t = flagTexts.get(key);
  if (!t) {
    const counter = (flags & (AE | CWR | ECE)) >> 6;
    const others = setBitNames(ace ? flags & ~(AE | CWR | ECE) : flags, flagNames);
    const names = ace ? (others ? `${others}, ACE=${counter}` : `ACE=${counter}`) : others || '<None>';
    let str = '';
    for (let i = 11; i >= 0; i--) {
      if (ace && i <= 8 && i >= 6) {
        if (i === 8) str += `-${counter}-`;
        continue;
      }
      str += flags & (1 << i) ? FLAG_LETTERS[11 - i] : '\u00b7';
    }
    t = { info: `[${names}]`, label: `Flags: 0x${flags.toString(16).padStart(3, '0')} (${names})`, str };
    flagTexts.set(key, t);
  }
  return t;
}

/** "1010 .... = Header Length: 40 bytes (10)" for each data offset. */
const headerLengthText = Array.from({ length: 16 }, (_, w) =>
  `${w.toString(2).padStart(4, '0')} .... = Header Length: ${w * 4} bytes (${w})`);

const RELATIVE_SEQ = '    (relative sequence number)';
const RELATIVE_ACK = '    (relative ack number)';

// ---------------------------------------------------------------------------------------------
// Per-connection state.

/** Wireshark's analysis flags (tcp_acked flags), one bit per event. */
const enum A {
  Retransmission = 0x1,
  LostPacket = 0x2,
  AckLostPacket = 0x4,
  KeepAlive = 0x8,
  DuplicateAck = 0x10,
  ZeroWindow = 0x20,
  ZeroWindowProbe = 0x40,
  ZeroWindowProbeAck = 0x80,
  KeepAliveAck = 0x100,
  OutOfOrder = 0x200,
  FastRetransmission = 0x400,
  WindowUpdate = 0x800,
  WindowFull = 0x1000,
  ReusedPorts = 0x2000,
  SpuriousRetransmission = 0x4000,
}

/** A segment sent and not yet acknowledged, for acks_frame, RTT and bytes in flight. */
interface Unacked {
  frame: number;
  seq: number;
  nextSeq: number;
  time: number;
}

/** Payload that arrived ahead of a gap, kept until the gap fills. */
interface Held {
  seq: number;
  bytes: Uint8Array;
  frame: number;
}

/** Unacknowledged segments remembered per direction (Wireshark keeps up to 10000). */
const MAX_UNACKED = 2000;
/** Out-of-order bytes and segments held per direction before the gap is given up. */
const MAX_HELD_BYTES = 1024 * 1024;
const MAX_HELD_SEGMENTS = 256;
/** Every this many TCP frames, buffers of connections idle for IDLE_SECONDS are released. */
const SWEEP_EVERY = 8192;
const IDLE_SECONDS = 120;

/** One direction of a connection. Sequence numbers are raw 32-bit values; comparisons wrap. */
class Flow {
  // Sequence analysis.
  baseSeq = 0;
  baseSet = false;
  /** The WS option of this side's SYN: shift, or -2 when the SYN had none; -1 before the SYN. */
  synScale = -1;
  /** Window scale in use: shift (0..14), -1 unknown, -2 not used. */
  winScale = -1;
  /** Highest sequence number sent so far plus one (Wireshark's nextseq); valid when hasNext. */
  nextSeq = 0;
  hasNext = false;
  nextSeqFrame = 0;
  nextSeqTime = 0;
  /** Highest sequence number sent without a gap before it. */
  maxSeqToBeAcked = 0;
  hasMaxSeq = false;
  lastAck = 0;
  hasLastAck = false;
  lastAckTime = 0;
  /** Raw window field of the last segment; -1 before the first. */
  window = -1;
  dupAckNum = 0;
  lastNonDupAck = 0;
  lastSegmentFlags = 0;
  validBytesInFlight = true;
  pushBytesSent = 0;
  pushSetLast = false;
  unacked: Unacked[] = [];
  /** Bytes covered by the SACK blocks of this side's latest segment (at most three blocks, as Wireshark). */
  sackedBytes = 0;
  finSeen = false;
  /** Sequence number of this side's FIN (valid when finSeen). */
  finSeq = 0;

  // Delivery of the byte stream.
  readonly stream = new StreamDirection('TCP', undefined, reassembly);
  readonly data: StreamData = { direction: this.stream };
  /** Next byte to hand up; valid when deliverSet. */
  deliverNext = 0;
  deliverSet = false;
  held: Held[] = [];
  heldBytes = 0;
  /** Highest acknowledgment the other side sent for this direction's bytes. */
  peerAck = 0;
  peerAckSet = false;

  releaseBuffers(): void {
    this.held = [];
    this.heldBytes = 0;
    this.stream.resync();
  }
}

class TcpConnection {
  /** Flow from the conversation's endpoint A, and from B. */
  readonly a = new Flow();
  readonly b = new Flow();
  firstTime: number;
  lastTime: number;
  /** Initial round-trip time (0 until the handshake completes). */
  irtt = 0;
  synTime = 0;
  synSeen = false;
  closed = false;
  /** tcp.completeness: the Seen bits of the segments before the current one. */
  completeness = 0;
  /** Whether a segment has been seen; the first counts only if it is a SYN (as in tshark). */
  started = false;
  /** Accurate ECN (RFC 9768): 1 once a SYN asked for it (AE, CWR and ECE set), 2 once the SYN-ACK agreed. */
  accEcn = 0;
  constructor(now: number) {
    this.firstTime = now;
    this.lastTime = now;
  }
}

const gt = (a: number, b: number) => ((a - b) | 0) > 0;
const lt = (a: number, b: number) => ((a - b) | 0) < 0;
const u32 = (v: number) => v >>> 0;

/** Results of the analysis for the current segment; one object reused for every packet. */
const ta = {
  /** Wireshark keeps per-frame analysis only when something was found: then the subtree is shown. */
  present: false,
  flags: 0,
  acksFrame: 0,
  ackRtt: 0,
  dupAckNum: 0,
  dupAckFrame: 0,
  rto: 0,
  rtoFrame: 0,
  bytesInFlight: 0,
  pushBytesSent: 0,
  reset(): void {
    this.present = false;
    this.flags = this.acksFrame = this.ackRtt = this.dupAckNum = this.dupAckFrame = 0;
    this.rto = this.rtoFrame = this.bytesInFlight = this.pushBytesSent = 0;
  },
};

/**
 * Wireshark's sequence analysis for one segment, in one pass: classifies it against what this
 * direction sent before and what the other direction acknowledged, then updates both.
 */
function analyze(fwd: Flow, rev: Flow, conn: TcpConnection, seq: number, ack: number, seglen: number, flags: number, window: number, now: number, frame: number): void {
  if (!fwd.baseSet) {
    // Without the SYN, start at 1 so data bytes count from 1 as they would after a SYN.
    fwd.baseSeq = flags & SYN ? seq : u32(seq - 1);
    fwd.baseSet = true;
  }
  if (!rev.baseSet && flags & ACK) {
    rev.baseSeq = u32(ack - 1);
    rev.baseSet = true;
  }
  if (flags & ACK) rev.validBytesInFlight = true;
  const notControl = (flags & (SYN | FIN | RST)) === 0;
  const sameAsBefore = fwd.hasNext && seq === fwd.nextSeq && fwd.hasLastAck && ack === fwd.lastAck;

  checks: {
    if (seglen === 1 && fwd.hasNext && seq === fwd.nextSeq && rev.window === 0) {
      ta.flags |= A.ZeroWindowProbe;
      break checks;
    }
    if (window === 0 && notControl) ta.flags |= A.ZeroWindow;
    if (fwd.hasNext && gt(seq, fwd.nextSeq) && (flags & RST) === 0) {
      ta.flags |= A.LostPacket;
      fwd.validBytesInFlight = false;
    }
    if (seglen <= 1 && fwd.hasNext && seq === u32(fwd.nextSeq - 1) && notControl) ta.flags |= A.KeepAlive;
    if (seglen === 0 && window !== 0 && window !== fwd.window && sameAsBefore && notControl) ta.flags |= A.WindowUpdate;
    if (seglen > 0 && rev.winScale !== -1 && rev.window >= 0 && rev.hasLastAck && notControl &&
        u32(seq + seglen) === u32(rev.lastAck + rev.window * 2 ** (rev.winScale < 0 ? 0 : rev.winScale))) {
      ta.flags |= A.WindowFull;
    }
    if (seglen === 0 && window !== 0 && window === fwd.window && sameAsBefore && rev.lastSegmentFlags & A.KeepAlive && notControl) {
      ta.flags |= A.KeepAliveAck;
      break checks;
    }
    if (seglen === 0 && window === 0 && window === fwd.window && sameAsBefore && rev.lastSegmentFlags & A.ZeroWindowProbe && notControl) {
      ta.flags |= A.ZeroWindowProbeAck;
      break checks;
    }
    if (seglen === 0 && window !== 0 && window === fwd.window && sameAsBefore && notControl) {
      fwd.dupAckNum = fwd.dupAckNum < 0 ? 1 : fwd.dupAckNum + 1;
      ta.flags |= A.DuplicateAck;
      ta.dupAckNum = fwd.dupAckNum;
      ta.dupAckFrame = fwd.lastNonDupAck;
    }
  }
  if (!fwd.hasLastAck || ack !== fwd.lastAck) {
    fwd.lastNonDupAck = frame;
    fwd.dupAckNum = 0;
  }
  if (rev.hasMaxSeq && gt(ack, rev.maxSeqToBeAcked) && flags & ACK) {
    // An ACK beyond everything the other side sent keeps coming until that side sends again: said
    // twice at most. Then the other side's data counts as acknowledgeable up to where it has got, so
    // the next ACK of data that was seen is not flagged for the same loss.
    if (rev.dupAckNum >= -1) {
      ta.present = true;
      ta.flags |= A.AckLostPacket;
    }
    rev.dupAckNum--;
    rev.maxSeqToBeAcked = rev.nextSeq;
  }

  // A segment that carries data (or SYN/FIN) without advancing the sequence is one of these.
  if (seglen > 0 || flags & (SYN | FIN)) {
    let notAdvanced = fwd.hasNext && lt(seq, fwd.nextSeq);
    retransmission: {
      if (ta.flags & A.KeepAlive) break retransmission;
      // New data starting one byte early follows a zero-window probe; it is not a retransmission.
      if (seglen > 1 && u32(fwd.nextSeq - 1) === seq) notAdvanced = false;
      // Data the receiver had already acknowledged.
      if (seglen > 0 && rev.hasLastAck && rev.lastAck !== 0 && !gt(u32(seq + seglen), rev.lastAck)) {
        ta.flags |= A.SpuriousRetransmission;
        break retransmission;
      }
      if (notAdvanced && rev.dupAckNum >= 2 && rev.lastAck === seq && now - rev.lastAckTime < 0.02) {
        ta.flags |= A.FastRetransmission;
        break retransmission;
      }
      const reorderWindow = conn.irtt > 0 ? conn.irtt : 0.003;
      if (notAdvanced && now - fwd.nextSeqTime < reorderWindow && fwd.nextSeq !== u32(seq + seglen + (flags & (SYN | FIN) ? 1 : 0))) {
        ta.flags |= A.OutOfOrder;
        break retransmission;
      }
      if (notAdvanced) {
        ta.flags |= A.Retransmission;
        // Measured from the oldest segment still unacknowledged: most likely the one resent.
        const eldest = fwd.unacked[0];
        ta.rto = now - (eldest ? eldest.time : fwd.nextSeqTime);
        ta.rtoFrame = eldest ? eldest.frame : fwd.nextSeqFrame;
      }
    }
  }

  let nextSeq = u32(seq + seglen);
  if ((seglen > 0 || flags & (SYN | FIN)) && fwd.unacked.length < MAX_UNACKED) {
    if (flags & (SYN | FIN)) nextSeq = u32(nextSeq + 1);
    fwd.unacked.push({ frame, seq, nextSeq, time: now });
  }
  const probe = (ta.flags & A.ZeroWindowProbe) !== 0;
  if ((!fwd.hasNext || gt(nextSeq, fwd.nextSeq)) && !probe) {
    fwd.nextSeq = nextSeq;
    fwd.hasNext = true;
    fwd.nextSeqFrame = frame;
    fwd.nextSeqTime = now;
  }
  if ((!fwd.hasMaxSeq || seq === fwd.maxSeqToBeAcked) && !probe && fwd.hasNext) {
    fwd.maxSeqToBeAcked = fwd.nextSeq;
    fwd.hasMaxSeq = true;
  }
  fwd.window = window;
  fwd.lastAck = ack;
  fwd.hasLastAck = true;
  fwd.lastAckTime = now;
  fwd.lastSegmentFlags = ta.flags;
  if (ta.flags) ta.present = true;

  // Forget the other side's segments this acknowledges; an exact match names the frame acked.
  const list = rev.unacked;
  if (list.length) {
    let removed = 0;
    for (let i = list.length - 1; i >= 0; i--) {
      const u = list[i]!;
      if (ack === u.nextSeq) {
        ta.present = true;
        ta.acksFrame = u.frame;
        ta.ackRtt = now - u.time;
      } else if (gt(ack, u.seq) && !gt(ack, u.nextSeq)) {
        u.seq = ack;
        continue;
      } else if (gt(u.nextSeq, ack)) {
        continue;
      }
      u.frame = -1;
      removed++;
    }
    if (removed) rev.unacked = list.filter((u) => u.frame >= 0);
  }

  const mine = fwd.unacked;
  if (seglen !== 0 && mine.length && fwd.validBytesInFlight) {
    ta.present = true;
    let first = u32(mine[0]!.seq - fwd.baseSeq);
    let last = u32(mine[0]!.nextSeq - fwd.baseSeq);
    for (let i = 1; i < mine.length; i++) {
      const s = u32(mine[i]!.seq - fwd.baseSeq);
      const e = u32(mine[i]!.nextSeq - fwd.baseSeq);
      if (e > last) last = e;
      if (s < first) first = s;
    }
    // Bytes the other side reported as received out of order (SACK) are not in flight.
    const inFlight = last - first - rev.sackedBytes;
    if (flags & PSH) {
      fwd.pushBytesSent = fwd.pushSetLast ? seglen : fwd.pushBytesSent + seglen;
      fwd.pushSetLast = true;
    } else if (fwd.pushSetLast) {
      fwd.pushBytesSent = seglen;
      fwd.pushSetLast = false;
    } else {
      fwd.pushBytesSent += seglen;
    }
    if (inFlight > 0 && inFlight < 2000000000) {
      // A SYN or FIN counts in the sequence space but is not a byte in flight.
      ta.bytesInFlight = flags & (SYN | FIN) ? inFlight - 1 : inFlight;
      ta.pushBytesSent = fwd.pushBytesSent;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Options.

/** What the connection state needs from the options, read before they are dissected. */
const scanned = { wsShift: -1, sackedBytes: 0 };

/** Reads the window-scale shift and the SACK block sizes without building anything. */
function scanOptions(buf: Buf, start: number, end: number): void {
  scanned.wsShift = -1;
  scanned.sackedBytes = 0;
  let o = start;
  const stop = Math.min(end, buf.length);
  for (let guard = 0; o < stop && guard < 40; guard++) {
    const kind = buf.u8(o);
    if (kind === 0) break;
    if (kind === 1) {
      o++;
      continue;
    }
    if (o + 1 >= stop) break;
    const len = buf.u8(o + 1);
    if (len < 2 || o + len > stop) break;
    if (kind === 3 && len === 3) scanned.wsShift = buf.u8(o + 2);
    else if (kind === 5) {
      for (let i = 0, p = o + 2; i < 3 && p + 8 <= o + len; i++, p += 8) scanned.sackedBytes += u32(buf.u32(p + 4) - buf.u32(p));
    }
    o += len;
  }
}

interface OptionDef {
  def: FieldDef;
  /** Name in the "Options:" summary and in messages. */
  name: string;
  /** Required total length, 0 when variable. */
  length: number;
}

const optionDefs = new Map<number, OptionDef>([
  [2, { def: hf.optMss, name: 'Maximum segment size', length: 4 }],
  [3, { def: hf.optWscale, name: 'Window scale', length: 3 }],
  [4, { def: hf.optSackPerm, name: 'SACK permitted', length: 2 }],
  [5, { def: hf.optSack, name: 'SACK', length: 0 }],
  [6, { def: hf.optEcho, name: 'Echo', length: 6 }],
  [7, { def: hf.optEchoReply, name: 'Echo reply', length: 6 }],
  [8, { def: hf.optTimestamp, name: 'Timestamps', length: 10 }],
  [19, { def: hf.optMd5, name: 'TCP MD5 signature', length: 18 }],
  [28, { def: hf.optUserTo, name: 'User Timeout', length: 4 }],
  [30, { def: hf.optMptcp, name: 'Multipath TCP', length: 0 }],
  [34, { def: hf.optTfo, name: 'TCP Fast Open', length: 0 }],
  [172, { def: hf.accEcn, name: 'Accurate ECN', length: 0 }],
  [174, { def: hf.accEcn, name: 'Accurate ECN', length: 0 }],
  [253, { def: hf.optExperimental, name: 'Experimental', length: 0 }],
  [254, { def: hf.optExperimental, name: 'Experimental', length: 0 }],
]);

function optionName(kind: number): string {
  return optionDefs.get(kind)?.name ?? `Unknown (0x${kind.toString(16).padStart(2, '0')})`;
}

/**
 * Dissects the options between `start` and `end` into `node` and appends their Info text
 * (" MSS=1460 SACK_PERM TSval=… TSecr=… WS=128"). Stops at the first impossible length.
 */
function dissectOptions(buf: Buf, start: number, end: number, pkt: Packet, node: Node, flags: number, sackBase: number, ack: number): void {
  const tree = node.real;
  const names: string[] | null = tree ? [] : null;
  let o = start;
  let nops = 0;
  let sawMss = false;
  for (let guard = 0; o < end && guard < 40; guard++) {
    const kind = buf.u8(o);
    if (kind === 1) {
      if (++nops === 4) expert(pkt, node, hf.nopRun, Severity.Warning, 'Protocol', '4 NOP in a row - a router may have removed some options');
      const n = node.add(hf.optNop, buf, o, 1, tree ? buf.bytesAt(o, 1) : undefined);
      if (tree) n.text = 'TCP Option - No-Operation (NOP)';
      n.add(hf.optionKind, buf, o, 1, 1);
      names?.push('No-Operation (NOP)');
      o++;
      continue;
    }
    nops = 0;
    if (kind === 0) {
      // Zero bytes after EOL are more EOLs (padding); anything else there is a fault.
      let padding = true;
      for (let p = o + 1; p < end; p++) if (buf.u8(p) !== 0) padding = false;
      const n = node.add(hf.optEol, buf, o, 1, tree ? buf.bytesAt(o, 1) : undefined);
      if (tree) n.text = 'TCP Option - End of Option List (EOL)';
      n.add(hf.optionKind, buf, o, 1, 0);
      names?.push('End of Option List (EOL)');
      if (!padding) {
        const t = node.addText('Non-zero header padding', buf, o + 1, end - o - 1);
        expert(pkt, t, hf.nonZeroAfterEol, Severity.Error, 'Protocol', 'Non-zero header padding');
        break;
      }
      o++;
      continue;
    }
    if (o + 1 >= end) {
      badOption(pkt, node, buf, o, end - o, `${optionName(kind)} (length byte past end of options)`);
      break;
    }
    const len = buf.u8(o + 1);
    if (len < 2) {
      badOption(pkt, node, buf, o, 2, `${optionName(kind)} (with too-short option length = ${len} byte${len === 1 ? '' : 's'})`);
      break;
    }
    if (o + len > end) {
      badOption(pkt, node, buf, o, end - o, `${optionName(kind)} (option length = ${len} bytes says option goes past end of options)`);
      break;
    }
    const od = optionDefs.get(kind);
    const n = node.add(od ? od.def : hf.optOther, buf, o, len, tree ? buf.bytesAt(o, len) : undefined);
    if (tree) n.text = od ? `TCP Option - ${od.name}` : 'TCP Option - Unknown';
    names?.push(optionName(kind));
    if (kind === 2) {
      sawMss = true;
      if (!(flags & SYN)) expert(pkt, n, hf.mssPresent, Severity.Warning, 'Protocol', 'The non-SYN packet does contain a MSS option');
    }
    n.add(hf.optionKind, buf, o, 1, kind);
    const lenNode = n.add(hf.optionLen, buf, o + 1, 1, len);
    if (od && od.length && len !== od.length) {
      expert(pkt, lenNode, hf.optLenInvalid, Severity.Note, 'Sequence', `option length should be ${od.length}`);
      o += len;
      continue;
    }
    // Appended option by option, so what was read survives a capture cut inside the options.
    const info = optionValue(buf, o, len, kind, pkt, n, sackBase, ack, flags);
    if (info) pkt.appendInfo(info);
    o += len;
  }
  if (flags & SYN && !sawMss && end > start) expert(pkt, node, hf.mssAbsent, Severity.Note, 'Protocol', 'The SYN packet does not contain a MSS option');
  if (names) node.text = `Options: (${end - start} bytes)${names.length ? ', ' + names.join(', ') : ''}`;
}

/** Decodes one well-formed option's value into `n`; returns its Info text. */
function optionValue(buf: Buf, o: number, len: number, kind: number, pkt: Packet, n: Node, sackBase: number, ack: number, flags: number): string {
  const tree = n.real;
  switch (kind) {
    case 2: {
      const mss = buf.u16(o + 2);
      n.add(hf.mssVal, buf, o + 2, 2, mss);
      if (tree) n.text = `TCP Option - Maximum segment size: ${mss} bytes`;
      return ` MSS=${mss}`;
    }
    case 3: {
      const shift = buf.u8(o + 2);
      const multiplier = 2 ** Math.min(shift, 14);
      const s = n.add(hf.wscaleShift, buf, o + 2, 1, shift);
      if (shift > 14) expert(pkt, s, hf.wscaleInvalid, Severity.Warning, 'Protocol', 'Window scale shift exceeds 14');
      n.addGenerated(hf.wscaleMultiplier, multiplier, buf, o + 2, 1);
      if (tree) n.text = `TCP Option - Window scale: ${shift} (multiply by ${multiplier})`;
      return ` WS=${multiplier}`;
    }
    case 4:
      return ' SACK_PERM';
    case 5: {
      let text = '';
      let label = 'TCP Option - SACK';
      const blocks = (len - 2) >> 3;
      for (let i = 0, p = o + 2; i < blocks; i++, p += 8) {
        const le = u32(buf.u32(p) - sackBase);
        const re = u32(buf.u32(p + 4) - sackBase);
        const l = n.add(hf.sackLe, buf, p, 4, le);
        const r = n.add(hf.sackRe, buf, p + 4, 4, re);
        if (tree) {
          l.text = `left edge = ${le}${sackBase ? ' (relative)' : ''}`;
          r.text = `right edge = ${re}${sackBase ? ' (relative)' : ''}`;
          label += ` ${le}-${re}`;
        }
        text += ` SLE=${le} SRE=${re}`;
      }
      n.addGenerated(hf.sackCount, blocks);
      // RFC 2883: a first block below the acknowledgment, or inside the second block, reports
      // data received twice.
      if (blocks > 0) {
        const le = buf.u32(o + 2);
        const re = buf.u32(o + 6);
        const belowAck = ack >= 0 && lt(le, ack);
        const inSecond = blocks > 1 && !gt(buf.u32(o + 10), le) && !gt(re, buf.u32(o + 14));
        if (belowAck || inSecond) {
          const l = n.addGenerated(hf.dsackLe, u32(le - sackBase));
          const r = n.addGenerated(hf.dsackRe, u32(re - sackBase));
          if (tree) {
            l.text = `D-SACK Left Edge = ${u32(le - sackBase)}${sackBase ? ' (relative)' : ''}`;
            r.text = `D-SACK Right Edge = ${u32(re - sackBase)}${sackBase ? ' (relative)' : ''}`;
          }
          const d = n.add(hf.dsack, buf, o + 2, 8);
          pkt.addExpert(d, Severity.Warning, 'Sequence', 'D-SACK Sequence', 'tcp');
        }
      }
      if (tree) n.text = label;
      return text;
    }
    case 6:
    case 7: {
      const v = buf.u32(o + 2);
      n.add(hf.echoValue, buf, o + 2, 4, v);
      if (tree) n.text = `TCP Option - Echo${kind === 7 ? ' reply' : ''}: ${v}`;
      return '';
    }
    case 8: {
      const tsval = buf.u32(o + 2);
      const tsecr = buf.u32(o + 6);
      n.add(hf.tsval, buf, o + 2, 4, tsval);
      n.add(hf.tsecr, buf, o + 6, 4, tsecr);
      if (tree) n.text = `TCP Option - Timestamps: TSval ${tsval}, TSecr ${tsecr}`;
      return ` TSval=${tsval} TSecr=${tsecr}`;
    }
    case 19:
      n.add(hf.md5Digest, buf, o + 2, 16, buf.bytesAt(o + 2, 16));
      return '';
    case 28: {
      const v = buf.u16(o + 2);
      n.add(hf.userToGranularity, buf, o + 2, 2, v >> 15);
      n.add(hf.userToVal, buf, o + 2, 2, v & 0x7fff);
      if (tree) n.text = `TCP Option - User Timeout: ${v & 0x7fff} ${v & 0x8000 ? 'minutes' : 'seconds'}`;
      return '';
    }
    case 30:
      if (len > 2) n.add(hf.mptcpSubtype, buf, o + 2, 1, buf.u8(o + 2) >> 4);
      return '';
    case 34:
      if (tree) n.text = `TCP Option - TCP Fast Open: ${len === 2 ? 'Fast Open Cookie Request' : 'Fast Open Cookie'}`;
      return fastOpen(buf, o, 2, len, pkt, n, flags);
    case 172:
    case 174: {
      const order = kind === 172 ? 0 : 1;
      const counters = accurateEcn(buf, o + 2, len - 2, order, n);
      if (tree) n.text = `TCP Option - Accurate ECN (Order ${order}): ${counters.label}`;
      return counters.info;
    }
    case 253:
    case 254:
      if (len >= 4) {
        const exid = buf.u16(o + 2);
        n.add(hf.expExid, buf, o + 2, 2, exid);
        if (exid === TFO_EXID) {
          if (tree) n.text = 'TCP Option - Experimental: Fast Open';
          return fastOpen(buf, o, 4, len, pkt, n, flags);
        }
        if (exid === ACC_ECN_EXID_0 || exid === ACC_ECN_EXID_1) {
          const order = exid === ACC_ECN_EXID_0 ? 0 : 1;
          const counters = accurateEcn(buf, o + 4, len - 4, order, n);
          if (tree) n.text = `TCP Option - Experimental: Accurate ECN - Order ${order}: Accurate ECN (Order ${order}): ${counters.label}`;
          return counters.info;
        }
        if (len > 4) n.add(hf.expData, buf, o + 4, len - 4, buf.bytesAt(o + 4, len - 4));
      } else if (len > 2) {
        n.add(hf.expData, buf, o + 2, len - 2, buf.bytesAt(o + 2, len - 2));
      }
      return '';
    default:
      if (len > 2) n.add(hf.unknownPayload, buf, o + 2, len - 2, buf.bytesAt(o + 2, len - 2));
      return '';
  }
}

/**
 * Accurate ECN's byte counters (24 bits each; an option may carry fewer than three): order 0 is
 * EE0B, ECEB, EE1B, order 1 the reverse. Returns the tree label's and the Info column's text.
 */
function accurateEcn(buf: Buf, at: number, length: number, order: 0 | 1, n: Node): { label: string; info: string } {
  const defs = order === 0 ? [hf.accEcnEe0b, hf.accEcnEceb, hf.accEcnEe1b] : [hf.accEcnEe1b, hf.accEcnEceb, hf.accEcnEe0b];
  const names = order === 0 ? ['EE0B', 'ECEB', 'EE1B'] : ['EE1B', 'ECEB', 'EE0B'];
  const label: string[] = [];
  let info = '';
  for (let i = 0; i < 3 && (i + 1) * 3 <= length; i++) {
    const v = buf.u24(at + i * 3);
    n.add(defs[i]!, buf, at + i * 3, 3, v);
    label.push(`${names[i]} ${v}`);
    info += ` ${names[i]}=${v}`;
  }
  return { label: label.join(', '), info };
}

/**
 * A Fast Open option's body after its `head` bytes (kind 34, or the experimental option with its
 * identifier): empty asks for a cookie, else it is the cookie. Info: " TFO=R" or " TFO=C", as tshark.
 */
function fastOpen(buf: Buf, o: number, head: number, len: number, pkt: Packet, n: Node, flags: number): string {
  if (len === head) {
    n.add(hf.tfoRequest, buf, o, len);
    return ' TFO=R';
  }
  const cookie = n.add(hf.tfoCookie, buf, o + head, len - head, buf.bytesAt(o + head, len - head));
  if ((flags & (SYN | ACK)) === SYN) expert(pkt, cookie, hf.tfoSynCookie, Severity.Note, 'Sequence', 'TCP SYN with TFO Cookie');
  return ' TFO=C';
}

function badOption(pkt: Packet, node: Node, buf: Buf, offset: number, length: number, message: string): void {
  const t = node.addText(message, buf, offset, length);
  expert(pkt, t, hf.optLenInvalid, Severity.Note, 'Sequence', message);
}

/**
 * Expert info carried by its own field (tcp.analysis.retransmission …), so filters on that name
 * find it; the node renders as the expert line.
 */
function expert(pkt: Packet, parent: Node, def: FieldDef, severity: Severity, group: string, message: string): Node {
  return pkt.addExpert(parent, severity, group, message, 'tcp', def);
}

// ---------------------------------------------------------------------------------------------
// The dissector.

function dissectTcp(buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  const node = pkt.addLayer(tcp, parent, buf, 0, 20);
  const srcPort = buf.u16(0);
  const dstPort = buf.u16(2);
  // The ports first, so a capture cut inside the header still shows them.
  node.add(hf.srcport, buf, 0, 2, srcPort);
  node.add(hf.dstport, buf, 2, 2, dstPort);
  node.addHidden(hf.port, buf, 0, 2, srcPort);
  node.addHidden(hf.port, buf, 2, 2, dstPort);
  pkt.srcPort = srcPort;
  pkt.dstPort = dstPort;
  pkt.transport = 'tcp';
  if (pkt.inErrorPacket) {
    dissectQuotedHeader(buf, node);
    return;
  }
  // Cut inside the fixed header: the Info column names the ports before the read below fails.
  if (buf.length < 20) pkt.setInfo(`${srcPort} \u2192 ${dstPort}`);
  const seqRaw = buf.u32(4);
  const ackRaw = buf.u32(8);
  const offsetAndFlags = buf.u16(12);
  const dataOffset = offsetAndFlags >>> 12;
  const flags = offsetAndFlags & 0xfff;
  const windowRaw = buf.u16(14);
  const checksum = buf.u16(16);
  const urgent = buf.u16(18);
  const hdrLen = dataOffset * 4;
  let ft = flagText(flags);

  const session = pkt.session;
  const prefs = session.prefs;
  let conv = session.conversation('tcp', pkt.netSrc, srcPort, pkt.netDst, dstPort, pkt.frame);
  // A header longer than the segment is shown without stream state; one shorter than 20 bytes stops
  // after the header length field, as in Wireshark. So is the first fragment of an IP datagram that
  // was not reassembled (the network layer says so with `fragmented`): its length is not the segment's.
  const fragment = (data as IpPayloadInfo | undefined)?.fragmented === true;
  const short = hdrLen > buf.reportedLength || fragment;
  const bogus = hdrLen < 20;
  const seglen = short ? 0 : buf.reportedLength - hdrLen;
  if (!short && !bogus) node.setEnd(buf, hdrLen);

  // A new SYN with another initial sequence number on a known address/port pair is a new connection.
  const now = pkt.relativeTime;
  let conn = conv.get<TcpConnection>('tcp');
  let reused = false;
  if (conn && !short && (flags & (SYN | ACK)) === SYN) {
    const f = conv.isFromA(pkt.netSrc, srcPort) ? conn.a : conn.b;
    if (f.baseSet && f.baseSeq !== seqRaw) {
      session.dropConversation(conv);
      conv = session.conversation('tcp', pkt.netSrc, srcPort, pkt.netDst, dstPort, pkt.frame);
      conn = undefined;
      reused = true;
    }
  }
  if (!conn) {
    conn = conv.set('tcp', new TcpConnection(now));
    // The SYN that starts a connection on reused ports already counts for its own segment.
    if (reused) conn.completeness = Seen.Syn;
  }
  const fromA = conv.isFromA(pkt.netSrc, srcPort);
  const fwd = fromA ? conn.a : conn.b;
  const rev = fromA ? conn.b : conn.a;
  if (flags & SYN) {
    const ecn = (flags & (AE | CWR | ECE)) >> 6;
    // A SYN with all three bits asks for Accurate ECN; a SYN-ACK answering 010, 011, 100 or 110 agrees.
    if (!(flags & ACK)) conn.accEcn = ecn === 7 ? 1 : 0;
    else if (conn.accEcn === 1) conn.accEcn = ecn === 2 || ecn === 3 || ecn === 4 || ecn === 6 ? 2 : 0;
  } else if (conn.accEcn === 2) ft = flagText(flags, true);

  ta.reset();
  if (!short) {
    if (hdrLen > 20) scanOptions(buf, 20, hdrLen);
    fwd.sackedBytes = hdrLen > 20 ? scanned.sackedBytes : 0;
    // Window scaling is agreed by the two SYNs: both must carry the option, else neither side scales.
    if (flags & SYN) {
      const shift = hdrLen > 20 ? scanned.wsShift : -1;
      // Options cut off by the capture leave the scale unknown rather than absent.
      fwd.synScale = shift >= 0 ? Math.min(shift, 14) : buf.length < hdrLen ? -1 : -2;
      if (!(flags & ACK)) {
        conn.synTime = now;
        conn.synSeen = true;
      }
      // Until the other SYN is seen, this side's own offer applies (as in Wireshark).
      if (fwd.synScale !== -1) fwd.winScale = fwd.synScale;
      if (fwd.synScale !== -1 && rev.synScale !== -1) {
        const none = fwd.synScale === -2 || rev.synScale === -2;
        fwd.winScale = none ? -2 : fwd.synScale;
        rev.winScale = none ? -2 : rev.synScale;
      }
    } else if (flags & ACK && conn.irtt === 0 && conn.synSeen) {
      // Wireshark's iRTT: from the SYN to the first ACK without SYN (the handshake's third segment).
      conn.irtt = now - conn.synTime;
    }
    analyze(fwd, rev, conn, seqRaw, ackRaw, seglen, flags, windowRaw, now, pkt.number);
    if (reused) {
      ta.flags |= A.ReusedPorts;
      ta.present = true;
    }
  }

  const relative = prefs[relativePref] !== 'FALSE';
  const seq = relative && !short ? u32(seqRaw - fwd.baseSeq) : seqRaw;
  const ackShown = flags & ACK && relative && !short ? u32(ackRaw - rev.baseSeq) : ackRaw;
  const nxtseq = u32(seq + seglen + (flags & (SYN | FIN) ? 1 : 0));
  const winScale = short ? -1 : fwd.winScale;
  const calculatedWindow = flags & SYN || winScale < 0 ? windowRaw : windowRaw * 2 ** winScale;
  const infoHead = `${srcPort} \u2192 ${dstPort} ${ft.info} Seq=${seq}${flags & ACK ? ` Ack=${ackShown}` : ''} Win=${calculatedWindow}`;

  node.addGenerated(hf.stream, conv.index);
  node.addGenerated(hf.completeness, conn.completeness);
  if (!short) {
    const seen = seenIn(flags, seglen);
    // A connection's first segment counts only if it opens the connection: a SYN, with its data.
    conn.completeness |= conn.started ? seen : seen === Seen.Syn ? seen | (seglen > 0 ? Seen.Data : 0) : 0;
    conn.started = true;
  }
  if (short && !fragment) {
    const message = 'Short segment. Segment/fragment does not contain a full TCP header (might be NMAP or someone else deliberately sending unusual packets)';
    expert(pkt, node.real ? node.addText(message) : node, hf.shortSegment, Severity.Warning, 'Malformed', message);
  } else {
    node.addGenerated(hf.len, seglen);
  }
  const seqNode = node.add(hf.seq, buf, 4, 4, seq);
  if (relative) seqNode.suffix = RELATIVE_SEQ;
  node.add(hf.seqRaw, buf, 4, 4, seqRaw);
  if (bogus) {
    const h = node.add(hf.hdrLen, buf, 12, 1, hdrLen);
    if (h.real) h.text = headerLengthText[dataOffset]!;
    expert(pkt, h, hf.bogusHeaderLength, Severity.Error, 'Protocol', `Bogus TCP header length (${hdrLen}, must be at least 20)`);
    pkt.setInfo(`${infoHead}, bogus TCP header length (${hdrLen}, must be at least 20)`);
    return;
  }
  if (!short) {
    const nxtNode = node.addGenerated(hf.nxtseq, nxtseq);
    if (relative) nxtNode.suffix = RELATIVE_SEQ;
  }
  const ackNode = node.add(hf.ack, buf, 8, 4, ackShown);
  if (flags & ACK) {
    if (relative) ackNode.suffix = RELATIVE_ACK;
  } else if (ackRaw !== 0) {
    expert(pkt, ackNode, hf.ackNonzero, Severity.Note, 'Protocol', 'The acknowledgment number field is nonzero while the ACK flag is not set');
  }
  node.add(hf.ackRaw, buf, 8, 4, ackRaw);
  const hdrNode = node.add(hf.hdrLen, buf, 12, 1, hdrLen);
  if (hdrNode.real) hdrNode.text = headerLengthText[dataOffset]!;
  addFlags(buf, pkt, node, flags, ft, !(flags & SYN) && conn.accEcn === 2, srcPort, dstPort, rev);
  node.add(hf.windowValue, buf, 14, 2, windowRaw);
  node.addGenerated(hf.window, calculatedWindow, buf, 14, 2);
  if (!(flags & SYN)) {
    const s = node.addGenerated(hf.windowScale, winScale < 0 ? winScale : 2 ** winScale, buf, 14, 2);
    if (winScale === -1) s.suffix = ' (unknown)';
    else if (winScale === -2) s.suffix = ' (no window scaling used)';
  }
  const checksumBad = addChecksum(buf, pkt, node, checksum, hdrLen);
  const urgentNode = node.add(hf.urgentPointer, buf, 18, 2, urgent);
  if (urgent && !(flags & URG)) {
    expert(pkt, urgentNode, hf.urgentNonzero, Severity.Note, 'Protocol', 'The urgent pointer field is nonzero while the URG flag is not set');
  }

  const prefix = analysisPrefix();
  const info = `${prefix}${infoHead}${flags & URG ? ` Urg=${urgent}` : ''}${checksumBad ? ' [TCP CHECKSUM INCORRECT]' : ''}${short ? '' : ` Len=${seglen}`}`;
  pkt.setInfo(info);
  // Unless a tunnel fenced the column, a payload dissector replaces it; the analysis prefix stays.
  const ownsInfo = pkt.info === info;
  if (short) {
    // The options the header announces run past the segment: the engine marks it malformed.
    if (!fragment) buf.check(20, hdrLen - 20);
    else if (hdrLen > 20) dissectOptions(buf, 20, hdrLen, pkt, node.add(hf.options, buf, 20, hdrLen - 20, node.real ? buf.bytesAt(20, Math.min(hdrLen, buf.length) - 20) : undefined), flags, 0, -1);
    return;
  }

  const previousTime = conn.lastTime;
  conn.lastTime = now;
  if (flags & ACK) {
    if (!rev.peerAckSet || gt(ackRaw, rev.peerAck)) rev.peerAck = ackRaw;
    rev.peerAckSet = true;
  }
  if (flags & FIN && !fwd.finSeen) {
    fwd.finSeen = true;
    fwd.finSeq = u32(seqRaw + seglen + (flags & SYN ? 1 : 0));
  }
  if (flags & SYN && !fwd.deliverSet) {
    fwd.deliverNext = u32(seqRaw + 1);
    fwd.deliverSet = true;
  }
  pkt.tap('tcp', conv);
  sweepIdle(pkt);

  try {
    if (hdrLen > 20) {
      const optionsNode = node.add(hf.options, buf, 20, hdrLen - 20, node.real ? buf.bytesAt(20, Math.min(hdrLen, buf.length) - 20) : undefined);
      dissectOptions(buf, 20, hdrLen, pkt, optionsNode, flags, relative && rev.baseSet ? rev.baseSeq : 0, flags & ACK ? ackRaw : -1);
    }
  } finally {
    // Even when the capture cut the options short, the timing and analysis are known.
    if (node.real) {
      const t = node.addGenerated(textField, undefined);
      t.text = 'Timestamps';
      t.addGenerated(hf.timeRelative, now - conn.firstTime);
      t.addGenerated(hf.timeDelta, now - previousTime);
    }
    addAnalysisTree(node, pkt, conn);
  }

  if (seglen > 0) {
    const payload = buf.sub(hdrLen, seglen);
    const p = node.add(hf.payload, buf, hdrLen, payload.length, node.real ? payload.bytesAt(0, payload.length) : undefined);
    if (node.real) p.text = `TCP payload (${seglen} byte${seglen === 1 ? '' : 's'})`;
    if (!(flags & RST)) deliver(payload, u32(seqRaw + (flags & SYN ? 1 : 0)), pkt, parent, node, fwd, conv, srcPort, dstPort, checksumBad);
  } else if (fwd.deliverSet) {
    catchUp(fwd, pkt, parent, node, conv, srcPort, dstPort);
  }

  if (flags & RST || (conn.a.finSeen && conn.b.finSeen)) {
    // The connection is over: nothing more will complete a half-received PDU.
    conn.closed = true;
    conn.a.releaseBuffers();
    conn.b.releaseBuffers();
  }
  if (prefix && ownsInfo && !pkt.info.startsWith(prefix)) pkt.setInfo(prefix + pkt.info);
}

/**
 * The TCP header an ICMP error quotes (often only its first 8 bytes): shown as it is, raw numbers,
 * without touching the connection it belongs to.
 */
function dissectQuotedHeader(buf: Buf, node: Node): void {
  if (buf.length < 8) return;
  node.add(hf.seq, buf, 4, 4, buf.u32(4));
  if (buf.length < 20) return;
  const offsetAndFlags = buf.u16(12);
  const flags = offsetAndFlags & 0xfff;
  node.add(hf.ack, buf, 8, 4, buf.u32(8));
  const h = node.add(hf.hdrLen, buf, 12, 1, (offsetAndFlags >>> 12) * 4);
  if (h.real) h.text = headerLengthText[offsetAndFlags >>> 12]!;
  const f = node.add(hf.flags, buf, 12, 2, flags);
  if (f.real) {
    f.text = flagText(flags).label;
    f.addGenerated(hf.flagsStr, flagText(flags).str, buf, 12, 2);
  }
  node.add(hf.windowValue, buf, 14, 2, buf.u16(14));
  node.add(hf.checksum, buf, 16, 2, buf.u16(16)).suffix = ' [unverified]';
  node.add(hf.urgentPointer, buf, 18, 2, buf.u16(18));
}

function addFlags(buf: Buf, pkt: Packet, node: Node, flags: number, ft: FlagText, ace: boolean, srcPort: number, dstPort: number, rev: Flow): void {
  const f = node.add(hf.flags, buf, 12, 2, flags);
  if (f.real) f.text = ft.label;
  // Bit fields carry their value shifted down to bit 0, as the registry expects.
  f.add(hf.flagsRes, buf, 12, 2, (flags & RESERVED) >> 9);
  if (ace) f.add(hf.flagsAce, buf, 12, 2, (flags >> 6) & 7);
  else {
    f.add(hf.flagsAe, buf, 12, 2, (flags >> 8) & 1);
    f.add(hf.flagsCwr, buf, 12, 2, (flags >> 7) & 1);
    f.add(hf.flagsEce, buf, 12, 2, (flags >> 6) & 1);
  }
  f.add(hf.flagsUrg, buf, 12, 2, (flags >> 5) & 1);
  f.add(hf.flagsAck, buf, 12, 2, (flags >> 4) & 1);
  f.add(hf.flagsPush, buf, 12, 2, (flags >> 3) & 1);
  const rst = f.add(hf.flagsReset, buf, 12, 2, (flags >> 2) & 1);
  if (flags & RST) expert(pkt, rst, hf.connRst, Severity.Warning, 'Sequence', 'Connection reset (RST)');
  const syn = f.add(hf.flagsSyn, buf, 12, 2, (flags >> 1) & 1);
  if (flags & SYN) {
    if (flags & ACK) expert(pkt, syn, hf.connSynAck, Severity.Chat, 'Sequence', `Connection establish acknowledge (SYN+ACK): server port ${srcPort}`);
    else expert(pkt, syn, hf.connSyn, Severity.Chat, 'Sequence', `Connection establish request (SYN): server port ${dstPort}`);
  }
  const fin = f.add(hf.flagsFin, buf, 12, 2, flags & 1);
  if (flags & FIN) expert(pkt, fin, hf.connFin, Severity.Chat, 'Sequence', 'Connection finish (FIN)');
  const str = f.addGenerated(hf.flagsStr, ft.str, buf, 12, 2);
  // Every FIN (a retransmitted one too) is the active close until the other side has sent its own.
  if (flags & FIN) {
    if (rev.finSeen) expert(pkt, str, hf.finPassive, Severity.Note, 'Sequence', 'This frame undergoes the connection closing');
    else expert(pkt, str, hf.finActive, Severity.Note, 'Sequence', 'This frame initiates the connection closing');
  }
}

/** Adds checksum, status and (when verified) the computed value; returns true when it is wrong. */
function addChecksum(buf: Buf, pkt: Packet, node: Node, checksum: number, hdrLen: number): boolean {
  const c = node.add(hf.checksum, buf, 16, 2, checksum);
  const length = buf.reportedLength;
  if (pkt.session.prefs[checkChecksumPref] !== 'TRUE' || buf.length < length || !pkt.netSrcBytes || hdrLen > length) {
    c.suffix = ' [unverified]';
    node.addGenerated(checksumStatusField('tcp'), ChecksumStatus.Unverified);
    return false;
  }
  const sum = internetChecksum(buf.bytesAt(0, length), pseudoHeaderSum(pkt, 6, length));
  const good = sum === 0xffff;
  // The value the sender should have written: the complement of the sum with the field taken out.
  let without = sum + (~checksum & 0xffff);
  while (without > 0xffff) without = (without & 0xffff) + (without >>> 16);
  const expected = ~without & 0xffff;
  if (good) {
    c.suffix = ' [correct]';
    node.addGenerated(checksumStatusField('tcp'), ChecksumStatus.Good);
  } else {
    const hex = `0x${expected.toString(16).padStart(4, '0')}`;
    if (c.real) c.text = `Checksum: 0x${checksum.toString(16).padStart(4, '0')} incorrect, should be ${hex}(maybe caused by "TCP checksum offload"?)`;
    expert(pkt, c, hf.checksumBad, Severity.Error, 'Checksum', `Bad checksum [should be ${hex}]`);
    node.addGenerated(checksumStatusField('tcp'), ChecksumStatus.Bad);
  }
  node.addGenerated(hf.checksumCalculated, good ? checksum : expected);
  return !good;
}

/** The Info prefixes ("[TCP Retransmission] "), in the order Wireshark stacks them. */
function analysisPrefix(): string {
  const f = ta.flags;
  if (!f) return '';
  let p = '';
  // Wireshark prepends each in turn, so the last one added comes first.
  const add = (s: string) => (p = s + p);
  if (f & A.ReusedPorts) add('[TCP Port numbers reused] ');
  if (f & A.Retransmission) add('[TCP Retransmission] ');
  if (f & A.FastRetransmission) add('[TCP Fast Retransmission] ');
  if (f & A.SpuriousRetransmission) add('[TCP Spurious Retransmission] ');
  if (f & A.OutOfOrder) add('[TCP Out-Of-Order] ');
  if (f & A.LostPacket) add('[TCP Previous segment not captured] ');
  if (f & A.AckLostPacket) add('[TCP ACKed unseen segment] ');
  if (f & A.WindowUpdate) add('[TCP Window Update] ');
  if (f & A.WindowFull) add('[TCP Window Full] ');
  if (f & A.KeepAlive) add('[TCP Keep-Alive] ');
  if (f & A.KeepAliveAck) add('[TCP Keep-Alive ACK] ');
  if (f & A.DuplicateAck) add(`[TCP Dup ACK ${ta.dupAckFrame}#${ta.dupAckNum}] `);
  if (f & A.ZeroWindowProbe) add('[TCP ZeroWindowProbe] ');
  if (f & A.ZeroWindow) add('[TCP ZeroWindow] ');
  if (f & A.ZeroWindowProbeAck) add('[TCP ZeroWindowProbeAck] ');
  return p;
}

/** The "[SEQ/ACK analysis]" subtree and the expert infos of the analysis flags. */
function addAnalysisTree(node: Node, pkt: Packet, conn: TcpConnection): void {
  const f = ta.flags;
  if (!f && !ta.present) return;
  const tree = node.addGenerated(hf.analysis, undefined);
  if (ta.acksFrame) {
    tree.addGenerated(hf.acksFrame, ta.acksFrame);
    if (ta.ackRtt > 0) tree.addGenerated(hf.ackRtt, ta.ackRtt);
  }
  if (conn.irtt) tree.addGenerated(hf.initialRtt, conn.irtt);
  if (ta.bytesInFlight) {
    tree.addGenerated(hf.bytesInFlight, ta.bytesInFlight);
    tree.addGenerated(hf.pushBytesSent, ta.pushBytesSent);
  }
  if (!f) return;
  const flags = tree.addGenerated(hf.analysisFlags, undefined);
  const note = (def: FieldDef, severity: Severity, message: string) => expert(pkt, flags, def, severity, 'Sequence', message);
  if (f & A.ReusedPorts) note(hf.reusedPorts, Severity.Note, 'A new tcp session is started with the same ports as an earlier session in this trace');
  if (f & A.Retransmission) {
    note(hf.retransmission, Severity.Note, 'This frame is a (suspected) retransmission');
    if (ta.rto > 0) {
      flags.addGenerated(hf.rto, ta.rto);
      flags.addGenerated(hf.rtoFrame, ta.rtoFrame);
    }
  }
  if (f & A.FastRetransmission) {
    note(hf.fastRetransmission, Severity.Note, 'This frame is a (suspected) fast retransmission');
    note(hf.retransmission, Severity.Note, 'This frame is a (suspected) retransmission');
  }
  if (f & A.SpuriousRetransmission) {
    note(hf.spuriousRetransmission, Severity.Note, 'This frame is a (suspected) spurious retransmission');
    note(hf.retransmission, Severity.Note, 'This frame is a (suspected) retransmission');
  }
  if (f & A.OutOfOrder) note(hf.outOfOrder, Severity.Warning, 'This frame is a (suspected) out-of-order segment');
  if (f & A.LostPacket) note(hf.lostSegment, Severity.Warning, 'Previous segment(s) not captured (common at capture start)');
  if (f & A.AckLostPacket) note(hf.ackLostSegment, Severity.Warning, 'ACKed segment that wasn\'t captured (common at capture start)');
  if (f & A.WindowUpdate) note(hf.windowUpdate, Severity.Chat, 'TCP window update');
  if (f & A.WindowFull) note(hf.windowFull, Severity.Warning, 'TCP window specified by the receiver is now completely full');
  if (f & A.KeepAlive) note(hf.keepAlive, Severity.Note, 'TCP keep-alive segment');
  if (f & A.KeepAliveAck) note(hf.keepAliveAck, Severity.Note, 'ACK to a TCP keep-alive segment');
  if (f & A.DuplicateAck) {
    const d = flags.addGenerated(hf.duplicateAck, undefined);
    d.text = 'This is a TCP duplicate ack';
    tree.addGenerated(hf.duplicateAckNum, ta.dupAckNum);
    const frame = tree.addGenerated(hf.duplicateAckFrame, ta.dupAckFrame);
    expert(pkt, frame, hf.duplicateAck, Severity.Note, 'Sequence', `Duplicate ACK (#${ta.dupAckNum})`);
  }
  if (f & A.ZeroWindowProbe) note(hf.zeroWindowProbe, Severity.Note, 'TCP Zero Window Probe');
  if (f & A.ZeroWindow) note(hf.zeroWindow, Severity.Warning, 'TCP Zero Window segment');
  if (f & A.ZeroWindowProbeAck) note(hf.zeroWindowProbeAck, Severity.Note, 'ACK to a TCP Zero Window Probe');
}

// ---------------------------------------------------------------------------------------------
// Handing the byte stream up.

/** Passes bytes to the protocol on these ports (or found by heuristics), with the direction's stream state. */
function passUp(bytes: Buf, pkt: Packet, parent: Node, flow: Flow, conv: Conversation, srcPort: number, dstPort: number, node: Node): void {
  const desegment = pkt.session.prefs[desegmentPref] !== 'FALSE';
  // "TCP segment data" lines for bytes kept for a later PDU go in this segment's TCP tree.
  flow.data.tree = node;
  if (pkt.session.taps) pkt.tap('tcp.follow', { conv, fromA: conv.isFromA(pkt.netSrc, srcPort), bytes: bytes.bytesAt(0, bytes.length) });
  try {
    dispatchPorts(ports, bytes, pkt, parent, srcPort, dstPort, conv, desegment ? flow.data : undefined);
  } finally {
    // The flow outlives this packet; its tree must not (it would keep the packet's nodes alive).
    flow.data.tree = undefined;
  }
}

/**
 * Delivers the new, in-order part of this segment's payload (starting at raw sequence `seq`) and any
 * held bytes it makes contiguous; holds bytes that arrive ahead of a gap.
 */
function deliver(payload: Buf, seq: number, pkt: Packet, parent: Node, node: Node, flow: Flow, conv: Conversation, srcPort: number, dstPort: number, corrupt: boolean): void {
  const length = payload.reportedLength;
  if (payload.length < length || corrupt) {
    // Cut by the snapshot length, or failing its checksum: these bytes cannot be trusted to join the
    // stream, so they are dissected alone and the stream restarts after them (as Wireshark does) —
    // unless the sequence analysis calls them a retransmission or out of order, which are not passed
    // on (a fast retransmission, filling a gap, is).
    if (ta.flags & (A.Retransmission | A.OutOfOrder)) return;
    if (flow.stream.pending) flow.stream.resync();
    dispatchPorts(ports, payload, pkt, parent, srcPort, dstPort, conv);
    flow.deliverNext = u32(seq + length);
    flow.deliverSet = true;
    return;
  }
  if (!flow.deliverSet) {
    // The first bytes seen of a stream joined mid-way: start there, whatever was acknowledged before.
    flow.deliverNext = seq;
    flow.deliverSet = true;
    flow.peerAckSet = false;
  }
  const end = u32(seq + length);
  skipLostBytes(flow, pkt, parent, node, conv, srcPort, dstPort, seq, end);
  const ahead = (seq - flow.deliverNext) | 0;
  if (ahead > 0) {
    hold(flow, seq, payload, pkt, node);
    if (flow.heldBytes > MAX_HELD_BYTES || flow.held.length > MAX_HELD_SEGMENTS) {
      giveUpGaps(flow, pkt, parent, node, conv, srcPort, dstPort, 'the out-of-order buffer limit was reached');
    }
    return;
  }
  if (!gt(end, flow.deliverNext)) {
    // Every byte was seen before: a retransmission's data is not passed on twice.
    const n = node.add(reassembly.pieceData, payload, 0, payload.length, node.real ? payload.bytesAt(0, payload.length) : undefined);
    if (node.real) n.text = `Retransmitted TCP segment data (${length} byte${length === 1 ? '' : 's'})`;
    return;
  }
  // Only the bytes not delivered yet go up (a retransmission may overlap new data).
  passUp(ahead < 0 ? payload.sub(-ahead) : payload, pkt, parent, flow, conv, srcPort, dstPort, node);
  flow.deliverNext = end;
  releaseHeld(flow, pkt, parent, node, conv, srcPort, dstPort);
}

/** Called for segments without payload: the other side's ACKs may have shown that a gap is lost. */
function catchUp(flow: Flow, pkt: Packet, parent: Node, node: Node, conv: Conversation, srcPort: number, dstPort: number): void {
  if (flow.held.length || (flow.peerAckSet && gt(flow.peerAck, flow.deliverNext))) {
    skipLostBytes(flow, pkt, parent, node, conv, srcPort, dstPort, -1, -1);
  }
}

/**
 * The other side acknowledged bytes this capture never saw: they were received, so no
 * retransmission will bring them. Skip the hole (up to the first bytes we do have) and resynchronise.
 * `seq` is the current segment's first byte (or -1), which also bounds the hole.
 */
function skipLostBytes(flow: Flow, pkt: Packet, parent: Node, node: Node, conv: Conversation, srcPort: number, dstPort: number, seq: number, end: number): void {
  for (let guard = 0; guard <= MAX_HELD_SEGMENTS && flow.peerAckSet; guard++) {
    // This segment itself brings the next bytes: nothing in front of them is missing.
    if (seq >= 0 && !gt(seq, flow.deliverNext) && gt(end, flow.deliverNext)) return;
    // The other side acknowledges our FIN as one more sequence number; that is not a missing byte.
    const acked = flow.finSeen && flow.peerAck === u32(flow.finSeq + 1) ? flow.finSeq : flow.peerAck;
    if (!gt(acked, flow.deliverNext)) return;
    let to = acked;
    if (flow.held.length && lt(flow.held[0]!.seq, to)) to = flow.held[0]!.seq;
    if (seq >= 0 && gt(seq, flow.deliverNext) && lt(seq, to)) to = seq;
    resync(flow, pkt, node, u32(to - flow.deliverNext), 'the other side acknowledged them');
    flow.deliverNext = to;
    releaseHeld(flow, pkt, parent, node, conv, srcPort, dstPort);
  }
}

/** Gives up on every gap in front of held bytes and hands all of them up, in order. */
function giveUpGaps(flow: Flow, pkt: Packet, parent: Node, node: Node, conv: Conversation, srcPort: number, dstPort: number, reason: string): void {
  for (let guard = 0; flow.held.length && guard <= MAX_HELD_SEGMENTS + 1; guard++) {
    const first = flow.held[0]!.seq;
    if (gt(first, flow.deliverNext)) {
      resync(flow, pkt, node, u32(first - flow.deliverNext), reason);
      flow.deliverNext = first;
    }
    releaseHeld(flow, pkt, parent, node, conv, srcPort, dstPort);
  }
}

function resync(flow: Flow, pkt: Packet, node: Node, missing: number, reason: string): void {
  flow.stream.resync();
  const t = node.real ? node.addText(`[${missing} byte${missing === 1 ? '' : 's'} of this stream never captured (${reason}); reassembly restarts after them]`) : node;
  pkt.addExpert(t, Severity.Note, 'Sequence', 'Stream bytes missing from the capture: reassembly resynchronised', 'tcp');
}

/** Keeps a copy of bytes that arrived ahead of a gap, sorted by sequence number. */
function hold(flow: Flow, seq: number, payload: Buf, pkt: Packet, node: Node): void {
  const length = payload.length;
  const held = flow.held;
  let i = held.length;
  while (i > 0 && gt(held[i - 1]!.seq, seq)) i--;
  // The same out-of-order segment again (a retransmission of held bytes): keep the first copy.
  // Wireshark labels it like the first ("TCP segment data").
  const again = i > 0 && held[i - 1]!.seq === seq && held[i - 1]!.bytes.length >= length;
  if (!again) {
    held.splice(i, 0, { seq, bytes: keepCopy(payload.bytesAt(0, length)), frame: pkt.number });
    flow.heldBytes += length;
  }
  pkt.appendInfo(' [TCP segment of a reassembled PDU]');
  const n = node.add(reassembly.pieceData, payload, 0, length, node.real ? payload.bytesAt(0, length) : undefined);
  if (node.real) n.text = `TCP segment data (${length} byte${length === 1 ? '' : 's'})`;
}

/** Hands up held segments that are now contiguous with what was delivered. */
function releaseHeld(flow: Flow, pkt: Packet, parent: Node, node: Node, conv: Conversation, srcPort: number, dstPort: number): void {
  const held = flow.held;
  while (held.length && !gt(held[0]!.seq, flow.deliverNext)) {
    const h = held.shift()!;
    flow.heldBytes -= h.bytes.length;
    const end = u32(h.seq + h.bytes.length);
    if (!gt(end, flow.deliverNext)) continue;
    const skip = (flow.deliverNext - h.seq) | 0;
    const bytes = h.bytes.subarray(skip);
    const source = pkt.newSource(bytes, `TCP payload from frame ${h.frame} (${bytes.length} bytes)`);
    if (node.real) node.addText(`[${bytes.length} byte${bytes.length === 1 ? '' : 's'} held from frame ${h.frame} passed on now that the gap before them is filled]`);
    flow.stream.originFrame = h.frame;
    try {
      passUp(source, pkt, parent, flow, conv, srcPort, dstPort, node);
    } finally {
      flow.stream.originFrame = 0;
    }
    flow.deliverNext = end;
  }
}

/** Releases the buffers of connections that went quiet, and forgets closed ones. */
function sweepIdle(pkt: Packet): void {
  const state = pkt.session.global('tcp', () => ({ frames: 0 }));
  if (++state.frames < SWEEP_EVERY) return;
  state.frames = 0;
  for (const c of pkt.session.idleConversations(pkt.frame.seconds, IDLE_SECONDS)) {
    if (c.transport !== 'tcp') continue;
    const conn = c.get<TcpConnection>('tcp');
    if (!conn) continue;
    conn.a.releaseBuffers();
    conn.b.releaseBuffers();
    // An ACK this late would not be matched to its segment anyway.
    conn.a.unacked = [];
    conn.b.unacked = [];
    if (conn.closed) pkt.session.dropConversation(c);
  }
}

export const tcp = protocol('tcp', 'Transmission Control Protocol', 'TCP',
  'The Internet\'s reliable byte stream: numbered, acknowledged and retransmitted segments between two ports, opened by a handshake and closed by FINs.',
  dissectTcp, (n) => {
    let s = `Transmission Control Protocol, Src Port: ${n.childValue(hf.srcport)}, Dst Port: ${n.childValue(hf.dstport)}`;
    // A header quoted by an ICMP error has no stream and, as in Wireshark, no summary beyond the ports.
    if (n.childValue(hf.stream) === undefined) return s;
    const seq = n.childValue(hf.seq);
    const flags = n.childValue(hf.flags) as number | undefined;
    const len = n.childValue(hf.len);
    if (seq !== undefined) s += `, Seq: ${seq}`;
    if (flags !== undefined && flags & ACK) s += `, Ack: ${n.childValue(hf.ack)}`;
    if (len !== undefined) s += `, Len: ${len}`;
    return s;
  });

export function register(): void {
  table('ip.proto').add(6, tcp);
}
