/**
 * Frame: the capture record itself (not a wire protocol). Shows what the capture file says about the
 * packet — when it was seen, how long it was on the wire and how much was kept — then hands the bytes
 * to the dissector registered for the frame's link type in the `link_type` table (LINKTYPE_* values,
 * https://www.tcpdump.org/linktypes.html).
 */
import { FT, field } from '../engine/fields.js';
import { protocol, table, callDissector, dissectData } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import type { Node } from '../engine/tree.js';
import { Severity } from '../engine/tree.js';

const hf = {
  interfaceId: field('frame.interface_id', 'Interface id', FT.UInt32, 'Which capture interface (in a pcapng file with several) recorded this frame.'),
  interfaceName: field('frame.interface_name', 'Interface name', FT.String, 'The name of the interface the frame was captured on, as the capture file records it.'),
  linkType: field('frame.link_type', 'Link type', FT.UInt16, 'The LINKTYPE value of the interface: which link-layer header the frame begins with (1 = Ethernet, 101 = raw IP, ...).', {
    values: { 0: 'NULL', 1: 'Ethernet', 101: 'Raw IP', 108: 'OpenBSD loopback', 113: 'Linux cooked (SLL)', 228: 'Raw IPv4', 229: 'Raw IPv6', 276: 'Linux cooked v2 (SLL2)' },
  }),
  time: field('frame.time', 'Arrival Time', FT.AbsTime, 'The date and time the capture program recorded the frame, in UTC.'),
  timeEpoch: field('frame.time_epoch', 'Epoch Time', FT.AbsTime, 'The arrival time as seconds since 1 January 1970 UTC, the form programs compare easily.', { base: 'dec', unit: ' seconds' }),
  timeDelta: field('frame.time_delta', 'Time delta from previous captured frame', FT.RelTime, 'Seconds between the previous frame in the file and this one.', { unit: ' seconds' }),
  timeRelative: field('frame.time_relative', 'Time since reference or first frame', FT.RelTime, 'Seconds since the first frame of the capture: the Time column of the summary.', { unit: ' seconds' }),
  number: field('frame.number', 'Frame Number', FT.UInt32, 'The position of this frame in the capture file, counting from 1.'),
  len: field('frame.len', 'Frame Length', FT.UInt32, 'How many bytes the packet had on the wire.', { unit: ' bytes' }),
  capLen: field('frame.cap_len', 'Capture Length', FT.UInt32, 'How many bytes of the packet the capture file kept; smaller than the frame length when a snapshot length cut it.', { unit: ' bytes' }),
  protocols: field('frame.protocols', 'Protocols in frame', FT.String, 'The chain of protocols found in this frame, outermost first, separated by colons.'),
  comment: field('frame.comment', 'Comment', FT.String, 'A note a person or program attached to this frame in the pcapng file.'),
};

function dissectFrame(buf: Buf, pkt: Packet, root: Node): void {
  const f = pkt.frame;
  const node = pkt.addLayer(frame, root, buf, 0, buf.length);
  if (node.real) {
    if (f.comments) {
      for (const c of f.comments) {
        const n = node.add(hf.comment, buf, 0, 0, c);
        pkt.addExpert(n, Severity.Comment, 'Comment', c, 'frame');
      }
    }
    node.add(hf.interfaceId, buf, 0, 0, f.interfaceId);
    if (f.interfaceName !== undefined) node.add(hf.interfaceName, buf, 0, 0, f.interfaceName);
    node.add(hf.linkType, buf, 0, 0, f.linkType);
    const t: [number, number] = [f.seconds, f.nanos];
    node.add(hf.time, buf, 0, 0, t);
    node.add(hf.timeEpoch, buf, 0, 0, t);
    node.add(hf.timeDelta, buf, 0, 0, pkt.deltaTime);
    node.add(hf.timeRelative, buf, 0, 0, pkt.relativeTime);
    node.add(hf.number, buf, 0, 0, f.number);
    node.add(hf.len, buf, 0, 0, f.originalLength);
    node.add(hf.capLen, buf, 0, 0, f.capturedLength);
  }
  const protocolsNode = node.add(hf.protocols, buf, 0, 0, '');
  const link = pkt.session.lookup(linkTypes, f.linkType);
  if (link) callDissector(link, buf, pkt, root);
  else dissectData(buf, pkt, root);
  // tshark lists the protocols inside the frame, not the frame record itself.
  if (node.real) protocolsNode.value = pkt.layers.slice(1).join(':');
  if (f.capturedLength < f.originalLength && !pkt.truncated && node.real) {
    node.addText('[Packet size limited during capture]');
  }
}

export const frame = protocol('frame', 'Frame', 'Frame', 'The capture record: timing and lengths recorded by the capture program, before any protocol.', dissectFrame, (n) => {
  const len = n.childValue(hf.len) as number;
  const cap = n.childValue(hf.capLen) as number;
  const ifName = n.childValue(hf.interfaceName);
  const id = n.childValue(hf.interfaceId);
  return `Frame ${n.childValue(hf.number)}: ${len} bytes on wire (${len * 8} bits), ${cap} bytes captured (${cap * 8} bits)${ifName !== undefined ? ` on interface ${ifName}, id ${id}` : ''}`;
});

/** Link-layer dissectors attach here by LINKTYPE value. */
export const linkTypes = table('link_type', 'Link-layer header type of the capture interface (LINKTYPE_*)');

export function register(): void {
  // The frame protocol registers itself on import; nothing else to attach.
}
