#!/usr/bin/env node
/**
 * Bundles the tsc output for a fast start: node scripts/build.mjs [outDir]   (default: dist; run tsc
 * first, as `npm run build` does).
 *
 * Node 20's ESM loader takes ~100 ms to resolve, stat, read and compile the ~70 modules tsc emits
 * before vpnscope can do anything. bin/vpnscope.js runs outDir/vpnscope.cjs instead: outDir/cli/main.js
 * with everything it imports, bundled by esbuild into one CommonJS script, because a script (unlike
 * an ES module on Node 20) can be compiled from a V8 code cache. That cache, outDir/vpnscope.cjs.cache,
 * saves compiling the script's top level on every start. Its header names the bundle it was made from
 * (size and modification time): V8 checks only the length of the code, so a cache must never be
 * used with another bundle.
 *
 * `vpnscope live` stays with the tsc modules: it starts its capture worker from outDir/capture/ by
 * path and loads koffi's native library.
 */
import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.resolve(root, process.argv[2] ?? 'dist');
const entry = path.join(outDir, 'cli', 'main.js');
const bundleFile = path.join(outDir, 'vpnscope.cjs');
const cacheFile = `${bundleFile}.cache`;

if (!fs.existsSync(entry)) {
  console.error(`build: ${path.relative(root, entry)} is missing: run tsc first (npm run build does both)`);
  process.exit(1);
}

/** main.js's `import('./live.js')` stays an import of the tsc module instead of bundled code. */
const liveStaysOutside = {
  name: 'live-stays-outside',
  setup(build) {
    build.onResolve({ filter: /^\.\/live\.js$/ }, (args) =>
      args.importer === entry ? { path: './cli/live.js', external: true } : undefined,
    );
  },
};

/**
 * commander requires node:child_process at load time, only to spawn executable subcommands, which
 * vpnscope has none of; loading it (and the stream modules it needs) took ~6 ms of every start.
 * In the bundle, commander gets a stand-in that loads the real module if `spawn` is ever called.
 */
const childProcessOnDemand = {
  name: 'child-process-on-demand',
  setup(build) {
    build.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'child-process-on-demand', namespace: 'vpnscope' } : undefined,
    );
    build.onLoad({ filter: /^child-process-on-demand$/, namespace: 'vpnscope' }, () => ({
      contents: "module.exports = { spawn: (...args) => require('node:child_process').spawn(...args) };",
      loader: 'js',
    }));
  },
};

/** Node's CommonJS wrapper, split around the module's code. */
const wrapper = Module.wrap('\0').split('\0');

// A cache must never sit next to a bundle it was not made from, even if this script stops half-way.
fs.rmSync(cacheFile, { force: true });

const result = await esbuild.build({
  entryPoints: [entry],
  outfile: bundleFile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['koffi'],
  plugins: [liveStaysOutside, childProcessOnDemand],
  // Without comments the script is pure ASCII (esbuild escapes other characters in code), so it is
  // read as Latin-1, the cheapest string V8 makes. Minified, it is a fifth smaller than with
  // whitespace alone (650 → 512 KB): less to read and hash at every start, first line ~5 ms sooner.
  minifyWhitespace: true,
  minifySyntax: true,
  minifyIdentifiers: true,
  // The file is the script bin/vpnscope.js compiles, already wrapped as Node wraps a CommonJS module:
  // wrapping it at start-up made a second 512 KB copy of the source (flattened for the compiler),
  // and with the first it filled the young generation, costing a scavenge before the first packet.
  banner: { js: wrapper[0] },
  footer: { js: wrapper[1] },
  logLevel: 'silent',
});
// What esbuild warns about (import.meta in CommonJS, a require it cannot follow) would run differently
// from the tsc modules, so it fails the build.
const problems = [...result.errors, ...result.warnings];
if (problems.length > 0) {
  const messages = await esbuild.formatMessages(problems, { kind: 'warning' });
  console.error(`build: bundling ${path.relative(root, entry)} needs attention:\n${messages.join('\n')}`);
  fs.rmSync(bundleFile, { force: true });
  process.exit(1);
}

// Compiled exactly as bin/vpnscope.js compiles it. The cache is taken after the bundle has read the
// samples once in each output mode, so it also holds the bytecode of the functions a run compiles
// (dissectors, renderers) and a run does not compile them again: measured, `vpnscope -V
// samples/http.pcap` 270 → 255 ms and 200,000 packets of summary lines ~5% sooner, for a cache of
// ~850 KB instead of ~450 KB and no change to the first line. Without the samples (a package
// installed without them) the cache holds the top level only.
const bundle = fs.readFileSync(bundleFile);
if (bundle.some((byte) => byte > 0x7f)) {
  console.error(`build: ${path.relative(root, bundleFile)} is not pure ASCII, which bin/vpnscope.js reads it as`);
  fs.rmSync(bundleFile, { force: true });
  process.exit(1);
}
const script = new vm.Script(bundle.latin1Slice(0, bundle.length), { filename: bundleFile });
const cache = (await cacheAfterSampleRuns(script)) ?? script.createCachedData();

/** The cache after running the bundle over the samples (their output discarded); null without samples. */
async function cacheAfterSampleRuns(script) {
  const samples = ['dns.pcap', 'http.pcap', 'tls12.pcap', 'tls13.pcap', 'frag.pcap', 'vlan.pcap', 'vxlan.pcap', 'nflog.pcap', 'wireguard.pcap', 'ipsec.pcap', 'openvpn/udp-tls.pcap', 'openvpn/tcp-tls.pcap',
    'openvpn/tls-auth-sha256.pcap', 'openvpn/tls-crypt.pcap', 'openvpn/cbc.pcap', 'openvpn/static-key.pcap']
    .map((f) => path.join(root, 'samples', f))
    .filter((f) => fs.existsSync(f));
  if (samples.length === 0) return null;
  const bundled = { exports: {} };
  script.runInThisContext()(bundled.exports, Module.createRequire(bundleFile), bundled, bundleFile, outDir);
  const write = fs.writeSync;
  fs.writeSync = (fd, data, ...rest) =>
    fd !== 1 ? write(fd, data, ...rest) : typeof data === 'string' ? Buffer.byteLength(data) : typeof rest[1] === 'number' ? rest[1] : data.length;
  try {
    for (const mode of [[], ['-V'], ['-T', 'json']]) for (const sample of samples) await bundled.exports.main([...mode, sample]);
  } finally {
    fs.writeSync = write;
  }
  if (process.exitCode) {
    console.error(`build: the bundle failed on the samples (exit status ${process.exitCode})`);
    process.exit(1);
  }
  return script.createCachedData();
}
// The header names the bundle the cache belongs to by its size and modification time (see
// bin/vpnscope.js); written to a temporary file and renamed, the cache is never seen half-written.
const { size, mtimeMs } = fs.statSync(bundleFile);
const header = Buffer.alloc(24);
header.write('vpnscope', 0, 'latin1');
header.writeDoubleLE(size, 8);
header.writeDoubleLE(mtimeMs, 16);
fs.writeFileSync(`${cacheFile}.tmp`, Buffer.concat([header, cache]));
fs.renameSync(`${cacheFile}.tmp`, cacheFile);
