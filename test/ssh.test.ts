/**
 * SSH: version lines, binary packets and the key exchange in clear, encrypted packets after
 * NEWKEYS. Expected values were checked against tshark 4.0.17 on tcpdump's captures (ssh.pcap:
 * OpenSSH 7.8 client, 7.4 server, curve25519 and an RSA host key; geneve.pcap: an SSH session
 * inside Geneve with Diffie-Hellman group exchange; kday3.pcap: a capture that starts in the middle
 * of an SSH connection). Where tshark 4.0.17 differs it is said below.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { corpusDir, fieldValue, fieldValues, hexBytes, dissectAll } from './util.js';
import { dissectCapture } from './openvpn-capture.js';

const corpus = (name: string) => path.join(corpusDir, 'tcpdump', name);
const have = fs.existsSync(corpus('ssh.pcap'));

describe.skipIf(!have)('SSH on tcpdump\'s captures', () => {
  it('ssh.pcap: Info and Protocol columns of the version exchange and key exchange, as tshark', async () => {
    const pkts = await dissectCapture(corpus('ssh.pcap'));
    const cols = (n: number) => `${pkts[n - 1]!.protocolColumn} ${pkts[n - 1]!.info}`;
    expect(cols(4)).toBe('SSH Client: Protocol (SSH-2.0-OpenSSH_7.8)');
    expect(cols(6)).toBe('SSHv2 Server: Protocol (SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u3)');
    expect(cols(8)).toBe('SSHv2 Client: Key Exchange Init');
    expect(cols(9)).toBe('SSHv2 Server: Key Exchange Init');
    expect(cols(12)).toBe('SSHv2 Client: Elliptic Curve Diffie-Hellman Key Exchange Init');
    expect(cols(14)).toBe('SSHv2 Server: Elliptic Curve Diffie-Hellman Key Exchange Reply, New Keys');
    expect(cols(16)).toBe('SSHv2 Client: New Keys');
    // tshark 4.0.17 leaves these "Client: " with nothing after it; later versions name them so.
    expect(cols(18)).toBe('SSHv2 Client: Encrypted packet (len=44)');
  });

  it('ssh.pcap: KEXINIT lists, HASSH fingerprints, the negotiated method, ECDH keys, host key and signature', async () => {
    const pkts = await dissectCapture(corpus('ssh.pcap'));
    const p8 = pkts[7]!;
    expect(fieldValue(p8, 'ssh.packet_length')).toBe('1388');
    expect(fieldValue(p8, 'ssh.padding_length')).toBe('4');
    expect(fieldValue(p8, 'ssh.cookie')).toBe('ab:01:f5:e1:2a:4b:20:b6:30:b0:d3:83:ba:6d:ff:71');
    expect(fieldValue(p8, 'ssh.kex_algorithms_length')).toBe('269');
    expect(fieldValue(p8, 'ssh.compression_algorithms_client_to_server')).toBe('none,zlib@openssh.com,zlib');
    expect(fieldValue(p8, 'ssh.kex.hassh')).toBe('ec7378c1a92f5a8dde7e8b7a1ddf33d1');
    expect(fieldValue(pkts[8]!, 'ssh.kex.hasshserver')).toBe('c099ec12a2b4c3b347f8f17d966469ed');
    expect(fieldValue(pkts[11]!, 'ssh.ecdh.q_c')).toBe('96:10:b8:12:42:eb:ca:84:b7:19:dc:74:34:5e:e1:34:3d:36:40:b2:69:2d:c4:fc:23:c9:bd:56:67:f4:23:7f');
    const p14 = pkts[13]!;
    expect(fieldValues(p14, 'ssh.message_code')).toEqual(['31', '21']);
    expect(fieldValue(p14, 'ssh.host_key.type')).toBe('ssh-rsa');
    expect(fieldValue(p14, 'ssh.host_key.rsa.e')).toBe('23');
    expect(fieldValue(p14, 'ssh.ecdh.q_s_length')).toBe('32');
    expect(fieldValue(p14, 'ssh.host_sig.type')).toBe('rsa-sha2-512');
    // tshark 4.0.17 shows the signature blob's own length as part of the data (and warns); here the signature alone.
    expect(fieldValue(p14, 'ssh.host_sig.data')!.split(':')).toHaveLength(256);
    // Sequence numbers count each direction's binary packets from 0 (RFC 4253 §6.4).
    expect(fieldValues(p14, 'ssh.seq_num')).toEqual(['1', '2']);
    // The chosen algorithms: the first of the client's lists the server also offers.
    const labels = p14.root.children!.find((l) => l.field.abbrev === 'ssh')!.children!.map((c) => c.text);
    expect(labels).toContain('SSH Version 2 (encryption:chacha20-poly1305@openssh.com compression:none)');
    expect(fieldValue(p14, 'ssh.direction')).toBe('1');
  });

  it('geneve.pcap: Diffie-Hellman group exchange inside a Geneve tunnel', async () => {
    const pkts = await dissectCapture(corpus('geneve.pcap'));
    const at = (n: number) => pkts[n - 1]!;
    expect(at(13).info).toBe('Client: Diffie-Hellman Group Exchange Request');
    expect([fieldValue(at(13), 'ssh.dh_gex.min'), fieldValue(at(13), 'ssh.dh_gex.nbits'), fieldValue(at(13), 'ssh.dh_gex.max')]).toEqual(['1024', '1024', '8192']);
    expect(at(14).info).toBe('Server: Diffie-Hellman Group Exchange Group');
    expect(fieldValue(at(14), 'ssh.dh_gex.g')).toBe('02');
    expect(fieldValues(at(14), 'ssh.mpint_length')).toEqual(['129', '1']);
    expect(at(15).info).toBe('Client: Diffie-Hellman Group Exchange Init');
    expect(at(16).info).toBe('Server: Diffie-Hellman Group Exchange Reply, New Keys');
    expect(fieldValue(at(16), 'ssh.host_key.rsa.e')).toBe('01:00:01');
    expect(fieldValues(at(16), 'ssh.host_sig.rsa')[0]!.split(':')).toHaveLength(256);
    expect(at(19).info).toBe('Client: Encrypted packet (len=48)');
    // aes128-ctr with hmac-md5: the length is encrypted too.
    expect(fieldValue(at(19), 'ssh.packet_length_encrypted')).toBeDefined();
  });

  it('kday3.pcap: a connection already running when the capture started is shown as encrypted', async () => {
    const pkts = await dissectCapture(corpus('kday3.pcap'));
    expect(`${pkts[0]!.protocolColumn} ${pkts[0]!.info}`).toBe('SSH Server: Encrypted packet (len=116)');
  });
});

describe('SSH from bytes', () => {
  // Ethernet / IPv4 / TCP 40000 → 22, then an SSH payload.
  const frame = (payload: string, seq = 1) => hexBytes(`
    02 00 00 00 00 02 02 00 00 00 00 01 08 00
    45 00 00 00 00 01 40 00 40 06 00 00 0a 00 00 01 0a 00 00 02
    9c 40 00 16 ${seq.toString(16).padStart(8, '0')} 00 00 00 01 50 18 ff ff 00 00 00 00
    ${payload}`);
  const banner = Buffer.from('SSH-2.0-test_1.0\r\n').toString('hex');

  it('a KEXINIT whose lists run past the packet is flagged malformed, and the next packet is dissected', () => {
    // packet_length 20, padding 4, code 20, cookie, then a list length far beyond the end.
    const kexinit = `00 00 00 14 04 14 ${'11 '.repeat(16)} 00 00 ff ff`;
    const newKeys = `00 00 00 0c 0a 15 ${'00 '.repeat(10)}`;
    const afterKexinit = 1 + banner.length / 2 + 26;
    const pkts = dissectAll([frame(banner), frame(kexinit, 1 + banner.length / 2), frame(newKeys, afterKexinit)]);
    expect(pkts[0]!.info).toBe('Client: Protocol (SSH-2.0-test_1.0)');
    expect(pkts[1]!.experts.some((e) => /Malformed/.test(e.message))).toBe(true);
    expect(pkts[2]!.info).toBe('Client: New Keys');
    expect(fieldValue(pkts[2]!, 'ssh.seq_num')).toBe('1');
  });
});
