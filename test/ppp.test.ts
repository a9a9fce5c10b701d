/**
 * The older VPNs' PPP machinery: PPTP's control connection, PPP's control protocols (LCP, IPCP) and
 * authentication (PAP, CHAP), and PPPoE sessions. Real captures from tcpdump's test suite (a Windows
 * PPTP client's call set-up, a PPPoE link's LCP echoes) and, where no capture has the message, frames
 * written out in hex (each checked with text2pcap -l 9 and tshark). Expected values are tshark 4.0.17's.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { corpusDir, dissectBytes, dissectFile, fieldValue, fieldValues, hexBytes, isMalformed } from './util.js';
import { findAll } from '../src/engine/query.js';
import { nodeLabel } from '../src/engine/format.js';
import type { Node } from '../src/engine/tree.js';
import { packetJson } from '../src/render/json.js';

const corpus = (name: string) => path.join(corpusDir, 'tcpdump', name);
const LINKTYPE_PPP = 9;

/** Every line of a subtree as -V prints it, two spaces per level. */
function lines(node: Node, depth = 0): string[] {
  return [`${'  '.repeat(depth)}${nodeLabel(node)}`, ...(node.children ?? []).flatMap((c) => lines(c, depth + 1))];
}

describe('PPTP (tcpdump\'s pptp.pcap), against tshark', () => {
  it.skipIf(!fs.existsSync(corpus('pptp.pcap')))('the control connection\'s messages and the call\'s first LCP packet', async () => {
    const ps = await dissectFile(corpus('pptp.pcap'));
    const cols = (i: number) => `${ps[i - 1]!.protocolColumn}|${ps[i - 1]!.info}`;
    expect([5, 8, 10, 13, 15, 16].map(cols)).toEqual([
      'PPTP|Start-Control-Connection-Request',
      'PPTP|Start-Control-Connection-Reply',
      'PPTP|Outgoing-Call-Request',
      'PPTP|Outgoing-Call-Reply',
      'PPTP|Set-Link-Info',
      'PPP LCP|Configuration Request',
    ]);
    const sccrq = findAll(ps[4]!.root, 'pptp')[0]!;
    expect(lines(sccrq).slice(1)).toEqual([
      '  Length: 156',
      '  Message type: Control Message (1)',
      '  Magic Cookie: 0x1a2b3c4d (correct)',
      '  Control Message Type: Start-Control-Connection-Request (1)',
      '  Reserved: 0000',
      '  Protocol version: 1.0',
      '  Reserved: 0000',
      '  Framing Capabilities: Asynchronous Framing supported (1)',
      '  Bearer Capabilities: Analog access supported (1)',
      '  Maximum Channels: 0',
      '  Firmware Revision: 2160',
      '  Host Name: ',
      '  Vendor Name: Microsoft Windows NT',
    ]);
    expect(['pptp.call_id', 'pptp.peer_call_id', 'pptp.out_result', 'pptp.connect_speed', 'pptp.packet_receive_window_size'].map((f) => fieldValue(ps[12]!, f)))
      .toEqual(['0', '0', '1', '100000000', '64']);
    expect([fieldValue(ps[14]!, 'pptp.send_accm'), fieldValue(ps[14]!, 'pptp.receive_accm')]).toEqual(['0xffffffff', '0xffffffff']);
    // The call's PPP frames travel in Enhanced GRE: LCP negotiates the link first.
    expect(ps[15]!.layers).toEqual(['frame', 'eth', 'ethertype', 'ip', 'gre', 'ppp', 'lcp']);
    const options = findAll(ps[15]!.root, 'lcp')[0]!.children![3]!;
    expect(lines(options)).toEqual([
      'Options: (40 bytes), Magic Number, Protocol Field Compression, Address and Control Field Compression, Callback, Multilink MRRU, Multilink Endpoint Discriminator',
      '  Magic Number: 0x021952cf',
      '    Type: Magic Number (5)',
      '    Length: 6',
      '    Magic Number: 0x021952cf',
      '  Protocol Field Compression',
      '    Type: Protocol Field Compression (7)',
      '    Length: 2',
      '  Address and Control Field Compression',
      '    Type: Address and Control Field Compression (8)',
      '    Length: 2',
      '  Callback: Location is determined during CBCP negotiation',
      '    Type: Callback (13)',
      '    Length: 3',
      '    Operation: Location is determined during CBCP negotiation (6)',
      '  Multilink MRRU: 1614',
      '    Type: Multilink MRRU (17)',
      '    Length: 4',
      '    MRRU: 1614',
      '  Multilink Endpoint Discriminator: Class: Locally assigned address',
      '    Type: Multilink Endpoint Discriminator (19)',
      '    Length: 23',
      '    Class: Locally assigned address (1)',
      '    Data: 29f76a9077f1472c835247f271d656070000000c',
    ]);
    // In JSON each option is keyed by its own field, its bytes as the value, as tshark writes it.
    const out: string[] = [];
    packetJson(ps[15]!, out);
    const lcpJson = JSON.parse(out.join(''))._source.layers.lcp;
    const optionsJson = lcpJson[Object.keys(lcpJson).find((k) => k.startsWith('Options:'))!];
    expect(Object.keys(optionsJson)).toEqual([
      'lcp.opt.magic_number_bytes', 'lcp.opt.magic_number_bytes_tree', 'lcp.opt.field_compress', 'lcp.opt.field_compress_tree',
      'lcp.opt.addr_field_compress', 'lcp.opt.addr_field_compress_tree', 'lcp.opt.callback', 'lcp.opt.callback_tree',
      'lcp.opt.multilink_mrru', 'lcp.opt.multilink_mrru_tree', 'lcp.opt.multilink_ep_disc', 'lcp.opt.multilink_ep_disc_tree',
    ]);
    expect(optionsJson['lcp.opt.callback']).toBe('0d:03:06');
    expect(optionsJson['lcp.opt.magic_number_bytes_tree']).toEqual({ 'lcp.opt.type': '5', 'lcp.opt.length': '6', 'lcp.opt.magic_number': '0x021952cf' });
  });
});

describe('PPPoE session (tcpdump\'s pppoes.pcap), against tshark', () => {
  it.skipIf(!fs.existsSync(corpus('pppoes.pcap')))('the session header, then PPP without address and control bytes, then an LCP echo', async () => {
    const [p] = await dissectFile(corpus('pppoes.pcap'));
    expect(p!.layers).toEqual(['frame', 'eth', 'ethertype', 'pppoes', 'ppp', 'lcp']);
    expect([p!.protocolColumn, p!.info]).toEqual(['PPP LCP', 'Echo Request']);
    expect(lines(findAll(p!.root, 'pppoes')[0]!)).toEqual([
      'PPP-over-Ethernet Session',
      '  0001 .... = Version: 1',
      '  .... 0001 = Type: 1',
      '  Code: Session Data (0x00)',
      '  Session ID: 0x0017',
      '  Payload Length: 14',
    ]);
    expect(['ppp.code', 'ppp.identifier', 'ppp.length', 'lcp.magic_number', 'lcp.data'].map((f) => fieldValue(p!, f)))
      .toEqual(['9', '106', '12', '0xa4cbea34', '0e:e2:f6:09']);
  });
});

describe('PPPoE discovery (tcpdump\'s pppoe.pcap), against tshark', () => {
  it.skipIf(!fs.existsSync(corpus('pppoe.pcap')))('a PADI with its tags', async () => {
    const [p] = await dissectFile(corpus('pppoe.pcap'));
    expect([p!.protocolColumn, p!.info]).toEqual(['PPPoED', 'Active Discovery Initiation (PADI)']);
    expect(lines(findAll(p!.root, 'pppoed')[0]!)).toEqual([
      'PPP-over-Ethernet Discovery',
      '  0001 .... = Version: 1',
      '  .... 0001 = Type: 1',
      '  Code: Active Discovery Initiation (PADI) (0x09)',
      '  Session ID: 0x0000',
      '  Payload Length: 18',
      '  PPPoE Tags',
      '    PPP-Max-Payload: 05dc',
      '    Host-Uniq: 16372c16',
    ]);
  });
});

describe('PPP authentication and IPCP, frames checked with tshark', () => {
  it('IPCP: a client asking for its address and DNS servers (0.0.0.0 each)', () => {
    const p = dissectBytes(hexBytes(`
      ff 03 80 21            # PPP: IPCP
      01 07 00 16            # Configuration Request, identifier 7, length 22
      03 06 00 00 00 00      # IP Address
      81 06 00 00 00 00      # Primary DNS
      83 06 00 00 00 00      # Secondary DNS`), LINKTYPE_PPP);
    expect([p.protocolColumn, p.info]).toEqual(['PPP IPCP', 'Configuration Request']);
    const options = findAll(p.root, 'ipcp')[0]!.children![3]!;
    expect(lines(options).filter((l) => !l.startsWith('    '))).toEqual([
      'Options: (18 bytes), IP Address, Primary DNS Server IP Address, Secondary DNS Server IP Address',
      '  IP Address',
      '  Primary DNS Server IP Address',
      '  Secondary DNS Server IP Address',
    ]);
    expect(fieldValues(p, 'ipcp.opt.pri_dns_address')).toEqual(['0.0.0.0']);
    expect(nodeLabel(findAll(p.root, 'ipcp.opt.type')[1]!)).toBe('Type: Primary DNS Server IP Address (129)');
  });

  it('PAP sends the password in clear; CHAP a challenge, a name and a verdict', () => {
    const papReq = dissectBytes(hexBytes('ff 03 c0 23  01 02 00 10  04 75736572  06 736563726574'), LINKTYPE_PPP);
    expect(papReq.info).toBe("Authenticate-Request (Peer-ID='user', Password='secret')");
    expect([fieldValue(papReq, 'pap.peer_id'), fieldValue(papReq, 'pap.password')]).toEqual(['user', 'secret']);
    // The CHAP Length (26) ends the name one byte before the frame does: tshark reads "serve".
    const challenge = dissectBytes(hexBytes('ff 03 c2 23  01 01 00 1a  10 00112233445566778899aabbccddeeff  736572766572'), LINKTYPE_PPP);
    expect([challenge.protocolColumn, challenge.info]).toEqual(['PPP CHAP', "Challenge (NAME='serve', VALUE=0x00112233445566778899aabbccddeeff)"]);
    expect(fieldValue(challenge, 'chap.value_size')).toBe('16');
    const success = dissectBytes(hexBytes('ff 03 c2 23  03 01 00 0c  57656c636f6d6521'), LINKTYPE_PPP);
    expect(success.info).toBe("Success (MESSAGE='Welcome!')");
  });

  it.skipIf(!fs.existsSync(corpus('truncated-aack.pcap')))('a PAP message longer than the frame is malformed, as tshark says (truncated-aack.pcap)', async () => {
    const [p] = await dissectFile(corpus('truncated-aack.pcap'));
    expect(p!.info).toBe('Authenticate-Ack[Malformed Packet]');
    expect(fieldValue(p!, 'pap.message.length')).toBe('148');
    expect(isMalformed(p!)).toBe(true);
  });
});
