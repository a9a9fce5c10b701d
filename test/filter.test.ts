/**
 * Display filters over the samples: each row is a filter and the exact frames it matches. The frame
 * lists were produced by tshark 4.0 (`tshark -r F -Y FILTER -T fields -e frame.number`, OpenVPN decoded
 * on its port with -d) when the test was written; rows tshark cannot run are marked and were checked
 * by hand.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { openCapture } from '../src/capture/open.js';
import { Session } from '../src/engine/session.js';
import { compileFilter, FilterError } from '../src/filter/index.js';
import { samplesDir } from './util.js';

const checkedWithTshark: [string, string, number[]][] = [
  ["dns.pcap", "dns", [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 24, 26, 33, 34]],
  ["dns.pcap", "!dns", [1, 2, 21, 22, 23, 25, 27, 28, 29, 30, 31, 32]],
  ["dns.pcap", "udp.port == 53", [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 33, 34]],
  ["dns.pcap", "tcp.port == 53", [21, 22, 23, 24, 25, 26, 27, 28, 29, 30]],
  ["dns.pcap", "ip.addr == 10.53.0.1", [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]],
  ["dns.pcap", "ip.src == 10.53.0.2 && udp", [3, 5, 7, 9, 11, 13, 15, 17, 19]],
  ["dns.pcap", "ip.addr == 10.53.0.0/24", [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]],
  ["dns.pcap", "ipv6.addr == fd53::1", [32, 33, 34]],
  ["dns.pcap", "ipv6", [31, 32, 33, 34]],
  ["dns.pcap", "arp", [1, 2]],
  ["dns.pcap", "arp.opcode == 2", [2]],
  ["dns.pcap", "dns.qry.type == 28", [5, 6, 33, 34]],
  ["dns.pcap", "dns.qry.type in {15, 16, 33}", [7, 8, 9, 10, 13, 14]],
  ["dns.pcap", "dns.flags.response == 1", [4, 6, 8, 10, 12, 14, 16, 18, 20, 26, 34]],
  ["dns.pcap", "dns.flags.response == 0 && udp", [3, 5, 7, 9, 11, 13, 15, 17, 19, 33]],
  ["dns.pcap", "dns.flags.rcode == 3", [18]],
  ["dns.pcap", "dns.qry.name contains \"vpnscope\"", [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 17, 18, 19, 20, 24, 26, 33, 34]],
  ["dns.pcap", "dns.qry.name matches \"^HOST\\\\.\"", [3, 4, 5, 6]],
  ["dns.pcap", "dns.qry.name == \"www.vpnscope.test\"", [11, 12, 24, 26]],
  ["dns.pcap", "dns.a == 10.53.0.10", [4, 26]],
  ["dns.pcap", "dns.cname", [12, 26]],
  ["dns.pcap", "dns.count.answers > 1", [26]],
  ["dns.pcap", "dns.count.answers >= 1 and dns.count.answers < 2", [4, 6, 8, 10, 12, 14, 16, 20, 34]],
  ["dns.pcap", "udp.srcport in {40001..40004}", [3, 5, 7, 9]],
  ["dns.pcap", "eth.src[0:3] == 02:53:00", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34]],
  ["dns.pcap", "eth.addr == ff:ff:ff:ff:ff:ff", [1]],
  ["dns.pcap", "tcp.flags.syn == 1", [21, 22]],
  ["dns.pcap", "tcp.flags.fin", [21, 22, 23, 24, 25, 26, 27, 28, 29, 30]],
  ["dns.pcap", "tcp.flags.syn == 1 && tcp.flags.ack == 0", [21]],
  ["dns.pcap", "frame.len > 100", [6, 8, 10, 12, 14, 16, 19, 20, 24, 26, 33, 34]],
  ["dns.pcap", "not ip.addr == 10.53.0.1", [1, 2, 31, 32, 33, 34]],
  ["dns.pcap", "ip.addr != 10.53.0.1", []],
  ["dns.pcap", "udp.port != 53", []],
  ["dns.pcap", "udp.port ~= 53", [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 33, 34]],
  ["dns.pcap", "(dns.qry.type == 1 || dns.qry.type == 28) && dns.flags.response == 1", [4, 6, 18, 20, 26, 34]],
  ["http.pcap", "http.request", [6, 16, 26, 36, 40, 42, 50, 66, 289, 301, 311]],
  ["http.pcap", "http.request.method == \"POST\"", [16, 26]],
  ["http.pcap", "http.response.code == 404", [291]],
  ["http.pcap", "http.response.code in {200, 201}", [8, 18, 28, 38, 41, 43, 58, 276, 303, 313]],
  ["http.pcap", "http.request.uri contains \"chunk\"", [50]],
  ["http.pcap", "http.host matches \"vpnscope\"", []],
  ["http.pcap", "tcp.dstport == 8080 && http", [311]],
  ["http.pcap", "ipv6 && http", [301, 303]],
  ["tls12.pcap", "tls.handshake.type == 1", [6]],
  ["tls12.pcap", "tls.handshake.extensions_server_name == \"vpnscope.test\"", [6]],
  ["tls12.pcap", "tls.handshake.type == 11", [8]],
  ["tls12.pcap", "tls.record.content_type == 23", [12, 13]],
  ["tls13.pcap", "tls.handshake.type == 2", [8]],
  ["frag.pcap", "ip.flags.mf == 1", [3, 4, 6, 7, 9, 10, 12, 13]],
  ["frag.pcap", "icmp.type == 8", [5, 11]],
  ["frag.pcap", "ipv6.fragment", [19, 22, 25, 28]],
  ["openvpn/tls-auth-sha256.pcap", "openvpn.opcode in {4, 5}", [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 34, 35]],
  ["openvpn/udp-tls.pcap", "openvpn.mpidarraylength > 2", [7, 8, 10, 11, 12, 13, 14, 33, 34]],
  ["openvpn/udp-tls.pcap", "tls.handshake.type == 1", [3]],
  ["openvpn/tcp-tls.pcap", "openvpn.opcode == 9", [23, 25, 27, 28, 30, 31, 33, 34, 36, 38, 40, 42, 44, 46, 48]],
  ["vlan.pcap", "vlan.id == 100", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]],
  ["vlan.pcap", "ieee8021ad.id == 200 && icmp", [17, 18, 19, 20]],
  ["sll2.pcap", "sll.pkttype == 4", [2, 4, 6, 8, 10, 12, 14, 16, 18]],
  ["openvpn/tls-auth-sha256.pcap", "openvpn.opcode == 7", [1]],
];

/** tshark 4.0 has no xor: checked by hand (TCP frames have ttl 64 and no UDP; the IPv6 DNS frames have UDP and no ip.ttl). */
const checkedByHand: [string, string, number[]][] = [
  ['dns.pcap', 'ip.ttl == 64 xor udp', [21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 33, 34]],
  ['dns.pcap', 'ip.ttl == 64 ^^ udp', [21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 33, 34]],
  ['dns.pcap', 'dns.qry.type in {15 16 33}', [7, 8, 9, 10, 13, 14]],
  // tshark 4.0 needs commas between set members (`{200, 201}` gives 8 38 313 there); Wireshark later and vpnscope accept spaces.
  ['http.pcap', 'http.response.code in {200 201} and http.content_type contains "html"', [8, 38, 313]],
];

async function matching(file: string, filter: string): Promise<number[]> {
  const f = compileFilter(filter);
  const session = new Session({ buildTree: true });
  const out: number[] = [];
  await openCapture(path.join(samplesDir, file)).run((frame) => {
    const pkt = session.dissect(frame);
    if (f.matches(pkt)) out.push(pkt.number);
  });
  return out;
}

describe('display filters match the frames tshark matches', () => {
  it.each([...checkedWithTshark, ...checkedByHand])('%s: %s', async (file, filter, frames) => {
    expect(await matching(file, filter)).toEqual(frames);
  });
});

describe('bad filters are refused before any packet is read, pointing at the problem', () => {
  const cases: [string, RegExp, number][] = [
    ['dns.qyr.name == "x"', /unknown field 'dns.qyr.name' — did you mean dns.qry.name\?/, 0],
    ['ip.src = 10.0.0.1', /"=" is not an operator/, 7],
    ['dns.qry.name == "abc', /unterminated string/, 16],
    ['dns.qry.name matches "a\\.b"', /not a valid escape/, 23],
    ['ip.addr == 10.0.0.300', /is not an IPv4 address/, 11],
    ['ip.ttl == 64 and', /ends where a field name was expected/, 16],
    ['(ip.ttl == 64', /expected "\)"/, 13],
    ['tcp.port in {}', /empty set/, 14],
  ];
  it.each(cases)('%s', (text, message, position) => {
    let err: unknown;
    try {
      compileFilter(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FilterError);
    expect((err as FilterError).message).toMatch(message);
    expect((err as FilterError).position).toBe(position);
  });
});
