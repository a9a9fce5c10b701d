#!/usr/bin/env node
/**
 * Bundles the tsc output for a fast start: node scripts/build.mjs [outDir]   (default: dist; run tsc
 * first, as `npm run build` does).
 *
 * Node 20's ESM loader takes ~100 ms to resolve, stat, read and compile the ~70 modules tsc emits
 * before vpnscope can do anything. bin/vpnscope.js runs outDir/vpnscope.cjs instead: outDir/cli/main.js
 * with everything it imports, bundled by esbuild into one CommonJS script, because a script (unlike
 * an ES module on Node 20) can be compiled from a V8 code cache. That cache, outDir/vpnscope.cjs.cache,
 * saves compiling the script's top level on every start. It begins with the SHA-256 of the bundle and
 * the cache data together: V8 checks only the length of the code, and a damaged cache can crash it.
 *
 * `vpnscope live` stays with the tsc modules: it starts its capture worker from outDir/capture/ by
 * path and loads koffi's native library.
 */
import { createHash } from 'node:crypto';
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
  plugins: [liveStaysOutside],
  // Without comments the script is pure ASCII (esbuild escapes other characters in code): Node
  // decodes it in half the time of UTF-8 with a few multi-byte characters, and it is a quarter smaller.
  minifyWhitespace: true,
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

// Compiled exactly as bin/vpnscope.js compiles it. The cache is taken before anything runs: caching
// the functions a sample run compiles as well made it half again as large for no earlier first line.
const bundle = fs.readFileSync(bundleFile);
const script = new vm.Script(Module.wrap(bundle.toString()), { filename: bundleFile });
const cache = script.createCachedData();
fs.writeFileSync(cacheFile, Buffer.concat([createHash('sha256').update(bundle).update(cache).digest(), cache]));
