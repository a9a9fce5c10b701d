/**
 * The field registry drives the tree, JSON, filters and --explain: every field must be teachable.
 */
import { describe, expect, it } from 'vitest';
import { fields, FT } from '../src/engine/fields.js';
import { allProtocols } from '../src/engine/dispatch.js';
import './util.js';

describe('field registry', () => {
  const all = fields.all();

  it('has the core protocols registered', () => {
    const names = allProtocols().map((p) => p.abbrev);
    for (const p of ['frame', 'eth', 'ip', 'ipv6', 'udp', 'tcp', 'icmp', 'arp', 'dns', 'http', 'tls', 'openvpn']) expect(names).toContain(p);
  });

  it('gives every field a one-sentence description a student can learn from', () => {
    const bad = all.filter((f) => {
      const d = f.description.trim();
      return d.length < 20 || !/[.!?)…]$/.test(d) || d.toLowerCase() === f.name.toLowerCase();
    });
    expect(bad.map((f) => `${f.abbrev}: "${f.description}"`)).toEqual([]);
  });

  it('uses dotted abbreviations that start with their protocol', () => {
    const protos = new Set(all.filter((f) => f.type === FT.Protocol).map((f) => f.abbrev));
    // Certificates are described with the X.509/PKCS names Wireshark's ASN.1 dissectors use (its
    // Netscape certificate extensions name their bits "ns.cert.exts…").
    const asn1 = new Set(['x509af', 'x509ce', 'x509sat', 'x509if', 'pkcs1', 'ber', 'ns_cert_exts', 'ns']);
    const bad = all.filter(
      (f) => !/^[a-z0-9_][A-Za-z0-9_.\-]*$/.test(f.abbrev) || (f.type !== FT.Protocol && !protos.has(f.protocol) && !asn1.has(f.protocol) && !f.abbrev.startsWith('_ws.')),
    );
    expect(bad.map((f) => f.abbrev)).toEqual([]);
  });

  it('keeps Wireshark names for the fields users already know', () => {
    for (const a of ['eth.src', 'eth.dst', 'eth.type', 'ip.src', 'ip.dst', 'ip.ttl', 'ip.proto', 'ip.addr', 'ipv6.src', 'udp.srcport',
      'udp.dstport', 'udp.port', 'tcp.flags.syn', 'tcp.stream', 'tcp.seq', 'icmp.type', 'dns.qry.name', 'dns.a', 'http.request.method',
      'tls.handshake.type', 'openvpn.opcode', 'openvpn.keyid']) {
      expect(fields.get(a), a).toBeDefined();
    }
  });
});
