/**
 * PPTP — the Point-to-Point Tunneling Protocol's control connection (RFC 2637), TCP port 1723.
 *
 * A PPTP VPN is two channels: this TCP connection sets up and tears down calls, and the call's PPP
 * frames travel in Enhanced GRE (version 1, protocol 0x880b), tagged with the peer's Call ID. Every
 * control message starts the same way:
 *
 *  +----------------+----------------+-------------------------------+
 *  |     Length     |  Message type  |   Magic cookie 0x1a2b3c4d     |
 *  +----------------+----------------+-------------------------------+
 *  | Control message type  |  Reserved0  |  message fields …
 *
 * Each of the 15 control messages has a fixed layout, written here as a table of fields, so one loop
 * dissects them all.
 */
import { FT, type FieldDef, field } from '../engine/fields.js';
import { protocol, table } from '../engine/dispatch.js';
import { dissectPdus, NEED_MORE } from '../engine/stream.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import { type Node, Severity } from '../engine/tree.js';

const MAGIC_COOKIE = 0x1a2b3c4d;
const HEADER = 12;

const messageNames: Record<number, string> = {
  1: 'Start-Control-Connection-Request', 2: 'Start-Control-Connection-Reply', 3: 'Stop-Control-Connection-Request',
  4: 'Stop-Control-Connection-Reply', 5: 'Echo-Request', 6: 'Echo-Reply', 7: 'Outgoing-Call-Request', 8: 'Outgoing-Call-Reply',
  9: 'Incoming-Call-Request', 10: 'Incoming-Call-Reply', 11: 'Incoming-Call-Connected', 12: 'Call-Clear-Request',
  13: 'Call-Disconnect-Notify', 14: 'WAN-Error-Notify', 15: 'Set-Link-Info',
};
const framing = { 1: 'Asynchronous Framing supported', 2: 'Synchronous Framing supported', 3: 'Either Framing supported' };
const bearer = { 1: 'Analog access supported', 2: 'Digital access supported', 3: 'Either access supported' };
const errors = { 0: 'None', 1: 'Not-Connected', 2: 'Bad-Format', 3: 'Bad-Value', 4: 'No-Resource', 5: 'Bad-Call ID', 6: 'PAC-Error' };

const hf = {
  length: field('pptp.length', 'Length', FT.UInt16, 'Bytes in this control message, header included.'),
  type: field('pptp.type', 'Message type', FT.UInt16, '1 for control messages (the only kind in use); 2 was reserved for management.', { values: { 1: 'Control Message', 2: 'Management Message' } }),
  cookie: field('pptp.magic_cookie', 'Magic Cookie', FT.UInt32, 'Always 0x1a2b3c4d: lets a receiver check it is still in step with the message boundaries of the byte stream.', { base: 'hex' }),
  badCookie: field('pptp.magic_cookie.incorrect', 'Incorrect Magic Cookie', FT.None, 'The magic cookie is not 0x1a2b3c4d: the stream is out of step or this is not PPTP.'),
  messageType: field('pptp.control_message_type', 'Control Message Type', FT.UInt16, 'Which control message this is: starting or stopping the control connection, keepalive echoes, or setting up, clearing and configuring a call.', { values: messageNames }),
  reserved: field('pptp.reserved', 'Reserved', FT.Bytes, 'Bytes that must be zero.'),
  version: field('pptp.protocol_version', 'Protocol version', FT.UInt16, 'PPTP version as major.minor: 1.0.'),
  framingCaps: field('pptp.framing_capabilities', 'Framing Capabilities', FT.UInt32, 'The PPP framing the sender\'s side can handle on its lines (asynchronous, synchronous).', { values: framing }),
  bearerCaps: field('pptp.bearer_capabilities', 'Bearer Capabilities', FT.UInt32, 'The kind of lines the sender can place calls on (analog, digital); meaningless for a VPN but still sent.', { values: bearer }),
  maxChannels: field('pptp.maximum_channels', 'Maximum Channels', FT.UInt16, 'How many calls the access concentrator can carry (0 from a client).'),
  firmware: field('pptp.firmware_revision', 'Firmware Revision', FT.UInt16, 'The sender\'s software revision (Windows sends its build number).'),
  hostName: field('pptp.host_name', 'Host Name', FT.String, 'The sender\'s DNS name, in a fixed 64-byte field (often empty).'),
  vendorName: field('pptp.vendor_name', 'Vendor Name', FT.String, 'The sender\'s implementation, in a fixed 64-byte field: "Microsoft Windows NT", "Linux"…'),
  controlResult: field('pptp.control_result', 'Result Code', FT.UInt8, 'Whether the control connection was accepted.', {
    values: { 1: 'Successful channel establishment', 2: 'General error', 3: 'Command channel already exists', 4: 'Requester not authorized', 5: 'Protocol version not supported' },
  }),
  error: field('pptp.error', 'Error Code', FT.UInt8, 'With a general error, what went wrong.', { values: errors }),
  reason: field('pptp.reason', 'Reason', FT.UInt8, 'Why the control connection is being closed.', { values: { 1: 'None', 2: 'Stop-Protocol', 3: 'Stop-Local-Shutdown' } }),
  stopResult: field('pptp.stop_result', 'Result Code', FT.UInt8, 'Whether the close was accepted.', { values: { 1: 'OK', 2: 'General error' } }),
  identifier: field('pptp.identifier', 'Identifier', FT.UInt32, 'Matches an Echo-Reply to its Echo-Request (the control connection\'s keepalive).'),
  echoResult: field('pptp.echo_result', 'Result Code', FT.UInt8, 'Whether the echo succeeded.', { values: { 1: 'OK', 2: 'General error' } }),
  callId: field('pptp.call_id', 'Call ID', FT.UInt16, 'The sender\'s number for this call; the peer puts it in the GRE Key field of the call\'s PPP frames.'),
  callSerial: field('pptp.call_serial_number', 'Call Serial Number', FT.UInt16, 'A number the client gives the call, for logs on both sides.'),
  minBps: field('pptp.minimum_bps', 'Minimum BPS', FT.UInt32, 'The lowest line speed the client accepts, in bits per second.'),
  maxBps: field('pptp.maximum_bps', 'Maximum BPS', FT.UInt32, 'The highest line speed the client can use, in bits per second.'),
  bearerType: field('pptp.bearer_type', 'Bearer Type', FT.UInt32, 'The kind of line wanted for the call.', { values: bearer }),
  framingType: field('pptp.framing_type', 'Framing Type', FT.UInt32, 'The PPP framing wanted for the call.', { values: framing }),
  window: field('pptp.packet_receive_window_size', 'Packet Receive Window Size', FT.UInt16, 'How many GRE data packets the sender can buffer: the flow-control window of the call.'),
  delay: field('pptp.packet_processing_delay', 'Packet Processing Delay', FT.UInt16, 'How long the sender takes to process a packet, in tenths of a second (for timeouts).'),
  phoneLength: field('pptp.phone_number_length', 'Phone Number Length', FT.UInt16, 'Digits in the phone number that follows.'),
  phone: field('pptp.phone_number', 'Phone Number', FT.String, 'The number to dial, in a fixed 64-byte field (empty for a VPN).'),
  subaddress: field('pptp.subaddress', 'Subaddress', FT.String, 'Extra dialing information, in a fixed 64-byte field.'),
  peerCallId: field('pptp.peer_call_id', 'Peer Call ID', FT.UInt16, 'The other side\'s Call ID for this call.'),
  outResult: field('pptp.out_result', 'Result Code', FT.UInt8, 'Whether the outgoing call was placed.', {
    values: { 1: 'Connected', 2: 'General Error', 3: 'No Carrier', 4: 'Busy', 5: 'No Dial Tone', 6: 'Time-out', 7: 'Do Not Accept' },
  }),
  cause: field('pptp.cause', 'Cause Code', FT.UInt16, 'A telephony (ISDN Q.931) cause code for a failed or ended call.'),
  connectSpeed: field('pptp.connect_speed', 'Connect Speed', FT.UInt32, 'The line speed the call got, in bits per second.'),
  channelId: field('pptp.physical_channel_id', 'Physical Channel ID', FT.UInt32, 'The access concentrator\'s own number for the line, for its logs.'),
  dialedLength: field('pptp.dialed_number_length', 'Dialed Number Length', FT.UInt16, 'Digits in the dialed number.'),
  dialed: field('pptp.dialed_number', 'Dialed Number', FT.String, 'The number the caller dialed, in a fixed 64-byte field.'),
  dialingLength: field('pptp.dialing_number_length', 'Dialing Number Length', FT.UInt16, 'Digits in the caller\'s number.'),
  dialing: field('pptp.dialing_number', 'Dialing Number', FT.String, 'The caller\'s number, in a fixed 64-byte field.'),
  inResult: field('pptp.in_result', 'Result Code', FT.UInt8, 'Whether the incoming call is accepted.', { values: { 1: 'Connect', 2: 'General error', 3: 'Do Not Accept' } }),
  discResult: field('pptp.disc_result', 'Result Code', FT.UInt8, 'Why the call ended: carrier lost, an error, an administrator, or a request from the other side.', { values: { 1: 'Lost Carrier', 2: 'General Error', 3: 'Admin Shutdown', 4: 'Request' } }),
  statistics: field('pptp.call_Statistics', 'Call Statistics', FT.String, 'Free-form statistics about the ended call, in a fixed 128-byte field.'),
  crcErrors: field('pptp.crc_errors', 'CRC Errors', FT.UInt32, 'PPP frames received with a bad checksum since the call started.'),
  framingErrors: field('pptp.framing_errors', 'Framing Errors', FT.UInt32, 'PPP frames received with bad framing.'),
  hardwareOverruns: field('pptp.hardware_overruns', 'Hardware overruns', FT.UInt32, 'Receive buffer overruns in hardware.'),
  bufferOverruns: field('pptp.buffer_overruns', 'Buffer overruns', FT.UInt32, 'Receive buffer overruns in software.'),
  timeoutErrors: field('pptp.timeout_errors', 'Time-out Errors', FT.UInt32, 'Frames lost to timeouts.'),
  alignmentErrors: field('pptp.alignment_errors', 'Alignment Errors', FT.UInt32, 'Frames received misaligned.'),
  sendAccm: field('pptp.send_accm', 'Send ACCM', FT.UInt32, 'Set-Link-Info: the control characters to escape when sending, as PPP\'s LCP negotiated them.', { base: 'hex' }),
  receiveAccm: field('pptp.receive_accm', 'Receive ACCM', FT.UInt32, 'Set-Link-Info: the control characters the sender expects escaped.', { base: 'hex' }),
};

/** A message body: fields in order with their sizes (reserved bytes as `[null, n]`). */
type Layout = [FieldDef | null, number][];

const layouts: Record<number, Layout> = {
  1: [[hf.version, 2], [null, 2], [hf.framingCaps, 4], [hf.bearerCaps, 4], [hf.maxChannels, 2], [hf.firmware, 2], [hf.hostName, 64], [hf.vendorName, 64]],
  2: [[hf.version, 2], [hf.controlResult, 1], [hf.error, 1], [hf.framingCaps, 4], [hf.bearerCaps, 4], [hf.maxChannels, 2], [hf.firmware, 2], [hf.hostName, 64], [hf.vendorName, 64]],
  3: [[hf.reason, 1], [null, 1], [null, 2]],
  4: [[hf.stopResult, 1], [hf.error, 1], [null, 2]],
  5: [[hf.identifier, 4]],
  6: [[hf.identifier, 4], [hf.echoResult, 1], [hf.error, 1], [null, 2]],
  7: [[hf.callId, 2], [hf.callSerial, 2], [hf.minBps, 4], [hf.maxBps, 4], [hf.bearerType, 4], [hf.framingType, 4], [hf.window, 2], [hf.delay, 2],
    [hf.phoneLength, 2], [null, 2], [hf.phone, 64], [hf.subaddress, 64]],
  8: [[hf.callId, 2], [hf.peerCallId, 2], [hf.outResult, 1], [hf.error, 1], [hf.cause, 2], [hf.connectSpeed, 4], [hf.window, 2], [hf.delay, 2], [hf.channelId, 4]],
  9: [[hf.callId, 2], [hf.callSerial, 2], [hf.bearerType, 4], [hf.channelId, 4], [hf.dialedLength, 2], [hf.dialingLength, 2], [hf.dialed, 64], [hf.dialing, 64], [hf.subaddress, 64]],
  10: [[hf.callId, 2], [hf.peerCallId, 2], [hf.inResult, 1], [hf.error, 1], [hf.window, 2], [hf.delay, 2], [null, 2]],
  11: [[hf.peerCallId, 2], [null, 2], [hf.connectSpeed, 4], [hf.window, 2], [hf.delay, 2], [hf.framingType, 4]],
  12: [[hf.callId, 2], [null, 2]],
  13: [[hf.callId, 2], [hf.discResult, 1], [hf.error, 1], [hf.cause, 2], [null, 2], [hf.statistics, 128]],
  14: [[hf.peerCallId, 2], [null, 2], [hf.crcErrors, 4], [hf.framingErrors, 4], [hf.hardwareOverruns, 4], [hf.bufferOverruns, 4], [hf.timeoutErrors, 4], [hf.alignmentErrors, 4]],
  15: [[hf.peerCallId, 2], [null, 2], [hf.sendAccm, 4], [hf.receiveAccm, 4]],
};

/** A fixed-size text field: the bytes up to the first NUL. */
function fixedText(buf: Buf, at: number, size: number): string {
  const bytes = buf.bytesAt(at, size);
  const nul = bytes.indexOf(0);
  return buf.latin1(at, nul < 0 ? size : nul);
}

function dissectMessage(buf: Buf, pkt: Packet, parent: Node): void {
  const node = pkt.addLayer(pptp, parent, buf, 0, buf.length);
  const length = buf.u16(0);
  node.add(hf.length, buf, 0, 2, length);
  node.add(hf.type, buf, 2, 2, buf.u16(2));
  const cookie = buf.u32(4);
  const cookieNode = node.add(hf.cookie, buf, 4, 4, cookie);
  if (cookie === MAGIC_COOKIE) cookieNode.suffix = ' (correct)';
  else pkt.addExpert(cookieNode, Severity.Warning, 'Protocol', `Incorrect Magic Cookie (should be 0x${MAGIC_COOKIE.toString(16)})`, 'pptp', hf.badCookie);
  const type = buf.u16(8);
  node.add(hf.messageType, buf, 8, 2, type);
  pkt.setInfo(messageNames[type] ?? `Unknown control type (${type})`);
  node.add(hf.reserved, buf, 10, 2, buf.bytesAt(10, 2));
  let at = HEADER;
  for (const [def, size] of layouts[type] ?? []) {
    if (def === null) node.add(hf.reserved, buf, at, size, buf.bytesAt(at, size));
    else if (def === hf.version) {
      const v = buf.u16(at);
      node.add(def, buf, at, size, v).text = `Protocol version: ${v >> 8}.${v & 0xff}`;
    } else if (def.type === FT.String) node.add(def, buf, at, size, fixedText(buf, at, size));
    else node.add(def, buf, at, size, size === 1 ? buf.u8(at) : size === 2 ? buf.u16(at) : buf.u32(at));
    at += size;
  }
}

/** A control message's length, from its first field. */
function messageLength(b: Buf, offset: number): number {
  if (b.remaining(offset) < 2) return NEED_MORE;
  return b.u16(offset);
}

function dissectPptp(buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  pkt.protocolColumn = 'PPTP';
  dissectPdus(buf, pkt, parent, data, messageLength, dissectMessage);
}

export const pptp = protocol('pptp', 'Point-to-Point Tunnelling Protocol', 'PPTP',
  'The control connection of a PPTP VPN (TCP 1723): it starts the tunnel and its calls, whose PPP frames then travel in Enhanced GRE.',
  dissectPptp);

export function register(): void {
  table('tcp.port').add(1723, pptp);
}
