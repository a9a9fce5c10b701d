/**
 * PPPoE — PPP over Ethernet (RFC 2516): how DSL links carry PPP. Both stages share one header:
 *
 *  +----+----+--------+----------------+----------------+---------------------
 *  |ver |type|  code  |   session id   |     length     | payload …
 *  +----+----+--------+----------------+----------------+---------------------
 *
 * Discovery (EtherType 0x8863) finds an access concentrator and gets a session id: PADI, PADO,
 * PADR, PADS, and PADT to end it; its payload is a list of tags (type, length, value). The session
 * stage (EtherType 0x8864, code 0) carries the PPP frame, without address and control bytes.
 */
import { FT, type FieldDef, field } from '../engine/fields.js';
import { callDissector, protocol, table } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import { type Node, Severity } from '../engine/tree.js';
import { ppp } from './ppp.js';

const codeNames: Record<number, string> = {
  0x00: 'Session Data', 0x07: 'Active Discovery Offer (PADO)', 0x09: 'Active Discovery Initiation (PADI)',
  0x19: 'Active Discovery Request (PADR)', 0x65: 'Active Discovery Session-confirmation (PADS)', 0xa7: 'Active Discovery Terminate (PADT)',
};

/** Wireshark's parent protocol for the header fields both stages share (pppoe.*). */
field('pppoe', 'PPP-over-Ethernet', FT.Protocol, 'PPP over Ethernet, the DSL access protocol: the header its discovery and session stages share.');

const hf = {
  version: field('pppoe.version', 'Version', FT.UInt8, 'The PPPoE version, which RFC 2516 fixes at 1.', { bitmask: 0xf0 }),
  type: field('pppoe.type', 'Type', FT.UInt8, 'The PPPoE type, which RFC 2516 fixes at 1.', { bitmask: 0x0f }),
  code: field('pppoe.code', 'Code', FT.UInt8, 'The stage message: 0 for session data; the discovery messages (PADI, PADO, PADR, PADS, PADT) use other codes.', {
    base: 'hex', values: codeNames,
  }),
  sessionId: field('pppoe.session_id', 'Session ID', FT.UInt16, 'The session the access concentrator assigned in discovery; with the two MAC addresses it names the PPP link.', { base: 'hex' }),
  length: field('pppoe.payload_length', 'Payload Length', FT.UInt16, 'Bytes of payload after this header: the PPP frame, or the discovery tags.'),
  tags: field('pppoed.tags', 'PPPoE Tags', FT.None, 'The discovery message\'s tags: what service is wanted, who offers it, and values to echo back.'),
  serviceName: field('pppoed.tags.service_name', 'Service-Name', FT.String, 'The service (often an ISP name) the client asks for or the concentrator offers; empty means any.'),
  acName: field('pppoed.tags.ac_name', 'AC-Name', FT.String, 'The name of the access concentrator that answers.'),
  hostUniq: field('pppoed.tags.host_uniq', 'Host-Uniq', FT.Bytes, 'A value the client chooses and the concentrator echoes, so the client can match answers to its requests.'),
  acCookie: field('pppoed.tags.ac_cookie', 'AC-Cookie', FT.Bytes, 'A value the concentrator hands out and expects back in the request, against denial-of-service floods.'),
  relaySessionId: field('pppoed.tags.relay_session_id', 'Relay-Session-Id', FT.Bytes, 'Added by a relay between client and concentrator, to route the answers back.'),
  maxPayload: field('pppoed.tags.max_payload', 'PPP-Max-Payload', FT.Bytes, 'RFC 4638: the client can carry PPP frames larger than 1492 bytes (jumbo frames), up to this size.'),
  serviceNameError: field('pppoed.tags.service_name_error', 'Service-Name-Error', FT.String, 'The service asked for cannot be offered, and why.'),
  acSystemError: field('pppoed.tags.ac_system_error', 'AC-System-Error', FT.String, 'The concentrator had an error (such as no resources for a new session).'),
  genericError: field('pppoed.tags.generic_error', 'Generic-Error', FT.String, 'Some other error, in words.'),
  unknownTag: field('pppoed.tag.unknown_data', 'Unknown Data', FT.Bytes, 'The value of a tag vpnscope does not name.'),
};

/** Discovery tags by type: the field that shows the value. */
const tagFields = new Map<number, FieldDef>([
  [0x0101, hf.serviceName], [0x0102, hf.acName], [0x0103, hf.hostUniq], [0x0104, hf.acCookie], [0x0110, hf.relaySessionId],
  [0x0120, hf.maxPayload], [0x0201, hf.serviceNameError], [0x0202, hf.acSystemError], [0x0203, hf.genericError],
]);


/** The shared header; returns the payload length, checked against the frame. */
function header(buf: Buf, pkt: Packet, node: Node): number {
  const vt = buf.u8(0);
  node.add(hf.version, buf, 0, 1, vt >> 4);
  node.add(hf.type, buf, 0, 1, vt & 0x0f);
  node.add(hf.code, buf, 1, 1, buf.u8(1));
  node.add(hf.sessionId, buf, 2, 2, buf.u16(2));
  const length = buf.u16(4);
  const lengthNode = node.add(hf.length, buf, 4, 2, length);
  const room = Math.max(0, buf.reportedLength - 6);
  if (length > room) pkt.addExpert(lengthNode, Severity.Warning, 'Malformed', `Payload length ${length} goes past the frame (${room} bytes)`);
  return Math.min(length, room);
}

function dissectPppoes(buf: Buf, pkt: Packet, parent: Node): void {
  const node = pkt.addLayer(pppoes, parent, buf, 0, 6);
  const length = header(buf, pkt, node);
  callDissector(ppp, buf.sub(6, length), pkt, parent);
}

function dissectPppoed(buf: Buf, pkt: Packet, parent: Node): void {
  const node = pkt.addLayer(pppoed, parent, buf, 0, buf.length);
  pkt.setInfo(codeNames[buf.u8(1)] ?? `Unknown (0x${buf.u8(1).toString(16).padStart(2, '0')})`);
  const length = header(buf, pkt, node);
  if (length === 0) return;
  const list = node.add(hf.tags, buf, 6, length);
  const end = 6 + length;
  for (let at = 6; at + 4 <= end; ) {
    const type = buf.u16(at);
    const len = buf.u16(at + 2);
    if (type === 0) break;
    const def = tagFields.get(type) ?? hf.unknownTag;
    const take = Math.min(len, end - at - 4);
    // An empty tag (an empty Service-Name: any service) has no value to show, as in tshark.
    if (take > 0) list.add(def, buf, at + 4, take, def.type === FT.String ? buf.latin1(at + 4, take) : buf.bytesAt(at + 4, take));
    at += 4 + len;
  }
}

export const pppoes = protocol('pppoes', 'PPP-over-Ethernet Session', 'PPPoES',
  'PPP carried in Ethernet frames, as DSL links do: a 6-byte header naming the session, then the PPP frame.',
  dissectPppoes);

export const pppoed = protocol('pppoed', 'PPP-over-Ethernet Discovery', 'PPPoED',
  'How a DSL client finds an access concentrator and gets a PPPoE session: the PADI, PADO, PADR, PADS and PADT messages and their tags.',
  dissectPppoed);

export function register(): void {
  table('ethertype').add(0x8863, pppoed);
  table('ethertype').add(0x8864, pppoes);
}
