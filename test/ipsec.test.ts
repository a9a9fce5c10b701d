/**
 * IPsec: IKE (ISAKMP) and ESP on samples/ipsec.pcap (two strongSwan gateways in namespaces, IKEv2 with
 * a pre-shared key, ESP in UDP 4500; samples/make-ipsec.sh) and on tcpdump's IKEv1 captures.
 * Expected values are tshark 4.0.17's on the same files (`-T fields`, '|' between fields, ','
 * between occurrences), except where an encrypted payload is cut into IV, ciphertext and checksum,
 * which tshark does not do without keys.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { findAll } from '../src/engine/query.js';
import { nodeLabel } from '../src/engine/format.js';
import type { Packet } from '../src/engine/packet.js';
import { corpusDir, dissectFile, fieldValues, samplesDir } from './util.js';

const row = (p: Packet, fields: string[]) => [p.layers.slice(1).join(':'), ...fields.map((f) => fieldValues(p, f).join(','))].join('|');
const sample = path.join(samplesDir, 'ipsec.pcap');
const corpus = (name: string) => path.join(corpusDir, 'tcpdump', name);

describe('IKEv2 and ESP (samples/ipsec.pcap), against tshark', () => {
  const fields = ['isakmp.exchangetype', 'isakmp.flags', 'isakmp.messageid', 'isakmp.ispi', 'isakmp.rspi', 'isakmp.notify.msgtype', 'isakmp.tf.id.encr', 'isakmp.tf.id.integ', 'isakmp.tf.id.dh', 'esp.spi', 'esp.sequence'];

  it.skipIf(!fs.existsSync(sample))('follows the exchanges from IKE_SA_INIT on port 500 to ESP in UDP 4500 and the closing INFORMATIONAL', async () => {
    const ps = await dissectFile(sample);
    expect(ps.map((p) => row(p, fields))).toEqual([
      'eth:ethertype:ip:udp:isakmp|34|0x08|0x00000000|78:cb:cc:25:d6:a4:e8:b4|00:00:00:00:00:00:00:00|16388,16389,16430,16431,16406|12|12|14||',
      'eth:ethertype:ip:udp:isakmp|34|0x20|0x00000000|78:cb:cc:25:d6:a4:e8:b4|5e:ca:0d:2a:5b:71:1c:92|16388,16389,16430,16431,16418,16404|12|12|14||',
      'eth:ethertype:ip:udp:udpencap:isakmp|35|0x08|0x00000001|78:cb:cc:25:d6:a4:e8:b4|5e:ca:0d:2a:5b:71:1c:92||||||',
      'eth:ethertype:ip:udp:udpencap:isakmp|35|0x20|0x00000001|78:cb:cc:25:d6:a4:e8:b4|5e:ca:0d:2a:5b:71:1c:92||||||',
      'eth:ethertype:ip:udp:udpencap:esp||||||||||0x8e2c29fd|1',
      'eth:ethertype:ip:udp:udpencap:esp||||||||||0xa0f99556|1',
      'eth:ethertype:ip:udp:udpencap:esp||||||||||0x8e2c29fd|2',
      'eth:ethertype:ip:udp:udpencap:esp||||||||||0xa0f99556|2',
      'eth:ethertype:ip:udp:udpencap:esp||||||||||0x8e2c29fd|3',
      'eth:ethertype:ip:udp:udpencap:esp||||||||||0xa0f99556|3',
      'eth:ethertype:ip:udp:udpencap:isakmp|37|0x08|0x00000002|78:cb:cc:25:d6:a4:e8:b4|5e:ca:0d:2a:5b:71:1c:92||||||',
      'eth:ethertype:ip:udp:udpencap:isakmp|37|0x20|0x00000002|78:cb:cc:25:d6:a4:e8:b4|5e:ca:0d:2a:5b:71:1c:92||||||',
    ]);
    expect(ps.slice(0, 4).map((p) => p.info)).toEqual([
      'IKE_SA_INIT MID=00 Initiator Request',
      'IKE_SA_INIT MID=00 Responder Response',
      'IKE_AUTH MID=01 Initiator Request',
      'IKE_AUTH MID=01 Responder Response',
    ]);
    const isakmp = findAll(ps[0]!.root, 'isakmp')[0]!;
    expect(isakmp.children!.slice(3, 6).map(nodeLabel)).toEqual(['Version: 2.0', 'Exchange type: IKE_SA_INIT (34)', 'Flags: 0x08 (Initiator, No higher version, Request)']);
    const transforms = ['isakmp.tf.id.encr', 'isakmp.tf.id.integ', 'isakmp.tf.id.prf', 'isakmp.tf.id.dh'].map((f) => nodeLabel(findAll(ps[0]!.root, f)[0]!));
    expect(transforms).toEqual(['Transform ID (ENCR): ENCR_AES_CBC (12)', 'Transform ID (INTEG): AUTH_HMAC_SHA2_256_128 (12)', 'Transform ID (PRF): PRF_HMAC_SHA2_256 (5)', 'Transform ID (D-H): 2048 bit MODP group (14)']);
    expect(findAll(ps[0]!.root, 'isakmp.ike2.attr').map(nodeLabel)).toEqual(['Transform Attribute (t=14,l=2): Key Length: 128']);
    expect(findAll(ps[0]!.root, 'isakmp.typepayload').filter((n) => n.value === 41).map(nodeLabel).slice(0, 2)).toEqual([
      'Payload: Notify (41) - NAT_DETECTION_SOURCE_IP',
      'Payload: Notify (41) - NAT_DETECTION_DESTINATION_IP',
    ]);
  });

  it.skipIf(!fs.existsSync(sample))('cuts the encrypted payload at the sizes the chosen algorithms use (AES-CBC: 16-byte IV; HMAC-SHA2-256-128: 16-byte checksum)', async () => {
    const ps = await dissectFile(sample);
    const sk = findAll(ps[2]!.root, 'isakmp.typepayload').find((n) => n.value === 46)!;
    // tshark, without keys, shows "Initialization Vector: 1e2654ef" (4 bytes) and the rest as Encrypted Data.
    expect(sk.children!.map(nodeLabel)).toEqual([
      'Next payload: Identification - Initiator (35)',
      '0... .... = Critical Bit: Not critical',
      '.000 0000 = Reserved: 0x00',
      'Payload length: 260',
      'Initialization Vector: 1e2654efde1a79736964b255678d4fed',
      'Encrypted Data',
      'Integrity Checksum Data: 596a267dcf91d90515a03c2a390688a0',
    ]);
    expect(findAll(sk, 'isakmp.enc.data')[0]!.length).toBe(260 - 4 - 16 - 16);
  });
});

describe('IKEv1 on tcpdump\'s captures, against tshark', () => {
  it.skipIf(!fs.existsSync(corpus('isakmp4500.pcap')))('main mode on port 500 and, after NAT is found, on 4500 behind the non-ESP marker', async () => {
    const ps = await dissectFile(corpus('isakmp4500.pcap'));
    expect([2, 6, 11].map((i) => `${row(ps[i]!, [])}|${ps[i]!.info}`)).toEqual([
      'eth:ethertype:ip:udp:isakmp|Identity Protection (Main Mode)',
      'eth:ethertype:ip:udp:udpencap:isakmp|Identity Protection (Main Mode)',
      'eth:ethertype:ip:udp:udpencap:esp|ESP (SPI=0xf4dc0ae5)',
    ]);
  });

  it.skipIf(!fs.existsSync(corpus('ISAKMP_sa_setup.pcap')))('an IKEv1 SA payload: DOI, proposal, transform and its attributes', async () => {
    const p = (await dissectFile(corpus('ISAKMP_sa_setup.pcap')))[0]!;
    expect(row(p, ['isakmp.version', 'isakmp.exchangetype', 'isakmp.sa.doi', 'isakmp.prop.number', 'isakmp.trans.number', 'isakmp.vid_bytes'])).toBe(
      'eth:ethertype:ip:udp:isakmp|0x10|2|1|1|1|43:9b:59:f8:ba:67:6c:4c:77:37:ae:22:ea:b8:f5:82,7d:94:19:a6:53:10:ca:6f:2c:17:9d:92:15:52:9d:56,90:cb:80:91:3e:bb:69:6e:08:63:81:b5:ec:42:7b:1f',
    );
    expect(findAll(p.root, 'isakmp.ike.attr').map(nodeLabel)).toEqual([
      'IKE Attribute (t=1,l=2): Encryption-Algorithm: AES-CBC',
      'IKE Attribute (t=14,l=2): Key-Length: 128',
      'IKE Attribute (t=2,l=2): Hash-Algorithm: SHA',
      'IKE Attribute (t=4,l=2): Group-Description: Default 768-bit MODP group',
      'IKE Attribute (t=3,l=2): Authentication-Method: Pre-shared key',
      'IKE Attribute (t=11,l=2): Life-Type: Seconds',
      'IKE Attribute (t=12,l=4): Life-Duration: 86400',
    ]);
    // tshark -T fields -e isakmp.ike.attr.encryption_algorithm -e isakmp.ike.attr.life_duration -e isakmp.ike.attr.authentication_method
    expect(['isakmp.ike.attr.encryption_algorithm', 'isakmp.ike.attr.life_duration', 'isakmp.ike.attr.authentication_method'].map((f) => fieldValues(p, f).join(','))).toEqual(['7', '86400', '1']);
    expect(nodeLabel(findAll(p.root, 'isakmp.trans.id')[0]!)).toBe('Transform ID: KEY_IKE (1)');
  });
});

describe('IPsec Authentication Header (tcpdump\'s OSPFv3_with_AH.pcap), against tshark', () => {
  const file = path.join(corpusDir, 'tcpdump', 'OSPFv3_with_AH.pcap');
  it.skipIf(!fs.existsSync(file))('AH in IPv6\'s header chain: next header, length, SPI, sequence and ICV', async () => {
    const ps = await dissectFile(file);
    const row = (p: Packet) => ['ah.next_header', 'ah.length', 'ah.spi', 'ah.sequence', 'ah.icv'].map((f) => fieldValues(p, f).join(',')).join('|');
    // tshark 4.0.17 -T fields (ICV bytes in JSON form).
    expect(ps.slice(0, 2).map(row)).toEqual([
      '89|4|0x00000100|19|21:d3:a9:5c:5f:fd:4d:18:46:22:b9:f8',
      '89|4|0x00000100|13|c6:28:c8:44:e3:1f:dc:17:a0:50:b0:6c',
    ]);
    // Shown inside the IPv6 header, as tshark does, and then the payload by its next header.
    const ah = findAll(ps[0]!.root, 'ipv6')[0]!.children!.find((c) => c.field.abbrev === 'ah')!;
    expect(ah.children!.map(nodeLabel)).toEqual([
      'Next header: OSPF IGP (89)', 'Length: 4 (24 bytes)', 'Reserved: 0000', 'AH SPI: 0x00000100', 'AH Sequence: 19', 'AH ICV: 21d3a95c5ffd4d184622b9f8',
    ]);
  });
});
