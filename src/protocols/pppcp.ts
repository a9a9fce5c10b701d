/**
 * PPP's own protocols, which set a link up before it carries IP: the control protocols that share
 * RFC 1661's packet format (LCP for the link, IPCP and IPV6CP for the network layers, CCP for
 * compression) and the two authentication protocols PAP (RFC 1334) and CHAP (RFC 1994).
 *
 *   control protocols, PAP, CHAP:
 *  +--------+------------+----------------+--------------------
 *  |  Code  | Identifier |     Length     | data …
 *  +--------+------------+----------------+--------------------
 *
 * A Configure-Request (Ack, Nak, Reject) carries options, each type | length | value. One mechanism
 * serves the four control protocols: a table of codes and a table of options per protocol. PPTP and
 * L2TP tunnels, PPPoE (DSL) and dial-up links all negotiate with them.
 */
import { FT, type FieldDef, field } from '../engine/fields.js';
import { protocol, type Protocol } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import { type Node, Severity } from '../engine/tree.js';
import { hex } from '../engine/format.js';
import { pppProtocolNames, protocols } from './ppp.js';

const CONF_REQ = 1;
const CONF_REJ = 4;
const TERM_REQ = 5;
const TERM_ACK = 6;
const CODE_REJ = 7;
const PROT_REJ = 8;
const ECHO_REQ = 9;
const ECHO_REP = 10;
const DISC_REQ = 11;
const IDENT = 12;
const TIME_REMAIN = 13;

const codeNames: Record<number, string> = {
  1: 'Configuration Request', 2: 'Configuration Ack', 3: 'Configuration Nak', 4: 'Configuration Reject', 5: 'Termination Request',
  6: 'Termination Ack', 7: 'Code Reject', 8: 'Protocol Reject', 9: 'Echo Request', 10: 'Echo Reply', 11: 'Discard Request',
  12: 'Identification', 13: 'Time Remaining', 14: 'Reset Request', 15: 'Reset Ack',
};

/** Option names by type, per control protocol (the option tables below add how each value is read). */
const lcpOptionNames: Record<number, string> = {
  1: 'Maximum Receive Unit', 2: 'Async Control Character Map', 3: 'Authentication Protocol', 4: 'Quality Protocol', 5: 'Magic Number',
  7: 'Protocol Field Compression', 8: 'Address and Control Field Compression', 13: 'Callback', 17: 'Multilink MRRU',
  18: 'Multilink Short Sequence Number Header Format', 19: 'Multilink Endpoint Discriminator',
};
const ipcpOptionNames: Record<number, string> = {
  2: 'IP Compression Protocol', 3: 'IP Address', 129: 'Primary DNS Server IP Address', 130: 'Primary NBNS Server IP Address',
  131: 'Secondary DNS Server IP Address', 132: 'Secondary NBNS Server IP Address',
};
const ipv6cpOptionNames: Record<number, string> = { 1: 'Interface Identifier' };
const ccpOptionNames: Record<number, string> = { 18: 'Microsoft PPE/PPC' };

const hf = {
  code: field('ppp.code', 'Code', FT.UInt8, 'What this control packet does: request, accept (Ack), counter-propose (Nak) or refuse (Reject) options, end the link, or test it (Echo).', { values: codeNames }),
  identifier: field('ppp.identifier', 'Identifier', FT.UInt8, 'Matches a reply to its request: the answer carries the request\'s identifier.', { base: 'dec_hex' }),
  length: field('ppp.length', 'Length', FT.UInt16, 'Bytes in this packet, from the code to the end of the data.'),
  badOptionLength: field('ppp.opt.len.invalid', 'Invalid length for option', FT.None, 'An option claims a length that does not fit its type or the packet.'),
  // LCP
  lcpMagic: field('lcp.magic_number', 'Magic Number', FT.UInt32, 'The sender\'s magic number: a random value that lets a peer notice its own packets looped back.', { base: 'hex' }),
  lcpData: field('lcp.data', 'Data', FT.Bytes, 'Bytes an Echo, Discard or Terminate packet carries; the receiver ignores or echoes them.'),
  lcpMessage: field('lcp.message', 'Message', FT.String, 'Text an Identification or Time-Remaining packet carries, for people reading logs.'),
  lcpSecs: field('lcp.secs_remaining', 'Seconds Remaining', FT.UInt32, 'Time-Remaining: how long the link may still stay up.'),
  lcpRejProto: field('lcp.rej_proto', 'Rejected Protocol', FT.UInt16, 'Protocol-Reject: the PPP protocol number the sender does not speak.', { base: 'hex', values: pppProtocolNames }),
  lcpOptType: field('lcp.opt.type', 'Type', FT.UInt8, 'Which link option this is.', { values: lcpOptionNames }),
  lcpOptLength: field('lcp.opt.length', 'Length', FT.UInt8, 'Bytes in the option, with its type and length.'),
  lcpMru: field('lcp.opt.mru', 'Maximum Receive Unit', FT.UInt16, 'The largest packet the sender can receive (1500 unless negotiated).'),
  lcpAsyncMap: field('lcp.opt.asyncmap', 'Async Control Character Map', FT.UInt32, 'On asynchronous links, which control characters (bit n for character n) must be escaped.', { base: 'hex' }),
  lcpAuth: field('lcp.opt.auth_protocol', 'Authentication Protocol', FT.UInt16, 'How the sender wants its peer to authenticate itself: PAP (0xc023) or CHAP (0xc223).', { base: 'hex', values: pppProtocolNames }),
  lcpAlgorithm: field('lcp.opt.algorithm', 'Algorithm', FT.UInt8, 'CHAP\'s hash: 5 MD5, 128 MS-CHAP, 129 MS-CHAP-2 (which PPTP uses).', { values: { 5: 'CHAP with MD5', 128: 'MS-CHAP', 129: 'MS-CHAP-2' } }),
  lcpQuality: field('lcp.opt.quality_protocol', 'Quality Protocol', FT.UInt16, 'The link-quality monitoring protocol the sender wants (0xc025: Link Quality Report).', { base: 'hex', values: pppProtocolNames }),
  lcpOptMagic: field('lcp.opt.magic_number', 'Magic Number', FT.UInt32, 'A random number the sender chose for this link, to detect a line looped back to itself.', { base: 'hex' }),
  lcpOperation: field('lcp.opt.operation', 'Operation', FT.UInt8, 'How the callback number is found (RFC 1570); 6 leaves it to CBCP negotiation, as Windows does.', {
    values: { 0: 'Location determined by user authentication', 1: 'Dialing string', 2: 'Location identifier', 3: 'E.164 number', 4: 'Distinguished name', 6: 'Location is determined during CBCP negotiation' },
  }),
  lcpMrru: field('lcp.opt.mrru', 'MRRU', FT.UInt16, 'Multilink: the largest reassembled packet the sender can receive across bundled links.'),
  lcpEpClass: field('lcp.opt.ep_disc_class', 'Class', FT.UInt8, 'Multilink: what kind of identifier names the sending system, so links to the same system are bundled.', {
    values: { 0: 'Null class', 1: 'Locally assigned address', 2: 'Internet Protocol (IP)', 3: 'IEEE 802.1 Globally Assigned MAC Address', 4: 'PPP Magic-Number Block', 5: 'Public Switched Network Directory Number' },
  }),
  lcpOptData: field('lcp.opt.data', 'Data', FT.Bytes, 'The option\'s value, where vpnscope does not take it apart.'),
  // IPCP
  ipcpOptType: field('ipcp.opt.type', 'Type', FT.UInt8, 'Which IP option this is.', { values: ipcpOptionNames }),
  ipcpOptLength: field('ipcp.opt.length', 'Length', FT.UInt8, 'Bytes in the option, with its type and length.'),
  ipcpAddress: field('ipcp.opt.ip_address', 'IP Address', FT.IPv4, 'The sender\'s IPv4 address, or 0.0.0.0 to ask the peer to assign one (as VPN clients do).'),
  ipcpCompress: field('ipcp.opt.compress_proto', 'IP Compression Protocol', FT.UInt16, 'Header compression the sender can receive (0x002d: Van Jacobson TCP/IP).', { base: 'hex', values: pppProtocolNames }),
  ipcpPriDns: field('ipcp.opt.pri_dns_address', 'Primary DNS Address', FT.IPv4, 'Microsoft extension (RFC 1877): the DNS server to use, asked for with 0.0.0.0 and given by the server.'),
  ipcpPriNbns: field('ipcp.opt.pri_nbns_address', 'Primary NBNS Address', FT.IPv4, 'Microsoft extension (RFC 1877): the WINS (NetBIOS name) server to use.'),
  ipcpSecDns: field('ipcp.opt.sec_dns_address', 'Secondary DNS Address', FT.IPv4, 'Microsoft extension (RFC 1877): the second DNS server.'),
  ipcpSecNbns: field('ipcp.opt.sec_nbns_address', 'Secondary NBNS Address', FT.IPv4, 'Microsoft extension (RFC 1877): the second WINS server.'),
  ipcpData: field('ipcp.data', 'Data', FT.Bytes, 'The option\'s value, where vpnscope does not take it apart.'),
  // IPV6CP
  ipv6cpOptType: field('ipv6cp.opt.type', 'Type', FT.UInt8, 'Which IPv6 option this is.', { values: ipv6cpOptionNames }),
  ipv6cpOptLength: field('ipv6cp.opt.length', 'Length', FT.UInt8, 'Bytes in the option, with its type and length.'),
  ipv6cpIid: field('ipv6cp.interface_identifier', 'Interface Identifier', FT.Bytes, 'The 64-bit interface identifier the sender will use for its link-local address (fe80::/64 plus this).'),
  ipv6cpData: field('ipv6cp.data', 'Data', FT.Bytes, 'The option\'s value, where vpnscope does not take it apart.'),
  // CCP
  ccpOptType: field('ccp.opt.type', 'Type', FT.UInt8, 'Which compression (or, for 18, Microsoft\'s MPPE encryption) the sender offers.', { values: ccpOptionNames }),
  ccpOptLength: field('ccp.opt.length', 'Length', FT.UInt8, 'Bytes in the option, with its type and length.'),
  ccpSupportedBits: field('ccp.opt.supported_bits', 'Supported Bits', FT.UInt32, 'MPPE/MPPC: key length (40, 56 or 128 bits), stateless mode and compression the sender supports.', { base: 'hex' }),
  ccpData: field('ccp.opt.data', 'Data', FT.Bytes, 'The option\'s value, where vpnscope does not take it apart.'),
  // PAP
  papCode: field('pap.code', 'Code', FT.UInt8, 'A request with name and password, or the authenticator\'s answer.', { values: { 1: 'Authenticate-Request', 2: 'Authenticate-Ack', 3: 'Authenticate-Nak' } }),
  papIdentifier: field('pap.identifier', 'Identifier', FT.UInt8, 'Matches the answer to its request.'),
  papLength: field('pap.length', 'Length', FT.UInt16, 'Bytes in this packet, from the code on.'),
  papData: field('pap.data', 'Data', FT.None, 'The name and password, or the answer\'s message.'),
  papPeerIdLength: field('pap.peer_id.length', 'Peer-ID-Length', FT.UInt8, 'Bytes in the user name.'),
  papPeerId: field('pap.peer_id', 'Peer-ID', FT.String, 'The user name the peer logs in with.'),
  papPasswordLength: field('pap.password.length', 'Password-Length', FT.UInt8, 'Bytes in the password.'),
  papPassword: field('pap.password', 'Password', FT.String, 'The password — sent in clear text, which is why PAP is only safe inside an encrypted tunnel.'),
  papMessageLength: field('pap.message.length', 'Message-Length', FT.UInt8, 'Bytes in the message.'),
  papMessage: field('pap.message', 'Message', FT.String, 'Text from the authenticator, such as "Login ok".'),
  // CHAP
  chapCode: field('chap.code', 'Code', FT.UInt8, 'Challenge, the peer\'s Response (a hash of the challenge and the secret), then Success or Failure.', { values: { 1: 'Challenge', 2: 'Response', 3: 'Success', 4: 'Failure' } }),
  chapIdentifier: field('chap.identifier', 'Identifier', FT.UInt8, 'Ties the response and the verdict to one challenge.'),
  chapLength: field('chap.length', 'Length', FT.UInt16, 'Bytes in this packet, from the code on.'),
  chapData: field('chap.data', 'Data', FT.None, 'The challenge or response value and the sender\'s name, or the verdict\'s message.'),
  chapValueSize: field('chap.value_size', 'Value Size', FT.UInt8, 'Bytes in the challenge or response value that follows.'),
  chapValue: field('chap.value', 'Value', FT.Bytes, 'A challenge: random bytes; a response: the hash that proves knowledge of the shared secret without sending it.'),
  chapName: field('chap.name', 'Name', FT.String, 'The name of the system that sent the value (user name in a response).'),
  chapMessage: field('chap.message', 'Message', FT.String, 'Text of Success or Failure (MS-CHAP puts its authenticator response or error code here).'),
};

/** An option's own line: its whole bytes under the option's field (tshark's JSON keys options by these). */
const optionField = (abbrev: string, name: string, description: string) => field(abbrev, name, FT.Bytes, description);
const optionHeads = {
  lcpMru: optionField('lcp.opt.mtu_bytes', 'Maximum Receive Unit', 'The Maximum-Receive-Unit option: the largest packet the sender can receive.'),
  lcpAsyncMap: optionField('lcp.opt.asyncmap_bytes', 'Async Control Character Map', 'The Async-Control-Character-Map option: which control characters must be escaped on asynchronous lines.'),
  lcpAuth: optionField('lcp.opt.auth_protocol_bytes', 'Authentication Protocol', 'The Authentication-Protocol option: how the sender wants its peer to log in.'),
  lcpQuality: optionField('lcp.opt.quality_protocol_bytes', 'Quality Protocol', 'The Quality-Protocol option: the link-quality monitoring the sender wants.'),
  lcpMagic: optionField('lcp.opt.magic_number_bytes', 'Magic Number', 'The Magic-Number option: a random number for detecting a link looped back to itself.'),
  lcpPfc: optionField('lcp.opt.field_compress', 'Protocol Field Compression', 'The sender can receive PPP protocol numbers in one byte where the number allows.'),
  lcpAcfc: optionField('lcp.opt.addr_field_compress', 'Address and Control Field Compression', 'The sender can receive frames without the constant 0xff 0x03 address and control bytes.'),
  lcpCallback: optionField('lcp.opt.callback', 'Callback', 'The Callback option: the sender asks to be called back, and how the number is found.'),
  lcpMrru: optionField('lcp.opt.multilink_mrru', 'Multilink MRRU', 'The Multilink MRRU option: the sender can bundle links, and the largest packet it can reassemble.'),
  lcpSsnh: optionField('lcp.opt.multilink_ssnh', 'Multilink Short Sequence Number Header', 'The sender can receive multilink fragments with 12-bit sequence numbers.'),
  lcpEpDisc: optionField('lcp.opt.multilink_ep_disc', 'Multilink Endpoint Discriminator', 'The Endpoint-Discriminator option: names the sending system so its links can be bundled.'),
  ipcpCompress: optionField('ipcp.opt.compress', 'IP Compression Protocol', 'The IP-Compression-Protocol option: the header compression the sender can receive.'),
  ipcpAddr: optionField('ipcp.opt.addr', 'IP Address', 'The IP-Address option: the sender\'s address, or 0.0.0.0 to ask for one.'),
  ipcpPriDns: optionField('ipcp.opt.pri_dns', 'Primary DNS Server IP Address', 'The Primary-DNS option (RFC 1877): the DNS server to use.'),
  ipcpPriNbns: optionField('ipcp.opt.pri_nbns', 'Primary NBNS Server IP Address', 'The Primary-NBNS option (RFC 1877): the WINS server to use.'),
  ipcpSecDns: optionField('ipcp.opt.sec_dns', 'Secondary DNS Server IP Address', 'The Secondary-DNS option (RFC 1877): the second DNS server.'),
  ipcpSecNbns: optionField('ipcp.opt.sec_nbns', 'Secondary NBNS Server IP Address', 'The Secondary-NBNS option (RFC 1877): the second WINS server.'),
  ipv6cpIid: optionField('ipv6cp.opt.interface_identifier', 'Interface Identifier', 'The Interface-Identifier option: the 64 bits the sender\'s link-local address is made from.'),
  ccpMppe: optionField('ccp.opt.mppe', 'Microsoft PPE/PPC', 'The MPPE/MPPC option: Microsoft\'s encryption and compression of PPP frames, as PPTP uses.'),
};

/** How an option's value is shown. */
type OptionValue = { def: FieldDef; length: number } | 'none' | 'auth' | 'callback' | 'epdisc' | 'bytes';


/** What differs between the control protocols: names, fields and option tables. */
interface ControlProtocol {
  proto: Protocol;
  optType: FieldDef;
  optLength: FieldDef;
  optData: FieldDef;
  names: Record<number, string>;
  /** Per option type: the field of its whole line, and how its value is read. */
  options: Map<number, [FieldDef, OptionValue]>;
  /** Whether an option's line shows its value ("Magic Number: 0x…", as LCP's do) or only its name (IPCP's). */
  valueInLabel: boolean;
}

const lcpOptions = new Map<number, [FieldDef, OptionValue]>([
  [1, [optionHeads.lcpMru, { def: hf.lcpMru, length: 2 }]],
  [2, [optionHeads.lcpAsyncMap, { def: hf.lcpAsyncMap, length: 4 }]],
  [3, [optionHeads.lcpAuth, 'auth']],
  [4, [optionHeads.lcpQuality, { def: hf.lcpQuality, length: 2 }]],
  [5, [optionHeads.lcpMagic, { def: hf.lcpOptMagic, length: 4 }]],
  [7, [optionHeads.lcpPfc, 'none']],
  [8, [optionHeads.lcpAcfc, 'none']],
  [13, [optionHeads.lcpCallback, 'callback']],
  [17, [optionHeads.lcpMrru, { def: hf.lcpMrru, length: 2 }]],
  [18, [optionHeads.lcpSsnh, 'none']],
  [19, [optionHeads.lcpEpDisc, 'epdisc']],
]);

const ipcpOptions = new Map<number, [FieldDef, OptionValue]>([
  [2, [optionHeads.ipcpCompress, { def: hf.ipcpCompress, length: 2 }]],
  [3, [optionHeads.ipcpAddr, { def: hf.ipcpAddress, length: 4 }]],
  [129, [optionHeads.ipcpPriDns, { def: hf.ipcpPriDns, length: 4 }]],
  [130, [optionHeads.ipcpPriNbns, { def: hf.ipcpPriNbns, length: 4 }]],
  [131, [optionHeads.ipcpSecDns, { def: hf.ipcpSecDns, length: 4 }]],
  [132, [optionHeads.ipcpSecNbns, { def: hf.ipcpSecNbns, length: 4 }]],
]);

const ipv6cpOptions = new Map<number, [FieldDef, OptionValue]>([
  [1, [optionHeads.ipv6cpIid, { def: hf.ipv6cpIid, length: 8 }]],
]);

const ccpOptions = new Map<number, [FieldDef, OptionValue]>([
  [18, [optionHeads.ccpMppe, { def: hf.ccpSupportedBits, length: 4 }]],
]);

/** The name a field's value table gives `value`. */
function nameOf(def: FieldDef, value: number): string {
  const names = def.values;
  return (typeof names === 'function' ? names(value) : names?.get(value)) ?? 'Unknown';
}

/** A number as an option's line shows it: "0x021952cf", "1500", or "Name (0xc223)" for a named value. */
function optionSummary(def: FieldDef, value: number): string {
  const shown = def.base === 'hex' ? hex(value, def.bitWidth / 4) : String(value);
  return def.values ? `${nameOf(def, value)} (${shown})` : shown;
}

function readValue(buf: Buf, at: number, def: FieldDef, length: number): number | Uint8Array {
  if (def.type === FT.Bytes) return buf.bytesAt(at, length);
  return length === 1 ? buf.u8(at) : length === 2 ? buf.u16(at) : buf.u32(at);
}

/** Configure-* options from `at` to `end`, under an "Options: (N bytes), names…" line. */
function dissectOptions(cp: ControlProtocol, buf: Buf, at: number, end: number, pkt: Packet, parent: Node): void {
  const start = at;
  const list = parent.addText('', buf, at, end - at);
  const names: string[] = [];
  while (at + 2 <= end) {
    const type = buf.u8(at);
    const len = buf.u8(at + 1);
    const name = cp.names[type] ?? `Unknown (0x${type.toString(16).padStart(2, '0')})`;
    if (len < 2 || at + len > end) {
      const bad = list.add(cp.optData, buf, at, end - at, buf.bytesAt(at, end - at));
      pkt.addExpert(bad, Severity.Error, 'Malformed', `Invalid length ${len} for option ${name}`, cp.proto.abbrev, hf.badOptionLength);
      break;
    }
    names.push(name);
    const known = cp.options.get(type);
    const opt = known ? list.add(known[0], buf, at, len, buf.bytesAt(at, len)) : list.addText(name, buf, at, len);
    if (known && opt.real) opt.text = name;
    opt.add(cp.optType, buf, at, 1, type);
    opt.add(cp.optLength, buf, at + 1, 1, len);
    const v = known?.[1] ?? 'bytes';
    const valueAt = at + 2;
    const valueLen = len - 2;
    if (v === 'none') {
      // Nothing but the option's presence.
    } else if (v === 'auth' && valueLen >= 2) {
      const auth = buf.u16(valueAt);
      opt.add(hf.lcpAuth, buf, valueAt, 2, auth);
      opt.text = `${name}: ${optionSummary(hf.lcpAuth, auth)}`;
      if (auth === 0xc223 && valueLen >= 3) opt.add(hf.lcpAlgorithm, buf, valueAt + 2, 1, buf.u8(valueAt + 2));
      else if (valueLen > 2) opt.add(cp.optData, buf, valueAt + 2, valueLen - 2, buf.bytesAt(valueAt + 2, valueLen - 2));
    } else if (v === 'callback' && valueLen >= 1) {
      const op = buf.u8(valueAt);
      opt.add(hf.lcpOperation, buf, valueAt, 1, op);
      opt.text = `${name}: ${nameOf(hf.lcpOperation, op)}`;
      if (valueLen > 1) opt.add(hf.lcpMessage, buf, valueAt + 1, valueLen - 1, buf.latin1(valueAt + 1, valueLen - 1));
    } else if (v === 'epdisc' && valueLen >= 1) {
      const cls = buf.u8(valueAt);
      opt.add(hf.lcpEpClass, buf, valueAt, 1, cls);
      opt.text = `${name}: Class: ${nameOf(hf.lcpEpClass, cls)}`;
      if (valueLen > 1) opt.add(cp.optData, buf, valueAt + 1, valueLen - 1, buf.bytesAt(valueAt + 1, valueLen - 1));
    } else if (typeof v === 'object' && valueLen === v.length) {
      const value = readValue(buf, valueAt, v.def, valueLen);
      opt.add(v.def, buf, valueAt, valueLen, value);
      if (cp.valueInLabel && typeof value === 'number') opt.text = `${name}: ${optionSummary(v.def, value)}`;
    } else if (valueLen > 0) {
      opt.add(cp.optData, buf, valueAt, valueLen, buf.bytesAt(valueAt, valueLen));
    }
    at += len;
  }
  list.text = `Options: (${end - start} bytes)${names.length ? `, ${names.join(', ')}` : ''}`;
}

function header(buf: Buf, pkt: Packet, parent: Node, proto: Protocol, codeField: FieldDef, idField: FieldDef, lengthField: FieldDef, names: Record<number, string>): { node: Node; code: number; end: number } {
  const node = pkt.addLayer(proto, parent, buf, 0, buf.length);
  const code = buf.u8(0);
  pkt.setInfo(names[code] ?? `Unknown (0x${code.toString(16).padStart(2, '0')})`);
  node.add(codeField, buf, 0, 1, code);
  node.add(idField, buf, 1, 1, buf.u8(1));
  const length = buf.u16(2);
  const lengthNode = node.add(lengthField, buf, 2, 2, length);
  let end = length;
  if (length < 4 || length > buf.reportedLength) {
    pkt.addExpert(lengthNode, Severity.Error, 'Malformed', `Length ${length} does not fit the packet (${buf.reportedLength} bytes)`, proto.abbrev);
    end = Math.max(4, Math.min(length, buf.reportedLength));
  }
  node.setEnd(buf, end);
  return { node, code, end };
}

function dissectControl(cp: ControlProtocol, buf: Buf, pkt: Packet, parent: Node): void {
  const { node, code, end } = header(buf, pkt, parent, cp.proto, hf.code, hf.identifier, hf.length, codeNames);
  const rest = end - 4;
  if (code >= CONF_REQ && code <= CONF_REJ) {
    if (rest > 0) dissectOptions(cp, buf, 4, end, pkt, node);
    return;
  }
  if (cp.proto !== lcp) {
    if (rest > 0) node.add(cp.optData, buf, 4, rest, buf.bytesAt(4, rest));
    return;
  }
  switch (code) {
    case ECHO_REQ:
    case ECHO_REP:
    case DISC_REQ:
    case IDENT:
    case TIME_REMAIN:
      if (rest < 4) break;
      node.add(hf.lcpMagic, buf, 4, 4, buf.u32(4));
      if (code === TIME_REMAIN && rest >= 8) {
        node.add(hf.lcpSecs, buf, 8, 4, buf.u32(8));
        if (rest > 8) node.add(hf.lcpMessage, buf, 12, rest - 8, buf.latin1(12, rest - 8));
      } else if (code === IDENT && rest > 4) node.add(hf.lcpMessage, buf, 8, rest - 4, buf.latin1(8, rest - 4));
      else if (rest > 4) node.add(hf.lcpData, buf, 8, rest - 4, buf.bytesAt(8, rest - 4));
      return;
    case PROT_REJ:
      if (rest < 2) break;
      node.add(hf.lcpRejProto, buf, 4, 2, buf.u16(4));
      if (rest > 2) node.add(hf.lcpData, buf, 6, rest - 2, buf.bytesAt(6, rest - 2));
      return;
    case TERM_REQ:
    case TERM_ACK:
    case CODE_REJ:
      break;
  }
  if (rest > 0) node.add(hf.lcpData, buf, 4, rest, buf.bytesAt(4, rest));
}

/** A one-byte length, then that many bytes of text: PAP's strings. A length past the end is malformed. */
function lengthAndText(buf: Buf, at: number, node: Node, lengthField: FieldDef, textField: FieldDef): number {
  const n = buf.u8(at);
  node.add(lengthField, buf, at, 1, n);
  if (n > 0) node.add(textField, buf, at + 1, n, buf.latin1(at + 1, n));
  return at + 1 + n;
}

function dissectPap(buf: Buf, pkt: Packet, parent: Node): void {
  const names = { 1: 'Authenticate-Request', 2: 'Authenticate-Ack', 3: 'Authenticate-Nak' };
  const { node, code } = header(buf, pkt, parent, pap, hf.papCode, hf.papIdentifier, hf.papLength, names);
  // As tshark does, the data is read from what follows the header, whatever the Length says.
  if (buf.length <= 4) return;
  const data = node.add(hf.papData, buf, 4, buf.length - 4);
  if (code === 1) {
    const at = lengthAndText(buf, 4, data, hf.papPeerIdLength, hf.papPeerId);
    lengthAndText(buf, at, data, hf.papPasswordLength, hf.papPassword);
    const user = findText(data, hf.papPeerId);
    if (user !== undefined) pkt.appendInfo(` (Peer-ID='${user}', Password='${findText(data, hf.papPassword) ?? ''}')`);
  } else lengthAndText(buf, 4, data, hf.papMessageLength, hf.papMessage);
}

function findText(node: Node, def: FieldDef): string | undefined {
  return node.children?.find((c) => c.field === def)?.value as string | undefined;
}

function dissectChap(buf: Buf, pkt: Packet, parent: Node): void {
  const names = { 1: 'Challenge', 2: 'Response', 3: 'Success', 4: 'Failure' };
  const { node, code, end } = header(buf, pkt, parent, chap, hf.chapCode, hf.chapIdentifier, hf.chapLength, names);
  if (end <= 4) return;
  const data = node.add(hf.chapData, buf, 4, end - 4);
  if (code === 1 || code === 2) {
    const size = buf.u8(4);
    data.add(hf.chapValueSize, buf, 4, 1, size);
    const take = Math.min(size, end - 5);
    if (take > 0) data.add(hf.chapValue, buf, 5, take, buf.bytesAt(5, take));
    const nameAt = 5 + size;
    if (nameAt < end) {
      const name = buf.latin1(nameAt, end - nameAt);
      data.add(hf.chapName, buf, nameAt, end - nameAt, name);
      pkt.appendInfo(` (NAME='${name}'${take > 0 ? `, VALUE=0x${Array.from(buf.bytesAt(5, take), (b) => b.toString(16).padStart(2, '0')).join('')}` : ''})`);
    }
  } else {
    const message = buf.latin1(4, end - 4);
    data.add(hf.chapMessage, buf, 4, end - 4, message);
    pkt.appendInfo(` (MESSAGE='${message}')`);
  }
}

function controlProtocol(abbrev: string, name: string, short: string, description: string, fields: Omit<ControlProtocol, 'proto'>): ControlProtocol {
  const cp = { ...fields } as ControlProtocol;
  cp.proto = protocol(abbrev, name, short, description, (buf, pkt, parent) => dissectControl(cp, buf, pkt, parent));
  return cp;
}

const lcpCp = controlProtocol('lcp', 'PPP Link Control Protocol', 'PPP LCP',
  'Sets up, tests and ends a PPP link: packet size, authentication protocol, magic number, compression of PPP\'s own header.',
  { optType: hf.lcpOptType, optLength: hf.lcpOptLength, optData: hf.lcpOptData, names: lcpOptionNames, options: lcpOptions, valueInLabel: true });
export const lcp = lcpCp.proto;

const ipcpCp = controlProtocol('ipcp', 'PPP IP Control Protocol', 'PPP IPCP',
  'Configures IPv4 over a PPP link: the addresses of both ends and, for VPN and dial-up clients, DNS and WINS servers.',
  { optType: hf.ipcpOptType, optLength: hf.ipcpOptLength, optData: hf.ipcpData, names: ipcpOptionNames, options: ipcpOptions, valueInLabel: false });

const ipv6cpCp = controlProtocol('ipv6cp', 'PPP IPv6 Control Protocol', 'PPP IPV6CP',
  'Configures IPv6 over a PPP link: each end\'s interface identifier, from which its link-local address is made.',
  { optType: hf.ipv6cpOptType, optLength: hf.ipv6cpOptLength, optData: hf.ipv6cpData, names: ipv6cpOptionNames, options: ipv6cpOptions, valueInLabel: false });

const ccpCp = controlProtocol('ccp', 'PPP Compression Control Protocol', 'PPP CCP',
  'Negotiates compression on a PPP link; in PPTP also Microsoft\'s MPPE encryption of the PPP frames.',
  { optType: hf.ccpOptType, optLength: hf.ccpOptLength, optData: hf.ccpData, names: ccpOptionNames, options: ccpOptions, valueInLabel: false });

const pap = protocol('pap', 'PPP Password Authentication Protocol', 'PPP PAP',
  'Logs in to a PPP link with a user name and a password sent in clear text.', dissectPap);

const chap = protocol('chap', 'PPP Challenge Handshake Authentication Protocol', 'PPP CHAP',
  'Logs in to a PPP link without sending the secret: the authenticator sends a challenge, the peer answers with a hash of it and the secret.',
  dissectChap);

export function register(): void {
  protocols.add(0xc021, lcp);
  protocols.add(0x8021, ipcpCp.proto);
  protocols.add(0x8057, ipv6cpCp.proto);
  protocols.add(0x80fd, ccpCp.proto);
  protocols.add(0xc023, pap);
  protocols.add(0xc223, chap);
}
