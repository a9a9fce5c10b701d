#!/usr/bin/env node
/**
 * npm run bench — vpnscope against tshark on the same capture.
 *
 * Builds bench/out/bench-<N>.pcap from the real sample captures (DNS, HTTP, TLS, OpenVPN sessions)
 * repeated with fresh client ports and advancing timestamps until it holds N packets, then times
 * summary lines, -V, -T json (and a -Y filter) with vpnscope and, when installed, tshark. Prints
 * packets/s for each, the vpnscope/tshark ratio, peak RSS, and the time to the first output line.
 *
 *   node bench/run.js [--packets 200000] [--sizes 200000,1000000] [--modes summary,V,json,filter] [--no-tshark]
 *   As root it then runs bench/live.js (live capture from a TUN device: burst loss, latency); --no-live skips it.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'bench', 'out');
const args = process.argv.slice(2);
const arg = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const sizes = (arg('--sizes', arg('--packets', '200000')) + '').split(',').map(Number);
const modes = arg('--modes', 'summary,V,json,filter').split(',');
const useTshark = !args.includes('--no-tshark') && spawnSync('tshark', ['--version']).status === 0;
const vpnscope = path.join(root, 'bin', 'vpnscope.js');
const filterText = 'dns.qry.name contains "example"';

// ---- building the benchmark capture from real samples --------------------------------------------

function readPcap(file) {
  const b = fs.readFileSync(file);
  const magic = b.readUInt32LE(0);
  if (magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) return null; // only little-endian classic pcap samples are used
  const linkType = b.readUInt32LE(20);
  const frames = [];
  for (let off = 24; off + 16 <= b.length; ) {
    const cap = b.readUInt32LE(off + 8);
    const orig = b.readUInt32LE(off + 12);
    if (off + 16 + cap > b.length) break;
    frames.push({ data: Buffer.from(b.subarray(off + 16, off + 16 + cap)), orig });
    off += 16 + cap;
  }
  return { linkType, frames };
}

const servicePorts = new Set([53, 80, 443, 1194, 5000, 8000, 8080]);

/** Gives repetition `k` its own client port so every repetition is a new conversation. */
function rewritePorts(frame, k) {
  const d = Buffer.from(frame);
  let off = 12;
  let type = d.readUInt16BE(off);
  while (type === 0x8100 || type === 0x88a8) {
    off += 4;
    type = d.readUInt16BE(off);
  }
  off += 2;
  let proto;
  let l4;
  if (type === 0x0800 && d.length >= off + 20) {
    proto = d[off + 9];
    if ((d.readUInt16BE(off + 6) & 0x1fff) !== 0) return d;
    l4 = off + (d[off] & 15) * 4;
  } else if (type === 0x86dd && d.length >= off + 40) {
    proto = d[off + 6];
    l4 = off + 40;
  } else return d;
  if ((proto !== 6 && proto !== 17) || d.length < l4 + 4) return d;
  for (const p of [l4, l4 + 2]) {
    const port = d.readUInt16BE(p);
    if (!servicePorts.has(port)) d.writeUInt16BE(10000 + ((port + k * 7) % 50000), p);
  }
  return d;
}

function buildCapture(target) {
  const file = path.join(outDir, `bench-${target}.pcap`);
  if (fs.existsSync(file)) return file;
  const sources = [];
  const candidates = ['dns.pcap', 'http.pcap', 'tls12.pcap', 'tls13.pcap', 'openvpn/udp-tls.pcap', 'openvpn/tcp-tls.pcap',
    'openvpn/tls-auth-sha256.pcap', 'openvpn/tls-crypt.pcap', 'openvpn/cbc.pcap', 'openvpn/static-key.pcap'];
  for (const c of candidates) {
    const f = path.join(root, 'samples', c);
    if (!fs.existsSync(f)) continue;
    const p = readPcap(f);
    if (p && p.linkType === 1) sources.push(p.frames);
  }
  if (sources.length === 0) throw new Error('no Ethernet pcap samples found in samples/');
  fs.mkdirSync(outDir, { recursive: true });
  const fd = fs.openSync(file + '.tmp', 'w');
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20);
  fs.writeSync(fd, header);
  let written = 0;
  let usec = 1_764_000_000n * 1_000_000n;
  const chunks = [];
  let chunkBytes = 0;
  for (let k = 0; written < target; k++) {
    const frames = sources[k % sources.length];
    for (const f of frames) {
      if (written >= target) break;
      const data = rewritePorts(f.data, k);
      const rec = Buffer.alloc(16);
      usec += 10_000n; // 10 ms apart: a long capture, as real ones are
      rec.writeUInt32LE(Number(usec / 1_000_000n), 0);
      rec.writeUInt32LE(Number(usec % 1_000_000n), 4);
      rec.writeUInt32LE(data.length, 8);
      rec.writeUInt32LE(Math.max(f.orig, data.length), 12);
      chunks.push(rec, data);
      chunkBytes += 16 + data.length;
      written++;
      if (chunkBytes > 4 << 20) {
        fs.writeSync(fd, Buffer.concat(chunks));
        chunks.length = 0;
        chunkBytes = 0;
      }
    }
  }
  fs.writeSync(fd, Buffer.concat(chunks));
  fs.closeSync(fd);
  fs.renameSync(file + '.tmp', file);
  return file;
}

// ---- timing one command ---------------------------------------------------------------------------

function peakRssKb(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function timeCommand(cmd, cmdArgs) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    let firstByte = null;
    let bytes = 0;
    let peak = 0;
    let stderr = '';
    child.stdout.on('data', (c) => {
      if (firstByte === null) firstByte = Number(process.hrtime.bigint() - start) / 1e6;
      bytes += c.length;
    });
    child.stderr.on('data', (c) => (stderr += c));
    const poll = setInterval(() => (peak = Math.max(peak, peakRssKb(child.pid))), 20);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (code !== 0) return reject(new Error(`${cmd} ${cmdArgs.join(' ')} exited ${code}: ${stderr.split('\n').filter((l) => !/Running as user/.test(l)).join(' ').slice(0, 300)}`));
      resolve({ seconds, peakMb: peak / 1024, firstMs: firstByte, bytes });
    });
  });
}

const modeArgs = {
  summary: [],
  V: ['-V'],
  json: ['-T', 'json'],
  filter: ['-Y', filterText],
};

async function main() {
  if (!fs.existsSync(path.join(root, 'dist', 'cli', 'main.js'))) {
    console.error('bench: dist/ is missing — run npm install (or npm run build) first');
    process.exit(1);
  }
  console.log(`vpnscope benchmark — ${useTshark ? 'tshark ' + /TShark \(Wireshark\) ([\d.]+)/.exec(spawnSync('tshark', ['--version']).stdout)?.[1] : 'tshark not installed: vpnscope only'}`);
  console.log(`machine: ${(await import('node:os')).cpus().length} cores, node ${process.version}\n`);
  const rows = [];
  for (const n of sizes) {
    const file = buildCapture(n);
    for (const mode of modes) {
      const a = [...modeArgs[mode], '-r', file];
      const v = await timeCommand(process.execPath, [vpnscope, ...a]);
      let t = null;
      if (useTshark) t = await timeCommand('tshark', ['-n', ...a]).catch((e) => ({ error: e.message }));
      rows.push({ n, mode, v, t });
      const vr = n / v.seconds;
      const tr = t && !t.error ? n / t.seconds : null;
      console.log(
        `${String(n).padStart(8)} pkts  ${mode.padEnd(8)} vpnscope ${fmt(vr)} pkt/s  ${v.peakMb.toFixed(0).padStart(4)} MB  first line ${v.firstMs === null ? '-' : v.firstMs.toFixed(0) + ' ms'}` +
          (tr ? `   tshark ${fmt(tr)} pkt/s  ${t.peakMb.toFixed(0).padStart(4)} MB   ratio ${(vr / tr).toFixed(2)}×` : t?.error ? `   tshark failed: ${t.error}` : ''),
      );
    }
  }
  fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(rows, null, 2));
  // Live mode (TUN burst loss and latency) needs root for its network namespace: bench/live.js.
  if (process.getuid?.() === 0 && !args.includes('--no-live')) spawnSync(process.execPath, [path.join(root, 'bench', 'live.js')], { stdio: 'inherit' });
}

function fmt(x) {
  return Math.round(x).toLocaleString('en').padStart(9);
}

main().catch((e) => {
  console.error(`bench: ${e.message}`);
  process.exit(1);
});
