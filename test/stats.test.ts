/**
 * Statistics against tshark: the expected numbers below are what `tshark -q -z …` printed for the same
 * samples when the test was written (tshark 4.0.17).
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { openCapture } from '../src/capture/open.js';
import { Session } from '../src/engine/session.js';
import { createStat } from '../src/stats/index.js';
import { registerStats } from '../src/stats/all.js';
import { samplesDir } from './util.js';

registerStats();

interface Conv {
  a: string;
  b: string;
  framesAtoB: number;
  bytesAtoB: number;
  framesBtoA: number;
  bytesBtoA: number;
  relStart: number;
  duration: number;
}

/** Conversation rows with "address:port" endpoints, whichever way the JSON spells them. */
function convs(rows: unknown): Conv[] {
  return (rows as Record<string, unknown>[]).map((r) => ({
    ...(r as unknown as Conv),
    a: (r.a as string) ?? `${r.addressA}${r.portA !== undefined && r.portA !== -1 ? `:${r.portA}` : ''}`,
    b: (r.b as string) ?? `${r.addressB}${r.portB !== undefined && r.portB !== -1 ? `:${r.portB}` : ''}`,
  }));
}

async function run(file: string, spec: string): Promise<unknown> {
  const stat = createStat(spec);
  const session = new Session({ buildTree: stat.needsTree });
  await openCapture(path.join(samplesDir, file)).run((frame) => stat.onPacket(session.dissect(frame)));
  return stat.json();
}

interface PhsRow {
  protocol: string;
  frames: number;
  bytes: number;
  children?: PhsRow[];
}

function flatten(rows: PhsRow[], depth = 0, out: string[] = []): string[] {
  for (const r of rows) {
    out.push(`${'  '.repeat(depth)}${r.protocol} frames:${r.frames} bytes:${r.bytes}`);
    if (r.children) flatten(r.children, depth + 1, out);
  }
  return out;
}

describe('statistics equal tshark -z on the samples', () => {
  it('io,phs on dns.pcap', async () => {
    expect(flatten((await run('dns.pcap', 'io,phs')) as PhsRow[])).toEqual([
      'eth frames:34 bytes:3059',
      '  arp frames:2 bytes:84',
      '  ip frames:28 bytes:2553',
      '    udp frames:18 bytes:1733',
      '      dns frames:18 bytes:1733',
      '    tcp frames:10 bytes:820',
      '      dns frames:2 bytes:276',
      '  ipv6 frames:4 bytes:422',
      '    icmpv6 frames:2 bytes:172',
      '    udp frames:2 bytes:250',
      '      dns frames:2 bytes:250',
    ]);
  });

  it('conv,udp on dns.pcap', async () => {
    const rows = convs(await run('dns.pcap', 'conv,udp'));
    expect(rows).toHaveLength(10);
    // tshark: "10.53.0.2:40001 <-> 10.53.0.1:53  <- 1 94 bytes  -> 1 78 bytes  2 172 bytes  0.000019000"
    expect(rows[0]).toMatchObject({ a: '10.53.0.2:40001', b: '10.53.0.1:53', framesAtoB: 1, bytesAtoB: 78, framesBtoA: 1, bytesBtoA: 94 });
    expect(rows[0]!.relStart).toBeCloseTo(0.000019, 9);
    expect(rows[1]).toMatchObject({ a: '10.53.0.2:40002', bytesAtoB: 78, bytesBtoA: 106 });
    expect(rows[2]).toMatchObject({ a: '10.53.0.2:40003', bytesAtoB: 73, bytesBtoA: 123 });
    expect(rows[9]).toMatchObject({ a: 'fd53::2:40011', b: 'fd53::1:53', bytesAtoB: 111, bytesBtoA: 139 });
  });

  it('endpoints,ip on dns.pcap', async () => {
    // tshark: 10.53.0.2 28 packets 2553 bytes, Tx 15/1194, Rx 13/1359 (and the mirror for 10.53.0.1)
    expect(await run('dns.pcap', 'endpoints,ip')).toEqual([
      { address: '10.53.0.2', packets: 28, bytes: 2553, txPackets: 15, txBytes: 1194, rxPackets: 13, rxBytes: 1359 },
      { address: '10.53.0.1', packets: 28, bytes: 2553, txPackets: 13, txBytes: 1359, rxPackets: 15, rxBytes: 1194 },
    ]);
  });

  it('conv,tcp on openvpn/tcp-tls.pcap', async () => {
    // tshark: "10.94.0.2:35076 <-> 10.94.0.1:1194  <- 24 4680 bytes  -> 28 4749 bytes  52 9429 bytes  0.000000000  3.0518"
    const [c] = convs(await run('openvpn/tcp-tls.pcap', 'conv,tcp'));
    expect(c).toMatchObject({ a: '10.94.0.2:35076', b: '10.94.0.1:1194', framesAtoB: 28, bytesAtoB: 4749, framesBtoA: 24, bytesBtoA: 4680 });
    expect(c!.duration).toBeCloseTo(3.0518, 4);
  });

  it('refuses an unknown statistic with the list of known ones', () => {
    expect(() => createStat('bogus,x')).toThrow(/unknown statistic 'bogus,x' \(available: .*conv.*\)/);
    expect(() => createStat('conv,xyz')).toThrow(/conv needs one of eth, ip, ipv6, tcp, udp/);
  });
});
