/**
 * Tunnels: packets inside packets. VXLAN on samples/vxlan.pcap (kernel VXLAN devices in two
 * namespaces, samples/make-vxlan.sh), Geneve, GRE, ERSPAN, PPP, MPLS and IPsec ESP on tcpdump's test
 * captures, GRE and ESP's UDP encapsulation also on hand-made packets.
 * Expected values are tshark 4.0.17's on the same files (`tshark -n -T fields`, '|' between fields,
 * ',' between occurrences; byte strings written with colons, as in the JSON).
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { findAll } from '../src/engine/query.js';
import { nodeLabel } from '../src/engine/format.js';
import type { Packet } from '../src/engine/packet.js';
import { corpusDir, dissectBytes, dissectFile, fieldValues, hexBytes, samplesDir } from './util.js';

function row(p: Packet, fields: string[]): string {
  return fields.map((f) => fieldValues(p, f).join(',')).join('|');
}

const vxlanFile = path.join(samplesDir, 'vxlan.pcap');
const corpus = (name: string) => path.join(corpusDir, 'tcpdump', name);

describe('VXLAN (samples/vxlan.pcap), against tshark', () => {
  it.skipIf(!fs.existsSync(vxlanFile))('opens both layers: underlay addresses, VNI, then the tenant frame', async () => {
    const ps = await dissectFile(vxlanFile);
    const fields = ['frame.protocols', 'vxlan.flags', 'vxlan.flag_i', 'vxlan.vni', 'ip.src', 'eth.src', 'udp.checksum.status', 'udp.dstport'];
    expect([0, 2, 6, 12].map((i) => row(ps[i]!, fields))).toEqual([
      'eth:ethertype:ip:udp:vxlan:eth:ethertype:arp|0x0800|1|4242|10.47.0.2|02:47:00:00:00:02,02:47:00:47:00:02|2|4789',
      'eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:icmp:data|0x0800|1|4242|10.47.0.2,192.168.47.2|02:47:00:00:00:02,02:47:00:47:00:02|2|4789',
      'eth:ethertype:ip:udp:vxlan:eth:ethertype:ipv6:icmpv6|0x0800|1|4242|10.47.0.2|02:47:00:00:00:02,02:47:00:47:00:02|2|4789',
      'eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:udp:dns|0x0800|1|4242|10.47.0.2,192.168.47.2|02:47:00:00:00:02,02:47:00:47:00:02|2,2|4789,53',
    ]);
    // The columns follow the innermost layers, as tshark's do.
    expect([ps[2]!.src, ps[2]!.dst, ps[2]!.protocolColumn]).toEqual(['192.168.47.2', '192.168.47.1', 'ICMP']);
    expect(ps[12]!.info).toBe('Standard query 0x2d42 A web.overlay.test');
    const vx = findAll(ps[2]!.root, 'vxlan.flags')[0]!;
    expect(nodeLabel(vx)).toBe('Flags: 0x0800, VXLAN Network ID (VNI)');
    expect(vx.children!.map(nodeLabel)).toEqual([
      '0... .... .... .... = GBP Extension: Not defined',
      '.... 1... .... .... = VXLAN Network ID (VNI): True',
      '.... .... .0.. .... = Don\'t Learn: False',
      '.... .... .... 0... = Policy Applied: False',
      '.000 .000 0.00 .000 = Reserved(R): 0x0000',
    ]);
  });

  it.skipIf(!fs.existsSync(corpus('vxlan.pcap')))('vxlan.pcap (tcpdump\'s): a sender that leaves the UDP checksum out', async () => {
    const p = (await dissectFile(corpus('vxlan.pcap')))[0]!;
    expect(row(p, ['vxlan.vni', 'ip.src', 'icmp.type'])).toBe('100|192.168.203.1,192.168.203.3|8');
    // tshark shows the status under a checksum of zero.
    const sum = findAll(p.root, 'udp.checksum')[0]!;
    expect([nodeLabel(sum), sum.children!.map(nodeLabel)]).toEqual(['Checksum: 0x0000 [zero-value ignored]', ['[Checksum Status: Not present]']]);
  });
});

describe('Geneve, against tshark', () => {
  it.skipIf(!fs.existsSync(corpus('geneve.pcap')))('geneve.pcap (tcpdump\'s): header, a critical option, then the tenant frame', async () => {
    const ps = await dissectFile(corpus('geneve.pcap'));
    const fields = ['geneve.version', 'geneve.option.length', 'geneve.flags', 'geneve.flags.critical', 'geneve.proto_type', 'geneve.vni',
      'geneve.option.class', 'geneve.option.type', 'geneve.option.unknown.data', 'ip.src'];
    expect(ps.slice(0, 2).map((p) => row(p, fields))).toEqual([
      '0|8,8|0x40|1|0x6558|0x00000a|0x0000|0x80|00:00:00:0c|20.0.0.1,30.0.0.1',
      '0|0|0x00|0|0x6558|0x00000b||||20.0.0.2,30.0.0.2',
    ]);
    const layer = findAll(ps[0]!.root, 'geneve')[0]!;
    expect(nodeLabel(layer)).toBe('Generic Network Virtualization Encapsulation, VNI: 0x00000a');
    expect(nodeLabel(findAll(layer, 'geneve.flags')[0]!)).toBe('Flags: 0x40, Critical Options Present');
    expect(nodeLabel(findAll(layer, 'geneve.vni')[0]!)).toBe('Virtual Network Identifier (VNI): 0x00000a (10)');
    const option = findAll(layer, 'geneve.option')[0]!;
    expect([nodeLabel(findAll(layer, 'geneve.options')[0]!), nodeLabel(option)]).toEqual(['Options: (8 bytes)', 'Unknown, Class: Standard (0x0000) Type: 0x80 (Critical)']);
    expect([ps[0]!.src, ps[0]!.dst, ps[0]!.protocolColumn]).toEqual(['30.0.0.1', '30.0.0.2', 'ICMP']);
  });
});

describe('GRE, against tshark', () => {
  it.skipIf(!fs.existsSync(corpus('pptp.pcap')))('pptp.pcap: Enhanced GRE (version 1) carrying PPP, with payload length and call ID', async () => {
    const ps = (await dissectFile(corpus('pptp.pcap'))).filter((p) => p.layers.includes('gre'));
    const fields = ['gre.flags_and_version', 'gre.flags.key', 'gre.flags.sequence_number', 'gre.flags.version', 'gre.proto', 'gre.key.payload_length', 'gre.key.call_id', 'gre.sequence_number'];
    expect(ps.map((p) => row(p, fields))).toEqual(['0x3001|1|1|1|0x880b|48|0|0']);
    expect(nodeLabel(findAll(ps[0]!.root, 'gre')[0]!)).toBe('Generic Routing Encapsulation (PPP)');
  });

  it.skipIf(!fs.existsSync(corpus('various_gre.pcap')))('various_gre.pcap: a keepalive names protocol type 0 as tshark does', async () => {
    const p = (await dissectFile(corpus('various_gre.pcap')))[11]!;
    expect(row(p, ['gre.proto', 'gre.key'])).toBe('0x0000|0x00000028');
    expect(p.info).toBe('Encapsulated Possible GRE keepalive packet');
  });

  it.skipIf(!fs.existsSync(corpus('gre-heapoverflow-2.pcap')))('gre-heapoverflow-2.pcap: routing entries, an unknown type, cut by the snapshot length', async () => {
    const p = (await dissectFile(corpus('gre-heapoverflow-2.pcap')))[1]!;
    const fields = ['gre.flags.checksum', 'gre.flags.routing', 'gre.checksum', 'gre.offset', 'gre.routing.address_family', 'gre.routing.sre_offset', 'gre.routing.src_length'];
    expect(row(p, fields)).toBe('1|1|0x3030|12336|12336|48|48');
    expect(p.info).toBe('Encapsulated 0x3030 (unknown)[Packet size limited during capture]');
    expect(nodeLabel(findAll(p.root, 'gre')[0]!)).toBe('Generic Routing Encapsulation (0x3030 - unknown)');
    expect(nodeLabel(findAll(p.root, 'gre.checksum')[0]!)).toBe('Checksum: 0x3030 [unverified]');
    expect(nodeLabel(findAll(p.root, '_ws.short')[0]!)).toBe('[Packet size limited during capture: GRE truncated]');
  });
});

describe('ERSPAN, against tshark', () => {
  it.skipIf(!fs.existsSync(corpus('erspan-type-ii-3.pcap')))('erspan-type-ii-3.pcap: type II (GRE with a sequence number) before the mirrored frame', async () => {
    const p = (await dissectFile(corpus('erspan-type-ii-3.pcap')))[0]!;
    const fields = ['gre.sequence_number', 'erspan.version', 'erspan.vlan', 'erspan.cos', 'erspan.encap', 'erspan.truncated', 'erspan.spanid', 'erspan.index'];
    expect(row(p, fields)).toBe('106954|1|1|0|2|0|101|43973');
    const layer = findAll(p.root, 'erspan')[0]!;
    expect(layer.children!.map(nodeLabel).slice(0, 4)).toEqual([
      '0001 .... .... .... = Version: Type II (1)',
      '.... 0000 0000 0001 = Vlan: 1',
      '000. .... .... .... = COS: 0',
      '...1 0... .... .... = Encap: Originally 802.1Q encapsulated (2)',
    ]);
  });

  it.skipIf(!fs.existsSync(corpus('erspan-type-i-1.pcap')))('erspan-type-i-1.pcap: type I has no header of its own', async () => {
    const p = (await dissectFile(corpus('erspan-type-i-1.pcap')))[0]!;
    expect(row(p, ['frame.protocols', 'ip.src'])).toBe('eth:ethertype:ip:gre:erspan:eth:ethertype:vlan:ethertype:ip:icmp:data|1.1.1.1,10.52.128.233');
    expect(nodeLabel(findAll(p.root, 'erspan')[0]!)).toBe('Encapsulated Remote Switch Packet ANalysis Type I');
  });

  it.skipIf(!fs.existsSync(corpus('erspan-type-iii-ft-0.pcap')))('type III (GRE 0x22eb): timestamp, security group, frame type; an unknown frame type is data', async () => {
    const [p] = await dissectFile(corpus('erspan-type-iii-ft-0.pcap'));
    // tshark 4.0.17 -T fields.
    expect(row(p!, ['frame.protocols', 'erspan.vlan', 'erspan.timestamp', 'erspan.ft', 'erspan.gra', 'erspan.direction', 'ip.src']))
      .toBe('eth:ethertype:ip:gre:erspan:eth:ethertype:vlan:ethertype:ip:icmp:data|20|2740542463|0|3|0|10.29.30.104,10.29.11.1');
    expect(p!.info).toBe('Echo (ping) request  id=0x3fcb, seq=226/57856, ttl=63');
    const layer = findAll(p!.root, 'erspan')[0]!;
    expect(nodeLabel(layer)).toBe('Encapsulated Remote Switch Packet ANalysis Type III');
    expect(layer.children!.map(nodeLabel).slice(-6)).toEqual([
      '0... .... .... .... = Has Ethernet PDU: 0',
      '.000 00.. .... .... = Frame Type: Ethernet (0)',
      '.... ..00 0000 .... = Hardware ID: 0',
      '.... .... .... 0... = Direction: Ingress',
      '.... .... .... .11. = Timestamp granularity: Custom granularity (3)',
      '.... .... .... ...0 = Optional Sub headers: 0',
    ]);
    const [q] = await dissectFile(corpus('erspan-type-iii-ft-7.pcap'));
    expect(row(q!, ['frame.protocols', 'erspan.bso', 'erspan.spanid', 'erspan.ft', 'erspan.hw'])).toBe('eth:ethertype:ip:gre:erspan:data|3|101|7|32');
    expect([q!.protocolColumn, q!.info]).toEqual(['ERSPAN', 'ERSPAN:']);
    // Cut inside the platform subheader: the flags say it is there, its fields are not.
    const [r] = await dissectFile(corpus('erspan-type-iii-pb-1.pcap'));
    expect(row(r!, ['frame.protocols', 'erspan.o', 'erspan.platid', 'erspan.sgt'])).toBe('raw:ipv6:ipv6.dstopts:gre:erspan|1||256');
    expect(r!.info).toBe('ERSPAN:[Packet size limited during capture]');
  });

  it('type III with a platform subheader (id 3: port index and upper timestamp), checked with text2pcap and tshark', () => {
    const p = dissectBytes(hexBytes(`
      000000000002 000000000001 0800                           # Ethernet
      4500 0056 0000 0000 402f 0000 0a000001 0a000002          # IPv4, GRE
      0000 22eb                                                # GRE: ERSPAN III
      2014 0005 00000064 0000 0007                             # VLAN 20, span 5, timestamp 100, custom granularity, O
      0c000123 00000001                                        # platform 3: port 291, upper timestamp 1
      ffffffffffff 000000000003 0806                           # mirrored Ethernet frame: ARP
      0001 0800 0604 0001 000000000003 0a000003 000000000000 0a000004`));
    expect(findAll(p.root, 'erspan')[0]!.children!.map(nodeLabel).slice(-5)).toEqual([
      '.... .... .... ...1 = Optional Sub headers: 1',
      '0000 11.. .... .... .... .... .... .... = Platform ID: 3',
      '.... ..00 0000 0000 00.. .... .... .... = Reserved: 0',
      '.... .... .... .... ..00 0001 0010 0011 = Port ID/Index: 291',
      '0000 0000 0000 0000 0000 0000 0000 0001 = Upper 32-bit Timestamp: 1',
    ]);
    expect(p.info).toBe('Who has 10.0.0.4? Tell 10.0.0.3');
  });
});

describe('Cisco MetaData in GRE (tcpdump\'s various_gre.pcap), against tshark', () => {
  it.skipIf(!fs.existsSync(corpus('various_gre.pcap')))('GRE puts the EtherType first; the Security Group Tag, then the packet by that EtherType', async () => {
    const p = (await dissectFile(corpus('various_gre.pcap')))[24]!;
    expect(row(p, ['frame.protocols', 'cmd.type', 'cmd.version', 'cmd.length', 'cmd.options', 'cmd.sgt', 'ip.src']))
      .toBe('eth:ethertype:vlan:ethertype:ip:gre:cmd:ip:icmp:data|0x0800|1|1|0x0001|0|10.172.64.6,172.17.1.54');
    expect([p.protocolColumn, p.info]).toEqual(['ICMP', 'Echo (ping) request  id=0x0001, seq=0/0, ttl=255']);
    expect(findAll(p.root, 'cmd')[0]!.children!.map(nodeLabel)).toEqual(['Type: IPv4 (0x0800)', 'Version: 1', 'Length: 1', 'Options: 0x0001', 'SGT: 0']);
  });
});

describe('PPP and MPLS, against tshark', () => {
  it.skipIf(!fs.existsSync(corpus('mpls-traceroute.pcap')))('mpls-traceroute.pcap: a PPP link carrying a labelled packet', async () => {
    const p = (await dissectFile(corpus('mpls-traceroute.pcap')))[0]!;
    const fields = ['frame.protocols', 'ppp.address', 'ppp.control', 'ppp.protocol', 'mpls.label', 'mpls.exp', 'mpls.bottom', 'mpls.ttl', 'ip.src'];
    expect(row(p, fields)).toBe('ppp:mpls:ip:udp:data|0xff|0x03|0x0281|100704|0|1|1|12.4.4.4');
    expect(p.info).toBe('42315 → 33435 Len=12');
    const layer = findAll(p.root, 'mpls')[0]!;
    expect([nodeLabel(layer), nodeLabel(findAll(layer, 'mpls.label')[0]!)]).toEqual([
      'MultiProtocol Label Switching Header, Label: 100704, Exp: 0, S: 1, TTL: 1',
      '0001 1000 1001 0110 0000 .... .... .... = MPLS Label: 100704 (0x18960)',
    ]);
  });

  it.skipIf(!fs.existsSync(corpus('mpls-over-udp.pcap')))('mpls-over-udp.pcap: MPLS in UDP (port 6635), IPv4 after the stack', async () => {
    const p = (await dissectFile(corpus('mpls-over-udp.pcap')))[0]!;
    expect(row(p, ['frame.protocols', 'udp.dstport', 'mpls.label', 'mpls.ttl', 'ip.src'])).toBe('eth:ethertype:ip:udp:mpls:ip:icmp:data|6635|21|63|10.100.12.170,10.3.0.10');
    expect(p.protocolColumn).toBe('ICMP');
  });

  it.skipIf(!fs.existsSync(corpus('mpls-label-heapoverflow.pcap')))('mpls-label-heapoverflow.pcap: a stack of two labels, then the capture ends', async () => {
    const p = (await dissectFile(corpus('mpls-label-heapoverflow.pcap')))[0]!;
    // Two layers in the tree, MPLS named once in the protocol list, as tshark has them.
    expect(row(p, ['frame.protocols', 'mpls.label', 'mpls.exp', 'mpls.bottom'])).toBe('eth:ethertype:mpls|197379,197387|0,5|0,1');
    expect(findAll(p.root, 'mpls')).toHaveLength(2);
    expect(p.info).toBe('MPLS Label Switched Packet[Packet size limited during capture]');
  });
});

/** IPv4 (10.0.0.1 → 10.0.0.2, protocol 47) / GRE with checksum and key 42 / IPv4 / ICMP echo request. */
const greIcmp = hexBytes(`
  45 00 00 44 00 02 00 00 40 2f 66 87 0a 00 00 01 0a 00 00 02   # outer IPv4, protocol 47
  a0 00 08 00                                                   # GRE: C and K set, version 0, type 0x0800
  57 d5 00 00                                                   # checksum 0x57d5, offset 0
  00 00 00 2a                                                   # key 42
  45 00 00 24 00 01 00 00 40 01 f6 84 c0 a8 01 01 c0 a8 02 02   # inner IPv4 192.168.1.1 → 192.168.2.2, ICMP
  08 00 2d 12 12 34 00 01 76 70 6e 73 63 6f 70 65               # echo request id 0x1234 seq 1, "vpnscope"
`);

describe('GRE on hand-made packets (values from tshark on the same bytes)', () => {
  it('verifies the checksum and hands the payload to IPv4 by its EtherType', () => {
    const p = dissectBytes(greIcmp, 228);
    expect(row(p, ['frame.protocols'])).toBe('ip:gre:ip:icmp:data');
    expect(row(p, ['gre.checksum', 'gre.checksum.status', 'gre.key', 'ip.src'])).toBe('0x57d5|1|0x0000002a|10.0.0.1,192.168.1.1');
    expect(nodeLabel(findAll(p.root, 'gre.checksum')[0]!)).toBe('Checksum: 0x57d5 [correct]');
    expect([p.src, p.dst, p.info]).toEqual(['192.168.1.1', '192.168.2.2', 'Echo (ping) request  id=0x1234, seq=1/256, ttl=64']);
  });

  it('says what a damaged checksum should be', () => {
    const bad = greIcmp.slice();
    bad[bad.length - 1] ^= 0xff;
    const p = dissectBytes(bad, 228);
    expect(nodeLabel(findAll(p.root, 'gre.checksum')[0]!)).toBe('Checksum: 0x57d5 incorrect, should be 0x57a0');
    expect(row(p, ['gre.checksum.status'])).toBe('0');
    expect(findAll(p.root, 'gre.checksum.incorrect')).toHaveLength(1);
    expect(p.experts.map((e) => e.message)).toContain('Incorrect GRE Checksum [should be 0x57a0]');
  });
});

describe('IPsec ESP, against tshark', () => {
  it.skipIf(!fs.existsSync(corpus('espudp1.pcap')))('ESP over IP and in UDP 4500: SPI, sequence number, the rest opaque', async () => {
    const plain = await dissectFile(corpus('08-sunrise-sunset-esp2.pcap'));
    const inUdp = await dissectFile(corpus('espudp1.pcap'));
    const fields = ['frame.protocols', 'esp.spi', 'esp.sequence'];
    expect([row(plain[0]!, fields), row(plain[7]!, fields)]).toEqual(['eth:ethertype:ip:esp|0x12345678|1', 'eth:ethertype:ip:esp|0x12345678|8']);
    expect([row(inUdp[0]!, fields), row(inUdp[7]!, fields)]).toEqual(['eth:ethertype:ip:udp:udpencap:esp|0x12345678|1', 'eth:ethertype:ip:udp:udpencap:esp|0x12345678|8']);
    expect([inUdp[0]!.protocolColumn, inUdp[0]!.info]).toEqual(['ESP', 'ESP (SPI=0x12345678)']);
    expect(findAll(inUdp[0]!.root, 'esp.spi').map(nodeLabel)).toEqual(['ESP SPI: 0x12345678 (305419896)']);
  });

  it.skipIf(!fs.existsSync(corpus('esp_truncated.pcap')))('an ESP header cut by the capture: the SPI, then the truncation', async () => {
    const p = (await dissectFile(corpus('esp_truncated.pcap')))[0]!;
    expect(row(p, ['esp.spi', 'esp.sequence'])).toBe('0xc0f7d4c3|');
    expect(p.truncated).toBe(true);
    expect(p.info).toBe('[Packet size limited during capture]');
  });

  /** Raw IPv4, UDP 4500 → 4500: a NAT keepalive, an IKE message after the non-ESP marker, ESP. */
  const udp4500 = [
    '4500001d00010000401166cd0a0000010a0000021194119400090000ff',
    '4500003c00010000401166ae0a0000010a000002119411940028000000000000000102030405060708090a0b0c0d0e0f101112131415161718191a1b',
    '4500003c00010000401166ae0a0000010a0000021194119400280000c0a8000100000007000000000000000000000000000000000000000000000000',
  ].map((h) => hexBytes(h));

  it('tells ESP, IKE and NAT keepalives apart on UDP port 4500, as tshark does', () => {
    const [keepalive, ike, esp] = udp4500.map((b) => dissectBytes(b, 101));
    expect([row(keepalive!, ['frame.protocols']), keepalive!.protocolColumn, keepalive!.info]).toEqual(['raw:ip:udp:udpencap', 'UDPENCAP', 'NAT-keepalive']);
    expect(findAll(keepalive!.root, 'udpencap.nat_keepalive')).toHaveLength(1);
    // After the marker, IKE (tshark: "raw:ip:udp:udpencap:isakmp").
    expect(row(ike!, ['frame.protocols'])).toBe('raw:ip:udp:udpencap:isakmp');
    expect(findAll(ike!.root, 'udpencap.non_esp_marker')).toHaveLength(1);
    expect([row(esp!, ['frame.protocols', 'esp.spi', 'esp.sequence']), esp!.info]).toEqual(['raw:ip:udp:udpencap:esp|0xc0a80001|7', 'ESP (SPI=0xc0a80001)']);
  });
});
