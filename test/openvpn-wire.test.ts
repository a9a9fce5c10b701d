/**
 * OpenVPN layouts from hex: each control-channel wrapping (plain, tls-auth with 16/20/32/64-byte
 * HMACs, tls-crypt, tls-crypt-v2), data packets, static-key mode, the reliability layer (acks,
 * retransmissions, reordering), TCP framing, heuristics, preferences, and truncated, malformed and
 * unknown input. Net times are the test capture clock, 1700000000 = 0x6553f100.
 */
import { describe, expect, it } from 'vitest';
import { fieldValue, fieldValues, isMalformed, makeFrame } from './util.js';
import { filler, run, tcpFrame, udpBack, udpFrame } from './openvpn-frames.js';
import { Session } from '../src/engine/session.js';
import { findProtocol } from '../src/engine/dispatch.js';
import type { Packet } from '../src/engine/packet.js';
import { createCipheriv, createHmac } from 'node:crypto';

const CLIENT_SID = '1122334455667788';
const SERVER_SID = '99aabbccddeeff00';
const NOW = '6553f100'; // net time = capture time

/** Plain client reset: opcode 7 key 0 | sid | ack count 0 | message packet id 0 (14 bytes). */
const plainClientReset = `38 ${CLIENT_SID} 00 00000000`;
/** Plain server reset: opcode 8 | sid | 1 ack: [0] | remote sid | message packet id 0 (26 bytes). */
const plainServerReset = `40 ${SERVER_SID} 01 00000000 ${CLIENT_SID} 00000000`;

/** tls-auth client reset with an N-byte HMAC: opcode | sid | hmac(N) | replay id 1 | net time | acks 0 | mpid 0. */
function tlsAuthReset(n: number): string {
  return `38 ${CLIENT_SID} ${filler(0xa0, n)} 00000001 ${NOW} 00 00000000`;
}

/** tls-crypt client reset: opcode | sid | replay id 1 | net time | tag(32) | 5 encrypted bytes (54 bytes, as tls-auth SHA256). */
const tlsCryptReset = `38 ${CLIENT_SID} 00000001 ${NOW} ${filler(0x40, 32)} c1c2c3c4c5`;

/** WKc: tag(32) | encrypted Kc + 9 bytes of metadata (265) | length 299 = 0x012b. */
const wkc = `${filler(0x10, 32)} ${filler(0x30, 265)} 012b`;
/** tls-crypt-v2 client reset: opcode 10 | sid | replay id 0x0f000001 (early negotiation) | time | tag | 5 encrypted | WKc. */
const v2Reset = `50 ${CLIENT_SID} 0f000001 ${NOW} ${filler(0x40, 32)} c1c2c3c4c5 ${wkc}`;

function values(p: Packet, f: string): string[] {
  return fieldValues(p, f);
}

describe('OpenVPN control-channel wrappings', () => {
  it('plain: client and server resets, with acks and remote session id', () => {
    const [c, s] = run([udpFrame(plainClientReset), udpBack(plainServerReset)]);
    expect(fieldValue(c!, 'openvpn.opcode')).toBe('0x07');
    expect(fieldValue(c!, 'openvpn.keyid')).toBe('0');
    expect(fieldValue(c!, 'openvpn.sessionid')).toBe(BigInt(`0x${CLIENT_SID}`).toString());
    expect(fieldValue(c!, 'openvpn.mpidarraylength')).toBe('0');
    expect(fieldValue(c!, 'openvpn.mpid')).toBe('0');
    expect(fieldValue(c!, 'openvpn.hmac')).toBeUndefined();
    expect(fieldValue(c!, 'openvpn.wrap')).toBe('plain');
    expect(c!.info).toBe('P_CONTROL_HARD_RESET_CLIENT_V2 kid=0 sid=11223344 pid=0 [plain]');

    expect(fieldValue(s!, 'openvpn.opcode')).toBe('0x08');
    expect(values(s!, 'openvpn.mpidarrayelement')).toEqual(['0']);
    expect(fieldValue(s!, 'openvpn.rsessionid')).toBe(BigInt(`0x${CLIENT_SID}`).toString());
    expect(fieldValue(s!, 'openvpn.ack_frame')).toBe('1');
    expect(fieldValue(s!, 'openvpn.ack_delay')).toBe('0.000001000'); // test frames are 1 µs apart
    expect(s!.info).toBe('P_CONTROL_HARD_RESET_SERVER_V2 kid=0 sid=99aabbcc pid=0 ack [0] [plain]');
    // The server's ack reached back to the client's reset.
    expect(fieldValue(c!, 'openvpn.acked_in')).toBe('2');
    expect(isMalformed(c!) || isMalformed(s!)).toBe(false);
  });

  for (const [n, name] of [[16, 'md5'], [20, 'sha1'], [32, 'sha256'], [64, 'sha512']] as const) {
    it(`tls-auth with a ${n}-byte HMAC (${name})`, () => {
      const [p] = run([udpFrame(tlsAuthReset(n))]);
      expect(fieldValue(p!, 'openvpn.wrap')).toBe(`tls-auth-${name}`);
      expect(fieldValue(p!, 'openvpn.hmac')).toBe(filler(0xa0, n).replace(/(..)(?!$)/g, '$1:'));
      expect(fieldValue(p!, 'openvpn.pid')).toBe('1');
      expect(fieldValue(p!, 'openvpn.net_time')).toBe('Nov 14, 2023 22:13:20.000000000 UTC');
      expect(fieldValue(p!, 'openvpn.mpidarraylength')).toBe('0');
      expect(fieldValue(p!, 'openvpn.mpid')).toBe('0');
      expect(fieldValue(p!, 'openvpn.wrap.reason')).toMatch(/replay id 1 and net time 0 s from the capture clock/);
      expect(p!.info).toBe(`P_CONTROL_HARD_RESET_CLIENT_V2 kid=0 sid=11223344 pid=0 [tls-auth ${name.toUpperCase()}]`);
      expect(isMalformed(p!)).toBe(false);
    });
  }

  it('tls-crypt: replay id and time right after the session id, tag, ciphertext (same length as tls-auth SHA256)', () => {
    const [p] = run([udpFrame(tlsCryptReset)]);
    expect(fieldValue(p!, 'openvpn.wrap')).toBe('tls-crypt');
    expect(fieldValue(p!, 'openvpn.pid')).toBe('1');
    expect(fieldValue(p!, 'openvpn.tls_crypt.tag')).toBe(filler(0x40, 32).replace(/(..)(?!$)/g, '$1:'));
    expect(fieldValue(p!, 'openvpn.tls_crypt.ciphertext')).toBe('c1:c2:c3:c4:c5');
    expect(fieldValue(p!, 'openvpn.tls_crypt.fits')).toBe('fits an empty ack array and the message packet id');
    // The ack fields are encrypted: nothing is read from them.
    expect(fieldValue(p!, 'openvpn.mpid')).toBeUndefined();
    expect(fieldValue(p!, 'openvpn.mpidarraylength')).toBeUndefined();
    expect(p!.info).toBe('P_CONTROL_HARD_RESET_CLIENT_V2 kid=0 sid=11223344 [tls-crypt] 5 bytes encrypted');
  });

  it('tls-crypt-v2: opcode 10, early-negotiation replay id, wrapped client key from the end', () => {
    const [p] = run([udpFrame(v2Reset)]);
    expect(fieldValue(p!, 'openvpn.opcode')).toBe('0x0a');
    expect(fieldValue(p!, 'openvpn.wrap')).toBe('tls-crypt-v2');
    expect(fieldValue(p!, 'openvpn.pid')).toBe(String(0x0f000001));
    expect(fieldValue(p!, 'openvpn.early_neg.announced')).toBe('1');
    expect(fieldValue(p!, 'openvpn.wkc_len')).toBe('299');
    expect(fieldValue(p!, 'openvpn.wkc.metadata_len')).toBe('9');
    expect(fieldValue(p!, 'openvpn.wkc.tag')).toBe(filler(0x10, 32).replace(/(..)(?!$)/g, '$1:'));
    expect(fieldValue(p!, 'openvpn.tls_crypt.ciphertext')).toBe('c1:c2:c3:c4:c5');
    expect(isMalformed(p!)).toBe(false);
  });

  it('server reset TLVs (early negotiation flags) when readable', () => {
    // A plain-layout server reset carrying EARLY_NEG_FLAGS = RESEND_WKC: type 1, length 2, value 1.
    const [, s] = run([udpFrame(plainClientReset), udpBack(`40 ${SERVER_SID} 01 00000000 ${CLIENT_SID} 00000000 0001 0002 0001`)]);
    expect(fieldValue(s!, 'openvpn.early_neg.type')).toBe('1');
    expect(fieldValue(s!, 'openvpn.early_neg.length')).toBe('2');
    expect(fieldValue(s!, 'openvpn.early_neg.flags')).toBe('0x0001');
    expect(fieldValue(s!, 'openvpn.early_neg.flags.resend_wkc')).toBe('1');
  });
});

describe('OpenVPN tls-crypt with the key', () => {
  // A 256-byte test key: two halves of { cipher key (64), HMAC key (64) }; the client sends with half 1.
  const key = Buffer.from(filler(0x00, 256), 'hex');
  const keyText = `-----BEGIN OpenVPN Static key V1-----\n${key.toString('hex').replace(/(.{32})/g, '$1\n')}-----END OpenVPN Static key V1-----\n`;
  function wrap(half: 0 | 1, header: string, plaintext: string): string {
    const h = Buffer.from(header.replace(/\s/g, ''), 'hex');
    const pt = Buffer.from(plaintext.replace(/\s/g, ''), 'hex');
    const tag = createHmac('sha256', key.subarray(half * 128 + 64, half * 128 + 96)).update(h).update(pt).digest();
    const c = createCipheriv('aes-256-ctr', key.subarray(half * 128, half * 128 + 32), tag.subarray(0, 16));
    return Buffer.concat([h, tag, c.update(pt), c.final()]).toString('hex');
  }

  it('opens the packets, shows the hidden header and checks the tag', () => {
    const reset = wrap(1, `38 ${CLIENT_SID} 00000001 ${NOW}`, '00 00000000');
    const reply = wrap(0, `40 ${SERVER_SID} 00000001 ${NOW}`, `01 00000000 ${CLIENT_SID} 00000000`);
    const forged = reply.slice(0, -2) + (reply.endsWith('00') ? '01' : '00');
    const prefs = { 'openvpn.tls_crypt_key': keyText };
    const [c, s, f] = run([udpFrame(reset), udpBack(reply), udpBack(forged)], { prefs });
    expect(fieldValue(c!, 'openvpn.wrap')).toBe('tls-crypt');
    expect(fieldValue(c!, 'openvpn.tls_crypt.decrypted')).toBe('tag verified with the client half of the key');
    expect(fieldValue(c!, 'openvpn.mpidarraylength')).toBe('0');
    expect(fieldValue(c!, 'openvpn.mpid')).toBe('0');
    expect(fieldValue(s!, 'openvpn.tls_crypt.decrypted')).toBe('tag verified with the server half of the key');
    expect(values(s!, 'openvpn.mpidarrayelement')).toEqual(['0']);
    expect(fieldValue(s!, 'openvpn.rsessionid')).toBe(BigInt(`0x${CLIENT_SID}`).toString());
    expect(fieldValue(s!, 'openvpn.ack_frame')).toBe('1');
    expect(s!.info).toBe('P_CONTROL_HARD_RESET_SERVER_V2 kid=0 sid=99aabbcc pid=0 ack [0] [tls-crypt]');
    // One flipped bit: the tag no longer verifies, and nothing is read from the ciphertext.
    expect(fieldValue(f!, 'openvpn.tls_crypt.not_decrypted')).toBe('the tag does not verify with the key given');
    expect(fieldValue(f!, 'openvpn.mpid')).toBeUndefined();
  });
});

describe('OpenVPN data packets', () => {
  it('P_DATA_V2 AEAD: peer id, packet id, tag, ciphertext length; gaps and replays', () => {
    const data = (pid: number) => `48 00000a ${pid.toString(16).padStart(8, '0')} ${filler(0x70, 16)} ${filler(0, 40)}`;
    const ps = run([udpFrame(plainClientReset), udpFrame(data(1)), udpFrame(data(2)), udpFrame(data(5)), udpFrame(data(5))]);
    const p1 = ps[1]!;
    expect(fieldValue(p1, 'openvpn.opcode')).toBe('0x09');
    expect(fieldValue(p1, 'openvpn.peerid')).toBe('10');
    expect(fieldValue(p1, 'openvpn.data.pid')).toBe('1');
    expect(fieldValue(p1, 'openvpn.data.tag')).toBe(filler(0x70, 16).replace(/(..)(?!$)/g, '$1:'));
    expect(fieldValue(p1, 'openvpn.data.ciphertext_len')).toBe('40');
    expect(fieldValue(p1, 'openvpn.data.shape')).toBe('AEAD');
    expect(p1.info).toBe('P_DATA_V2 kid=0 peer=10 pid=1 len=40');
    expect(fieldValue(ps[3]!, 'openvpn.data.pid.lost')).toBe('2');
    expect(fieldValue(ps[4]!, 'openvpn.data.pid.replay')).toBe('1');
    expect(ps.some(isMalformed)).toBe(false);
  });

  it('P_DATA_V2 in the OpenVPN 2.7 epoch format: epoch and 48-bit counter, tag at the end', () => {
    // opcode 9 | peer id 3 | epoch 1 | counter 5 (48 bits) | 24 bytes of ciphertext | tag(16)
    const [p] = run([udpFrame(`48 000003 0001 000000000005 ${filler(0, 24)} ${filler(0x70, 16)}`)]);
    expect(fieldValue(p!, 'openvpn.data.shape')).toBe('AEAD epoch');
    expect(fieldValue(p!, 'openvpn.data.epoch')).toBe('1');
    expect(fieldValue(p!, 'openvpn.data.counter')).toBe('5');
    expect(fieldValue(p!, 'openvpn.data.tag')).toBe(filler(0x70, 16).replace(/(..)(?!$)/g, '$1:'));
    expect(fieldValue(p!, 'openvpn.data.ciphertext_len')).toBe('24');
    expect(p!.info).toBe('P_DATA_V2 kid=0 peer=3 epoch=1 pid=5 len=24');
  });

  it('P_DATA_V1 CBC + HMAC: HMAC, IV and whole cipher blocks', () => {
    // opcode 6 | HMAC(20) | IV(16) | 32 bytes of ciphertext; two packets settle the CBC shape.
    const cbc = (h: number) => `30 ${filler(h, 20)} ${filler(0x90, 16)} ${filler(0x20, 32)}`;
    const ps = run([udpFrame(cbc(0xe1)), udpFrame(cbc(0xd3)), udpFrame(cbc(0xc5))]);
    const p = ps[2]!;
    expect(fieldValue(p, 'openvpn.data.shape')).toBe('CBC+HMAC(20)');
    expect(fieldValue(p, 'openvpn.data.hmac')).toBe(filler(0xc5, 20).replace(/(..)(?!$)/g, '$1:'));
    expect(fieldValue(p, 'openvpn.data.iv')).toBe(filler(0x90, 16).replace(/(..)(?!$)/g, '$1:'));
    expect(fieldValue(p, 'openvpn.data.ciphertext_len')).toBe('32');
    expect(p.info).toBe('P_DATA_V1 kid=0 len=32 [CBC]');
  });

  it('static-key mode: no opcode, HMAC | IV | ciphertext, recognised from the bytes', () => {
    // First bytes 0xf9 and 0x02 are opcodes 31 and 0, which do not exist; 20 + 16 + 16·k bytes each.
    const a = `f9${filler(0x01, 19)} ${filler(0x90, 16)} ${filler(0x20, 48)}`;
    const b = `02${filler(0x51, 19)} ${filler(0x80, 16)} ${filler(0x20, 16)}`;
    const ps = run([udpFrame(a), udpBack(b)]);
    for (const p of ps) {
      expect(fieldValue(p, 'openvpn.wrap')).toBe('static-key');
      expect(fieldValue(p, 'openvpn.opcode')).toBeUndefined();
      expect(isMalformed(p)).toBe(false);
    }
    expect(fieldValue(ps[0]!, 'openvpn.wrap.reason')).toMatch(/first byte 0xf9 is no opcode/);
    expect(fieldValue(ps[0]!, 'openvpn.data.ciphertext_len')).toBe('48');
    expect(ps[1]!.info).toBe('Static-key data len=16 [static key]');
  });
});

describe('OpenVPN reliability layer', () => {
  const ctl = (dirSid: string, acks: number[], rsid: string, mpid: number, payload: string) =>
    `20 ${dirSid} ${acks.length.toString(16).padStart(2, '0')} ${acks.map((a) => a.toString(16).padStart(8, '0')).join(' ')} ${acks.length ? rsid : ''} ${mpid.toString(16).padStart(8, '0')} ${payload}`;
  const ack = (dirSid: string, acks: number[], rsid: string) =>
    `28 ${dirSid} ${acks.length.toString(16).padStart(2, '0')} ${acks.map((a) => a.toString(16).padStart(8, '0')).join(' ')} ${rsid}`;

  it('acks name the frame that carried the packet; packets learn the frame that acked them', () => {
    const ps = run([
      udpFrame(plainClientReset), // 1
      udpBack(plainServerReset), // 2: acks client 0
      udpFrame(ctl(CLIENT_SID, [0], SERVER_SID, 1, 'aabbcc')), // 3: acks server 0
      udpBack(ack(SERVER_SID, [1], CLIENT_SID)), // 4: acks client 1
    ]);
    expect(fieldValue(ps[2]!, 'openvpn.ack_frame')).toBe('2');
    expect(fieldValue(ps[3]!, 'openvpn.ack_frame')).toBe('3');
    expect(fieldValue(ps[2]!, 'openvpn.acked_in')).toBe('4');
    expect(fieldValue(ps[1]!, 'openvpn.acked_in')).toBe('3');
    expect(ps[3]!.info).toBe('P_ACK_V1 kid=0 ack [1] [plain]');
  });

  it('retransmissions are marked and not passed on twice', () => {
    const ps = run([
      udpFrame(plainClientReset),
      udpBack(plainServerReset),
      udpFrame(ctl(CLIENT_SID, [0], SERVER_SID, 1, 'aabbcc')),
      udpFrame(ctl(CLIENT_SID, [0], SERVER_SID, 1, 'aabbcc')),
    ]);
    expect(fieldValue(ps[3]!, 'openvpn.retransmission_of')).toBe('3');
    expect(ps[3]!.info).toBe('P_CONTROL_V1 kid=0 pid=1 ack [0] [plain] [retransmission of #3]');
    expect(ps[3]!.experts.map((e) => e.message)).toContain('Retransmission of message packet id 1 (first sent in frame 3)');
  });

  it('out-of-order control packets are held back and delivered in packet-id order', () => {
    const ps = run([
      udpFrame(plainClientReset),
      udpBack(plainServerReset),
      udpFrame(ctl(CLIENT_SID, [], '', 2, '2222')), // 3: ahead of 1
      udpFrame(ctl(CLIENT_SID, [], '', 1, '1111')), // 4: fills the gap, delivers 1 then 2
    ]);
    expect(fieldValue(ps[2]!, 'openvpn.control.waiting_for')).toBe('1');
    expect(ps[2]!.info).toBe('P_CONTROL_V1 kid=0 pid=2 [plain] [out of order, waiting for pid=1]');
    expect(fieldValue(ps[3]!, 'openvpn.control.delivered')).toBe('3');
    // Delivered bytes are 1111 then 2222, in a new source.
    const src = ps[3]!.extraSources?.map((s) => s.name);
    expect(src).toContain('Reordered OpenVPN control (4 bytes)');
  });
});

describe('OpenVPN over TCP', () => {
  it('several packets in one segment, and one packet across two segments', () => {
    const reset = `000e ${plainClientReset}`;
    const two = `001a ${plainServerReset} 0016 28 ${SERVER_SID} 01 00000000 ${CLIENT_SID}`;
    // A 26-byte P_CONTROL_V1 (ack [0], message packet id 1) split 5 + 23 bytes over two segments.
    const ctlPdu = `001a 20 ${CLIENT_SID} 01 00000000 ${SERVER_SID} 00000001`;
    const bytes = ctlPdu.replace(/\s/g, '');
    const ps = run([
      tcpFrame(reset, { seq: 1 }),
      tcpFrame(two, { seq: 1, src: [10, 0, 0, 1], dst: [10, 0, 0, 2], sport: 1194, dport: 40000 }),
      tcpFrame(bytes.slice(0, 10), { seq: 17 }),
      tcpFrame(bytes.slice(10), { seq: 22 }),
    ]);
    expect(values(ps[0]!, 'openvpn.plen')).toEqual(['14']);
    expect(values(ps[1]!, 'openvpn.opcode')).toEqual(['0x08', '0x05']);
    expect(values(ps[1]!, 'openvpn.plen')).toEqual(['26', '22']);
    expect(ps[1]!.info).toBe('P_CONTROL_HARD_RESET_SERVER_V2 kid=0 sid=99aabbcc pid=0 ack [0] [plain], P_ACK_V1 kid=0 ack [0] [plain]');
    expect(values(ps[2]!, 'openvpn.opcode')).toEqual([]);
    expect(values(ps[3]!, 'openvpn.opcode')).toEqual(['0x04']);
    expect(values(ps[3]!, 'openvpn.mpid')).toEqual(['1']);
    expect(ps.some(isMalformed)).toBe(false);
  });
});

describe('OpenVPN detection on other ports, and preferences', () => {
  it('a plain client reset is recognised on UDP 1198 and binds the conversation', () => {
    const ps = run([udpFrame(plainClientReset, { dport: 1198 }), udpFrame(`48 000000 00000001 ${filler(0, 30)}`, { dport: 1198 })]);
    expect(ps[0]!.layers).toContain('openvpn');
    expect(ps[1]!.layers).toContain('openvpn');
    expect(fieldValue(ps[1]!, 'openvpn.data.pid')).toBe('1');
  });

  it('a TCP client reset is recognised on another port', () => {
    const [p] = run([tcpFrame(`002a ${tlsAuthReset(20)}`, { dport: 7777 })]);
    expect(p!.layers).toContain('openvpn');
    expect(fieldValue(p!, 'openvpn.wrap')).toBe('tls-auth-sha1');
  });

  it('does not claim look-alikes on other ports', () => {
    const ps = run([
      udpFrame(`38 ${CLIENT_SID} 01 00000000`, { dport: 5000 }), // plain reset with ack count 1 but nothing after it
      udpFrame(`38 ${CLIENT_SID} 00 00000001`, { dport: 5001 }), // message packet id 1 in a "first" reset
      udpFrame(`48 00000a 00000001 ${filler(0, 30)}`, { dport: 5002 }), // data without a session
      udpFrame(tlsAuthReset(20).replace(NOW, '12345678'), { dport: 5003 }), // net time years away
      udpFrame(`38 ${CLIENT_SID} 00 00000000 00`, { dport: 5004 }), // plain reset plus a byte
    ]);
    for (const p of ps) expect(p.layers).not.toContain('openvpn');
  });

  it('the openvpn.wrap preference overrides the guess', () => {
    // A tls-auth SHA256 reset read as tls-crypt because the user says so: the HMAC's first bytes
    // become the replay id, and nothing is flagged.
    const [p] = run([udpFrame(tlsAuthReset(32))], { prefs: { 'openvpn.wrap': 'tls-crypt' } });
    expect(fieldValue(p!, 'openvpn.wrap')).toBe('tls-crypt');
    expect(fieldValue(p!, 'openvpn.wrap.reason')).toMatch(/set by the user/);
    expect(fieldValue(p!, 'openvpn.pid')).toBe(String(0xa0a1a2a3));
    expect(fieldValue(p!, 'openvpn.tls_crypt.tag')).toBe(`${filler(0xa8, 24)}00000001${NOW}`.replace(/(..)(?!$)/g, '$1:'));
    expect(fieldValue(p!, 'openvpn.hmac')).toBeUndefined();
    expect(isMalformed(p!)).toBe(false);
  });

  it('a wrong preference is reported, not flagged malformed', () => {
    const [p] = run([udpFrame(plainClientReset)], { prefs: { 'openvpn.wrap': 'tls-auth-sha512' } });
    expect(isMalformed(p!)).toBe(false);
    expect(p!.experts.map((e) => e.message).join('\n')).toMatch(/Does not fit the tls-auth SHA512 layout/);
  });
});

describe('OpenVPN truncated, malformed and unknown input', () => {
  it('an unknown opcode is shown, not thrown', () => {
    const ps = run([udpFrame(plainClientReset), udpFrame(`f8 ${filler(0, 20)}`)]);
    expect(fieldValue(ps[1]!, 'openvpn.opcode')).toBe('0x1f');
    expect(ps[1]!.info).toBe('Unknown opcode 31 kid=0');
    expect(isMalformed(ps[1]!)).toBe(false);
  });

  it('a frame cut by the snapshot length is "packet size limited", not malformed', () => {
    const full = udpBack(plainServerReset);
    const s = new Session();
    s.dissect(makeFrame(udpFrame(plainClientReset), 1, 1));
    const p = s.dissect(makeFrame(full.subarray(0, full.length - 10), 1, 2, full.length));
    expect(p.truncated).toBe(true);
    expect(isMalformed(p)).toBe(false);
    expect(fieldValue(p, 'openvpn.opcode')).toBe('0x08');
  });

  it('a control packet too short for its session id is malformed', () => {
    const [p] = run([udpFrame('20 11223344')]);
    expect(isMalformed(p!)).toBe(true);
  });

  it('a P_DATA_V2 too short for its peer id is malformed', () => {
    const [p] = run([udpFrame('48 0000')]);
    expect(isMalformed(p!)).toBe(true);
  });

  it('a tls-crypt-v2 wrapped key length that cannot fit is malformed', () => {
    const [p] = run([udpFrame(`50 ${CLIENT_SID} 0f000001 ${NOW} ${filler(0x40, 32)} c1c2c3c4c5 0400`)]);
    expect(isMalformed(p!)).toBe(true);
    expect(fieldValue(p!, 'openvpn.wkc_len')).toBe('1024');
  });
});

describe('OpenVPN renegotiation', () => {
  it('key id 1 starts its own control channel; dynamic tls-crypt is recognised', () => {
    const soft = `19 ${CLIENT_SID} 00000001 ${NOW} ${filler(0x40, 32)} c1c2c3c4c5`;
    const ps = run([udpFrame(plainClientReset), udpBack(plainServerReset), udpFrame(soft)]);
    const p = ps[2]!;
    expect(fieldValue(p, 'openvpn.opcode')).toBe('0x03');
    expect(fieldValue(p, 'openvpn.keyid')).toBe('1');
    expect(fieldValue(p, 'openvpn.wrap')).toBe('plain');
    expect(fieldValue(p, 'openvpn.wrap.reneg')).toBe('dynamic-tls-crypt');
    expect(p.info).toBe('P_CONTROL_SOFT_RESET_V1 kid=1 sid=11223344 [dynamic tls-crypt] 5 bytes encrypted');
  });

  it('a renegotiation wrapped like key id 0 keeps separate packet ids per key id', () => {
    const soft = `19 ${CLIENT_SID} 00 00000000`;
    const ctl1 = `21 ${CLIENT_SID} 00 00000001 aabb`;
    const ps = run([udpFrame(plainClientReset), udpBack(plainServerReset), udpFrame(soft), udpFrame(ctl1)]);
    expect(fieldValue(ps[2]!, 'openvpn.wrap.reneg')).toBeUndefined();
    expect(fieldValue(ps[3]!, 'openvpn.mpid')).toBe('1');
    // Not "out of order": key id 1 counts from its own soft reset.
    expect(fieldValue(ps[3]!, 'openvpn.control.waiting_for')).toBeUndefined();
  });
});

describe('OpenVPN renegotiation in clear', () => {
  // A minimal ClientHello record: TLS 1.2, one cipher suite, no extensions (47 bytes).
  const hello = `16 0301 002f 01 00002b 0303 ${filler(0x20, 32)} 00 0002 1301 01 00 0000`.replace(/\s/g, '');
  it.runIf(findProtocol('tls'))('the second handshake (key id 1) is its own TLS stream, split records reassembled', () => {
    const ps = run([
      udpFrame(plainClientReset), // 1
      udpBack(plainServerReset), // 2
      udpFrame(`20 ${CLIENT_SID} 01 00000000 ${SERVER_SID} 00000001 ${hello}`), // 3: key 0 ClientHello
      udpFrame(`19 ${CLIENT_SID} 00 00000000`), // 4: soft reset, key id 1
      udpFrame(`21 ${CLIENT_SID} 00 00000001 ${hello.slice(0, 40)}`), // 5: first 20 bytes of the key-1 ClientHello
      udpFrame(`21 ${CLIENT_SID} 00 00000002 ${hello.slice(40)}`), // 6: the rest
    ]);
    expect(fieldValues(ps[2]!, 'tls.handshake.type')).toEqual(['1']);
    expect(fieldValues(ps[4]!, 'tls.handshake.type')).toEqual([]);
    expect(fieldValues(ps[5]!, 'tls.handshake.type')).toEqual(['1']);
    expect(ps[5]!.info).toMatch(/^P_CONTROL_V1 kid=1 pid=2 \[plain\] .*Client Hello/);
    expect(fieldValue(ps[3]!, 'openvpn.wrap.reneg')).toBeUndefined();
  });
});

describe('OpenVPN and TLS', () => {
  const tls = findProtocol('tls');
  it('control payload goes to TLS when a TLS dissector exists, or is shown as data', () => {
    // A TLS record header (handshake, TLS 1.0, length 4) and a 4-byte fragment.
    const ps = run([udpFrame(plainClientReset), udpBack(plainServerReset), udpFrame(`20 ${CLIENT_SID} 00 00000001 16030100 04 01000000`)]);
    if (tls) expect(ps[2]!.layers).toContain('tls');
    else expect(fieldValue(ps[2]!, 'openvpn.data')).toBe('16:03:01:00:04:01:00:00:00');
  });
});

