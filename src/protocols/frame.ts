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

/**
 * Wireshark's encapsulation numbers (WTAP_ENCAP_*, what frame.encap_type holds) by LINKTYPE value,
 * with tshark's names for them: the link types dissected here, and others met in real captures whose
 * frames are shown as data (the frame line still names the encapsulation as tshark does).
 */
const ENCAPSULATIONS = new Map<number, [number, string]>([
  [0, [15, 'NULL/Loopback']],
  [1, [1, 'Ethernet']],
  [7, [8, 'ARCNET']],
  [8, [3, 'SLIP']],
  [100, [10, 'RFC 1483 ATM']],
  [105, [20, 'IEEE 802.11 Wireless LAN']],
  [106, [11, 'Linux ATM CLIP']],
  [107, [26, 'Frame Relay']],
  [123, [13, 'ATM PDUs']],
  [127, [23, 'IEEE 802.11 plus radiotap radio header']],
  [137, [67, 'Juniper ATM1']],
  [149, [47, 'USER 2']],
  [160, [58, 'USER 13']],
  [178, [83, 'Juniper Ethernet']],
  [195, [104, 'IEEE 802.15.4 Wireless PAN']],
  [231, [146, 'D-Bus']],
  [242, [180, 'IP over IB']],
  [258, [171, 'Apple PKTAP']],
  [9, [4, 'PPP']],
  [50, [4, 'PPP']],
  [101, [7, 'Raw IP']],
  [104, [28, 'Cisco HDLC']],
  [108, [174, 'OpenBSD loopback']],
  [113, [25, 'Linux cooked-mode capture v1']],
  [129, [9, 'Linux ARCNET']],
  [226, [124, 'Solaris IPNET']],
  [228, [129, 'Raw IPv4']],
  [229, [130, 'Raw IPv6']],
  [239, [141, 'NFLOG']],
  [276, [210, 'Linux cooked-mode capture v2']],
]);
const encapNames = new Map([...ENCAPSULATIONS.values()]);

const bits = { unit: ' bytes' } as const;

const hf = {
  comment: field('frame.comment', 'Comment', FT.String, 'A note a person or program attached to this frame in the pcapng file.'),
  section: field('frame.section_number', 'Section number', FT.UInt32, 'Which section of the pcapng file (counting from 1) holds this frame; a file made by joining captures has several.'),
  interfaceId: field('frame.interface_id', 'Interface id', FT.UInt32, 'Which capture interface (in a pcapng file with several) recorded this frame.'),
  interfaceName: field('frame.interface_name', 'Interface name', FT.String, 'The name of the interface the frame was captured on, as the capture file records it.'),
  encapType: field('frame.encap_type', 'Encapsulation type', FT.Int16, 'Which link-layer header the frame begins with, as Wireshark numbers them (1 = Ethernet, 7 = raw IP …).', { values: (v) => encapNames.get(v) }),
  linkType: field('frame.link_type', 'Link type', FT.UInt16, 'The LINKTYPE value of the interface, for a link type not read here: which link-layer header the frame begins with.'),
  time: field('frame.time', 'Arrival Time', FT.AbsTime, 'The date and time the capture program recorded the frame, in UTC.'),
  offsetShift: field('frame.offset_shift', 'Time shift for this packet', FT.RelTime, 'How far this frame\'s time was shifted from what the file says (always 0 here: times are shown as recorded).', { unit: ' seconds' }),
  timeEpoch: field('frame.time_epoch', 'Epoch Time', FT.AbsTime, 'The arrival time as seconds since 1 January 1970 UTC, the form programs compare easily.', { base: 'dec', unit: ' seconds' }),
  timeDelta: field('frame.time_delta', 'Time delta from previous captured frame', FT.RelTime, 'Seconds between the previous frame in the file and this one.', { unit: ' seconds' }),
  timeDeltaDisplayed: field('frame.time_delta_displayed', 'Time delta from previous displayed frame', FT.RelTime, 'Seconds since the previous frame shown: with a display filter, the previous one that matched.', { unit: ' seconds' }),
  timeRelative: field('frame.time_relative', 'Time since reference or first frame', FT.RelTime, 'Seconds since the first frame of the capture: the Time column of the summary.', { unit: ' seconds' }),
  number: field('frame.number', 'Frame Number', FT.UInt32, 'The position of this frame in the capture file, counting from 1.'),
  len: field('frame.len', 'Frame Length', FT.UInt32, 'How many bytes the packet had on the wire.', bits),
  capLen: field('frame.cap_len', 'Capture Length', FT.UInt32, 'How many bytes of the packet the capture file kept; smaller than the frame length when a snapshot length cut it.', bits),
  marked: field('frame.marked', 'Frame is marked', FT.Bool, 'Whether a user marked this frame in Wireshark; a capture file carries no marks, so always false here.', { trueFalse: ['True', 'False'] }),
  ignored: field('frame.ignored', 'Frame is ignored', FT.Bool, 'Whether a user told Wireshark to skip this frame; never, here.', { trueFalse: ['True', 'False'] }),
  protocols: field('frame.protocols', 'Protocols in frame', FT.String, 'The chain of protocols found in this frame, outermost first, separated by colons.'),
};

/**
 * The packet's comments, as tshark shows them: a layer of their own before the frame, each comment
 * with a Comment expert info.
 */
function dissectComments(buf: Buf, pkt: Packet, root: Node, comments: string[]): void {
  const node = pkt.addLayer(pktComment, root, buf, 0, 0);
  for (const c of comments) {
    const n = node.add(hf.comment, buf, 0, 0, c);
    n.text = c;
    pkt.addExpert(n, Severity.Comment, 'Comment', c, 'frame');
  }
}

function dissectFrame(buf: Buf, pkt: Packet, root: Node): void {
  const f = pkt.frame;
  if (f.comments) dissectComments(buf, pkt, root, f.comments);
  const node = pkt.addLayer(frame, root, buf, 0, buf.length);
  if (node.real) {
    if (f.section !== undefined) node.add(hf.section, buf, 0, 0, f.section);
    if (f.section !== undefined || f.interfaceName !== undefined) {
      const id = node.add(hf.interfaceId, buf, 0, 0, f.interfaceId);
      if (f.interfaceName !== undefined) {
        id.suffix = ` (${f.interfaceName})`;
        id.add(hf.interfaceName, buf, 0, 0, f.interfaceName);
      }
    }
    const encap = ENCAPSULATIONS.get(f.linkType);
    if (encap) node.add(hf.encapType, buf, 0, 0, encap[0]);
    else node.add(hf.linkType, buf, 0, 0, f.linkType);
    const t: [number, number] = [f.seconds, f.nanos];
    node.add(hf.time, buf, 0, 0, t);
    node.addGenerated(hf.offsetShift, 0);
    node.add(hf.timeEpoch, buf, 0, 0, t);
    node.addGenerated(hf.timeDelta, pkt.deltaTime);
    node.addGenerated(hf.timeDeltaDisplayed, pkt.deltaShownTime);
    node.addGenerated(hf.timeRelative, pkt.relativeTime);
    node.add(hf.number, buf, 0, 0, f.number);
    node.add(hf.len, buf, 0, 0, f.originalLength).suffix = ` (${f.originalLength * 8} bits)`;
    node.add(hf.capLen, buf, 0, 0, f.capturedLength).suffix = ` (${f.capturedLength * 8} bits)`;
    node.addGenerated(hf.marked, false);
    node.addGenerated(hf.ignored, false);
  }
  const protocolsNode = node.addGenerated(hf.protocols, '');
  const link = pkt.session.lookup(linkTypes, f.linkType);
  if (link) callDissector(link, buf, pkt, root);
  else dissectData(buf, pkt, root);
  // tshark lists the protocols inside the frame: not the frame record, nor the comments before it.
  if (node.real) protocolsNode.value = pkt.layers.slice(pkt.layers.indexOf('frame') + 1).join(':');
  if (f.capturedLength < f.originalLength && !pkt.truncated && node.real) {
    node.addText('[Packet size limited during capture]');
  }
}

export const pktComment = protocol('pkt_comment', 'Packet comments', 'Comments',
  'The comments a pcapng file attaches to this frame, shown before the frame itself.', () => {});

export const frame = protocol('frame', 'Frame', 'Frame', 'The capture record: timing and lengths recorded by the capture program, before any protocol.', dissectFrame, (n) => {
  const len = n.childValue(hf.len) as number;
  const cap = n.childValue(hf.capLen) as number;
  const id = n.children?.find((k) => k.field === hf.interfaceId);
  const ifName = id?.childValue(hf.interfaceName);
  return `Frame ${n.childValue(hf.number)}: ${len} bytes on wire (${len * 8} bits), ${cap} bytes captured (${cap * 8} bits)${ifName !== undefined ? ` on interface ${ifName}, id ${id!.value}` : ''}`;
});

/** Link-layer dissectors attach here by LINKTYPE value. */
export const linkTypes = table('link_type', 'Link-layer header type of the capture interface (LINKTYPE_*)');

export function register(): void {
  // The frame protocol registers itself on import; nothing else to attach.
}
