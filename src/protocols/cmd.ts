/**
 * Cisco MetaData (EtherType 0x8909; draft-smith-kandula-sxp): the Security Group Tag of Cisco
 * TrustSec, carried with a frame so switches and firewalls can apply policy by group, not by address.
 *
 *   in an Ethernet frame:  version | length | option type (2) | SGT (2) | EtherType (2) | packet …
 *   in GRE:                EtherType (2) | version | length | option type (2) | SGT (2) | packet …
 *
 * GRE tunnels put the EtherType of the packet first, so GRE's payload information says which form
 * this is.
 */
import { FT, field } from '../engine/fields.js';
import { protocol, table } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import type { Node } from '../engine/tree.js';
import { dissectByEtherType, etherTypeNames } from './eth.js';
import type { GrePayloadInfo } from './gre.js';

const hf = {
  version: field('cmd.version', 'Version', FT.UInt8, 'The metadata format version: 1.'),
  length: field('cmd.length', 'Length', FT.UInt8, 'The length of the options that follow, in 4-byte units (1: just the SGT option).'),
  options: field('cmd.options', 'Options', FT.UInt16, 'The option type: 0x0001 is the Security Group Tag.', { base: 'hex' }),
  sgt: field('cmd.sgt', 'SGT', FT.UInt16, 'The Security Group Tag: the TrustSec group of the traffic\'s source, which policies are written against.'),
  type: field('cmd.type', 'Type', FT.UInt16, 'The EtherType of the packet that follows the metadata.', { base: 'hex', values: etherTypeNames }),
};

function dissectCmd(buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  const inGre = typeof (data as GrePayloadInfo | undefined)?.sequenced === 'boolean';
  const node = pkt.addLayer(cmd, parent, buf, 0, inGre ? 8 : 6);
  if (!pkt.inErrorPacket) pkt.protocolColumn = 'CMD';
  pkt.setInfo('');
  const base = inGre ? 2 : 0;
  const typeAt = inGre ? 0 : 6;
  if (inGre) node.add(hf.type, buf, 0, 2, buf.u16(0));
  node.add(hf.version, buf, base, 1, buf.u8(base));
  node.add(hf.length, buf, base + 1, 1, buf.u8(base + 1));
  node.add(hf.options, buf, base + 2, 2, buf.u16(base + 2));
  node.add(hf.sgt, buf, base + 4, 2, buf.u16(base + 4));
  const type = buf.u16(typeAt);
  if (!inGre) node.add(hf.type, buf, 6, 2, type);
  dissectByEtherType(type, buf.sub(8), pkt, parent);
}

export const cmd = protocol('cmd', 'Cisco MetaData', 'CMD',
  'Cisco TrustSec\'s inline tagging: a Security Group Tag carried with the frame, so policy can follow groups rather than addresses.',
  dissectCmd);

export function register(): void {
  table('ethertype').add(0x8909, cmd);
}
