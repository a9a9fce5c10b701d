/**
 * Captures cut by a snapshot length (tcpdump -s N): every layer shows what the capture kept, the
 * layer where the bytes run out is marked "[Packet size limited during capture]", and the Info column
 * says as much as tshark's does. Frames of the samples are cut here as
 * `editcap -s N` cuts them; expected values are tshark 4.0.17's on the cut files (`-T fields`).
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { Packet } from '../src/engine/packet.js';
import { dissectFile, fieldValues, samplesDir } from './util.js';
import { findAll } from '../src/engine/query.js';
import { nodeLabel } from '../src/engine/format.js';

/** Every frame of `file` cut to `snaplen` bytes (its original length kept), dissected in one session. */
function cut(file: string, snaplen: number): Promise<Packet[]> {
  return dissectFile(path.join(samplesDir, file), (f) => {
    const bytes = f.bytes.slice(0, Math.min(snaplen, f.capturedLength));
    return { ...f, bytes, capturedLength: bytes.length };
  });
}

function row(p: Packet, fields: string[]): string {
  return [p.layers.slice(1).join(':'), p.info, ...fields.map((f) => fieldValues(p, f).join(','))].join('|');
}

const dnsFields = ['dns.id', 'dns.flags', 'dns.count.queries', 'ipv6.src', 'ipv6.dst', 'icmpv6.checksum'];
const hasDns = fs.existsSync(path.join(samplesDir, 'dns.pcap'));

describe('snapshot-length cuts, against tshark', () => {
  it.skipIf(!hasDns)('42 bytes: UDP with no payload captured stops at UDP; IPv6 cut between its addresses keeps the source', async () => {
    const ps = await cut('dns.pcap', 42);
    expect(row(ps[2]!, dnsFields)).toBe('eth:ethertype:ip:udp|40001 → 53 Len=36[Packet size limited during capture]||||||');
    expect(row(ps[30]!, dnsFields)).toBe('eth:ethertype:ipv6|[Packet size limited during capture]||||fd53::2||');
    expect(ps[2]!.truncated && ps[30]!.truncated).toBe(true);
  });

  it.skipIf(!hasDns)('44 and 47 bytes: DNS cut inside its ID and flags shows nothing of them; with both, the Info names the query', async () => {
    expect(row((await cut('dns.pcap', 44))[2]!, dnsFields)).toBe('eth:ethertype:ip:udp:dns|[Packet size limited during capture]||||||');
    expect(row((await cut('dns.pcap', 47))[2]!, dnsFields)).toBe('eth:ethertype:ip:udp:dns|Standard query 0x492e[Packet size limited during capture]|0x492e|0x0120||||');
  });

  it.skipIf(!hasDns)('60 bytes: ICMPv6 and UDP over IPv6 cut after their first fields still say what they are', async () => {
    const ps = await cut('dns.pcap', 60);
    expect(row(ps[2]!, dnsFields)).toBe('eth:ethertype:ip:udp:dns|Standard query 0x492e[Packet size limited during capture]|0x492e|0x0120|1|||');
    expect(row(ps[30]!, dnsFields)).toBe('eth:ethertype:ipv6:icmpv6|Neighbor Solicitation[Packet size limited during capture]||||fd53::2|ff02::1:ff00:1|0x7c9e');
    expect(row(ps[32]!, dnsFields)).toBe('eth:ethertype:ipv6:udp|40011 → 53 Len=49[Packet size limited during capture]||||fd53::2|fd53::1|');
  });

  it.skipIf(!fs.existsSync(path.join(samplesDir, 'http.pcap')))('140 bytes: an HTTP request whose headers the capture cut is truncated, not malformed', async () => {
    const p = (await cut('http.pcap', 140))[5]!;
    expect(row(p, ['http.request.method', 'http.host', 'http.user_agent', 'http.request.full_uri'])).toBe(
      'eth:ethertype:ip:tcp:http|GET /index.html HTTP/1.1 [Packet size limited during capture]|GET|10.53.0.1|curl/7.88.1|',
    );
    expect(p.truncated).toBe(true);
    expect(p.experts.map((e) => e.message)).toEqual(['GET /index.html HTTP/1.1\\r\\n']);
  });

  it.skipIf(!fs.existsSync(path.join(samplesDir, 'http.pcap')))('200 bytes: a cut body is not shown; after a cut segment the rest of a body is HTTP continuation', async () => {
    const ps = await cut('http.pcap', 200);
    const fields = ['http.request.method', 'http.content_length', 'json.object'];
    // POST /api/echo with a 59-byte JSON body of which the capture kept part: headers, no JSON.
    expect(row(ps[25]!, fields)).toBe('eth:ethertype:ip:tcp:http|POST /api/echo HTTP/1.1 [Packet size limited during capture]|POST|59|');
    // The chunked response's next segments, after its first was cut: body bytes without a message start
    // (tshark -T fields writes the CR and LF escaped).
    expect(row(ps[53]!, ['http.file_data'])).toBe('eth:ethertype:ip:tcp:http:data|Continuation|1e\r\nsecond chunk, a little longer\n\r\n');
    expect(row(ps[68]!, [])).toBe('eth:ethertype:ip:tcp:http:data|Continuation[Packet size limited during capture]');
    expect(ps[68]!.truncated).toBe(true);
  });

  it.skipIf(!fs.existsSync(path.join(samplesDir, 'wireguard.pcap')))('WireGuard messages cut short are still found, and their Info grows as far as the fields go', async () => {
    const col = (p: Packet) => `${p.layers.slice(1).join(':')}|${p.protocolColumn}|${p.info}`;
    const at54 = await cut('wireguard.pcap', 54);
    expect([0, 2, 3].map((i) => col(at54[i]!))).toEqual([
      'eth:ethertype:ip:udp:wg|WireGuard|Handshake Initiation, sender=0xB2B0A79D[Packet size limited during capture]',
      'eth:ethertype:ip:udp:wg|WireGuard|Keepalive, receiver=0x2712DEA8[Packet size limited during capture]',
      'eth:ethertype:ip:udp:wg|WireGuard|Transport Data, receiver=0x2712DEA8[Packet size limited during capture]',
    ]);
    // The encrypted packet is opaque, so a cut one is not a truncation; datalen counts what was captured.
    expect(col((await cut('wireguard.pcap', 140))[3]!)).toBe('eth:ethertype:ip:udp:wg|WireGuard|Transport Data, receiver=0x2712DEA8, counter=1, datalen=66');
  });

  it.skipIf(!fs.existsSync(path.join(samplesDir, 'vxlan.pcap')))('tunnels cut short: UDP keeps its ports, VXLAN its column, the inner ARP the field it kept', async () => {
    const col = (p: Packet) => `${p.layers.slice(1).join(':')}|${p.protocolColumn}|${p.info}|${fieldValues(p, 'arp.hw.type').join(',')}`;
    expect(col((await cut('vxlan.pcap', 38))[0]!)).toBe('eth:ethertype:ip:udp|UDP|38004 → 4789[Packet size limited during capture]|');
    expect(col((await cut('vxlan.pcap', 46))[0]!)).toBe('eth:ethertype:ip:udp:vxlan|VxLAN|[Packet size limited during capture]|');
    expect(col((await cut('vxlan.pcap', 66))[0]!)).toBe('eth:ethertype:ip:udp:vxlan:eth:ethertype:arp|ARP|[Packet size limited during capture]|1');
    if (fs.existsSync(path.join(samplesDir, 'nflog.pcap'))) {
      // A TLV cut by the capture ends NFLOG there: the logged packet is not shown.
      expect(col((await cut('nflog.pcap', 42))[0]!)).toBe('nflog|NFLOG|[Packet size limited during capture]|');
    }
  });

  it.skipIf(!fs.existsSync(path.join(samplesDir, 'tcp-lossy.pcap')))('90 bytes of a lossy TCP stream: cut segments go up alone, except those the analysis calls retransmitted or out of order', async () => {
    const ps = await cut('tcp-lossy.pcap', 90);
    const col = (i: number) => `${ps[i]!.layers.slice(1).join(':')}|${ps[i]!.protocolColumn}|${ps[i]!.info}`;
    expect([9, 15, 21, 31].map(col)).toEqual([
      'raw:ip:tcp:http:data|HTTP|[TCP Previous segment not captured] Continuation[Packet size limited during capture]',
      'raw:ip:tcp|TCP|[TCP Out-Of-Order] 42011 → 8000 [ACK] Seq=8689 Ack=1 Win=64512 Len=1448 TSval=3121516098 TSecr=3227273759',
      'raw:ip:tcp|TCP|[TCP Retransmission] 42011 → 8000 [PSH, ACK] Seq=13033 Ack=1 Win=64512 Len=1448 TSval=3121516098 TSecr=3227273759',
      'raw:ip:tcp:http:data|HTTP|[TCP Fast Retransmission] Continuation[Packet size limited during capture]',
    ]);
  });

  it.skipIf(!fs.existsSync(path.join(samplesDir, 'http.pcap')))('90 bytes: an HTTP request whose first line was cut leaves the columns to TCP', async () => {
    const p = (await cut('http.pcap', 90))[5]!;
    expect(`${p.layers.slice(1).join(':')}|${p.protocolColumn}|${p.info}`).toBe(
      'eth:ethertype:ip:tcp:http|TCP|41001 → 80 [PSH, ACK] Seq=1 Ack=1 Win=64512 Len=83 TSval=685613114 TSecr=604684972[Packet size limited during capture]',
    );
  });

  it.skipIf(!fs.existsSync(path.join(samplesDir, 'tls12.pcap')))('90 bytes of TLS: a cut record shows its header only, the record version in the Protocol column', async () => {
    const ps = await cut('tls12.pcap', 90);
    expect([5, 7].map((i) => `${ps[i]!.layers.slice(1).join(':')}|${ps[i]!.protocolColumn}|${ps[i]!.info}`)).toEqual([
      'eth:ethertype:ip:tcp:tls|TLSv1|[Packet size limited during capture]',
      'eth:ethertype:ip:tcp:tls|TLSv1.2|[Packet size limited during capture]',
    ]);
    expect(findAll(ps[5]!.root, 'tls.record').map(nodeLabel)).toEqual(['Record Layer']);
    expect(fieldValues(ps[5]!, 'tls.record.length')).toEqual(['205']);
  });

  it('a layer that ends at the cut: named in frame.protocols with its column, or its own Info (tags), and no empty Data', async () => {
    const col = (p: Packet) => `${p.layers.slice(1).join(':')}|${p.protocolColumn}|${p.info}`;
    const has = (f: string) => fs.existsSync(path.join(samplesDir, f));
    if (has('vlan.pcap')) {
      const at16 = await cut('vlan.pcap', 16);
      expect([col(at16[0]!), col(at16[14]!)]).toEqual([
        'eth:ethertype:vlan|VLAN|PRI: 0  DEI: 0  ID: 100[Packet size limited during capture]',
        'eth:ethertype:ieee8021ad|802.1ad|PRI: 0  DROP: 0 ID: 200[Packet size limited during capture]',
      ]);
      expect(col((await cut('vlan.pcap', 46))[2]!)).toBe('eth:ethertype:vlan:ethertype:ip:icmp|ICMP|Echo (ping) request  id=0x064e, seq=1/256, ttl=64');
    }
    if (has('sll.pcap')) {
      const at16 = await cut('sll.pcap', 16);
      expect([col(at16[0]!), col(at16[2]!)]).toEqual(['sll:ethertype:arp|ARP|[Packet size limited during capture]', 'sll:ethertype:ip|IPv4|[Packet size limited during capture]']);
    }
    if (has('frag.pcap')) expect(col((await cut('frag.pcap', 54))[16]!)).toBe('eth:ethertype:ipv6:ipv6.fraghdr|IPv6|[Packet size limited during capture]');
  });
});
