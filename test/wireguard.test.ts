/**
 * WireGuard on samples/wireguard.pcap (wireguard-go in two namespaces, samples/make-wireguard.sh) and
 * on hand-made datagrams. Expected values are tshark 4.0.17's on the same files (`-T fields`, '|'
 * between fields).
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { Session } from '../src/engine/session.js';
import { openCapture } from '../src/capture/open.js';
import { findAll } from '../src/engine/query.js';
import { nodeLabel } from '../src/engine/format.js';
import type { Packet } from '../src/engine/packet.js';
import { dissectAll, dissectFile, fieldValues, hexBytes, samplesDir } from './util.js';

const file = path.join(samplesDir, 'wireguard.pcap');

const fields = ['wg.type', 'wg.sender', 'wg.receiver', 'wg.counter', 'wg.stream', 'wg.response_to', 'wg.ephemeral'];
const row = (p: Packet) => [...fields.map((f) => fieldValues(p, f).join(',')), p.info].join('|');

describe('WireGuard (samples/wireguard.pcap), against tshark', () => {
  it.skipIf(!fs.existsSync(file))('finds the protocol on its own, follows the session from handshake to data and names keepalives', async () => {
    const ps = await dissectFile(file);
    expect(ps.map(row)).toEqual([
      '1|0xb2b0a79d|||0||rDfXDdXft3XNgO8VhPWmzer2NxyexDcDme48qf/MGGM=|Handshake Initiation, sender=0xB2B0A79D',
      '2|0x2712dea8|0xb2b0a79d||0|1|rghwXLANeYnhBPcnXVYHBw2wt5rR+HQTq/YJETq1JnY=|Handshake Response, sender=0x2712DEA8, receiver=0xB2B0A79D',
      '4||0x2712dea8|0|0|||Keepalive, receiver=0x2712DEA8, counter=0',
      '4||0x2712dea8|1|0|||Transport Data, receiver=0x2712DEA8, counter=1, datalen=96',
      '4||0x2712dea8|2|0|||Transport Data, receiver=0x2712DEA8, counter=2, datalen=96',
      '4||0xb2b0a79d|0|0|||Transport Data, receiver=0xB2B0A79D, counter=0, datalen=96',
      '4||0xb2b0a79d|1|0|||Transport Data, receiver=0xB2B0A79D, counter=1, datalen=96',
      '4||0x2712dea8|3|0|||Transport Data, receiver=0x2712DEA8, counter=3, datalen=64',
      '4||0xb2b0a79d|2|0|||Transport Data, receiver=0xB2B0A79D, counter=2, datalen=80',
      '4||0x2712dea8|4|0|||Keepalive, receiver=0x2712DEA8, counter=4',
      '4||0x2712dea8|5|0|||Keepalive, receiver=0x2712DEA8, counter=5',
    ]);
    expect(ps.every((p) => p.protocolColumn === 'WireGuard' && p.layers.join(':') === 'frame:eth:ethertype:ip:udp:wg')).toBe(true);
    const wg = findAll(ps[0]!.root, 'wg')[0]!;
    expect(nodeLabel(wg)).toBe('WireGuard Protocol');
    expect(wg.children!.map(nodeLabel)).toEqual([
      'Type: Handshake Initiation (1)',
      'Reserved: 000000',
      'Sender: 0xb2b0a79d',
      'Ephemeral: rDfXDdXft3XNgO8VhPWmzer2NxyexDcDme48qf/MGGM=',
      'Encrypted Static',
      'Encrypted Timestamp',
      'mac1: ebe1d95ac5382ca0935b2e9c213beeb5',
      'mac2: 00000000000000000000000000000000',
      '[Stream index: 0]',
    ]);
    expect(ps[2]!.experts.map((e) => e.message)).toEqual(['This is a Keepalive message']);
    expect(ps[3]!.experts).toEqual([]);
  });

  it.skipIf(!fs.existsSync(file))('transport data of a session whose handshake is not in the capture has no stream', async () => {
    // Frame 4 alone (editcap -r wireguard.pcap out.pcap 4): tshark gives it no wg.stream either.
    const s = new Session();
    let fourth: Packet | undefined;
    await openCapture(file).run((f) => {
      if (f.number === 4) fourth = s.dissect({ ...f, number: 1 });
    });
    expect(row(fourth!)).toBe('4||0x2712dea8|1||||Transport Data, receiver=0x2712DEA8, counter=1, datalen=96');
  });
});

describe('WireGuard on hand-made datagrams', () => {
  /** Raw IPv4 / UDP 40000 → 51820: a cookie reply (receiver 0x11223344), then a 104-byte "initiation". */
  const cookie = hexBytes('4500005c000100004011668e0a0000010a0000029c40ca6c004800000300000044332211000102030405060708090a0b0c0d0e0f10111213141516176465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f80818283');
  const shortInitiation = hexBytes('4500008400010000401166660a0000010a0000029c40ca6c0070000001000000' + '00'.repeat(100));

  it('shows a cookie reply as tshark does', () => {
    const [p] = dissectAll([cookie], 101);
    expect(p!.info).toBe('Cookie Reply, receiver=0x11223344');
    expect(findAll(p!.root, 'wg')[0]!.children!.map(nodeLabel)).toEqual([
      'Type: Cookie Reply (3)',
      'Reserved: 000000',
      'Receiver: 0x11223344',
      'Nonce: 000102030405060708090a0b0c0d0e0f1011121314151617',
      'Encrypted Cookie: 6465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f80818283',
    ]);
  });

  it('leaves a datagram of the wrong size to UDP, and flags a short message in a WireGuard conversation', () => {
    // Alone, the heuristic does not take it (tshark: "40000 → 51820 Len=104").
    const [alone] = dissectAll([shortInitiation], 101);
    expect([alone!.layers.join(':'), alone!.info]).toEqual(['frame:raw:ip:udp:data', '40000 → 51820 Len=104']);
    // After a cookie reply bound the conversation to WireGuard, it is a WireGuard message too short for its type.
    const [, bound] = dissectAll([cookie, shortInitiation], 101);
    expect(bound!.layers.join(':')).toBe('frame:raw:ip:udp:wg');
    expect(bound!.experts.map((e) => e.message)).toEqual(['Packet length is too small (104 bytes, a Handshake Initiation has 148)']);
  });
});
