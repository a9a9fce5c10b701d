#!/usr/bin/env node
/**
 * Starts vpnscope. CommonJS (see bin/package.json): an ES module entry point alone costs ~10 ms of
 * loader set-up on Node 20.
 *
 * File mode runs dist/vpnscope.cjs, the whole program bundled into one script by scripts/build.mjs,
 * compiled from its V8 code cache when the cache was made from this very bundle: loading the ~70
 * modules tsc emits one by one takes ~100 ms more. `npm run build` (so also npm install and npm test)
 * makes both; tsc alone leaves the bundle as it was. The tsc modules (dist/cli/main.js) run instead
 * for `vpnscope live`, whose capture worker and FFI library are loaded from there, and when there is
 * no bundle.
 */
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const vm = require('node:vm');

const args = process.argv.slice(2);
const dist = path.join(__dirname, '..', 'dist');
const modulesMain = path.join(dist, 'cli', 'main.js');
const bundleFile = path.join(dist, 'vpnscope.cjs');

async function loadMain() {
  return bundledMain() ?? (await import(pathToFileURL(modulesMain).href)).main;
}

/** The bundle's main(), or undefined when the tsc modules should run. */
function bundledMain() {
  if (args[0] === 'live') return undefined;
  let bundle;
  try {
    bundle = fs.readFileSync(bundleFile);
  } catch (e) {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  }
  // The bundle is pure ASCII and already wrapped as a CommonJS module (scripts/build.mjs).
  const script = new vm.Script(bundle.latin1Slice(0, bundle.length), { filename: bundleFile, cachedData: codeCache(bundle) });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, Module.createRequire(bundleFile), module, bundleFile, dist);
  return module.exports.main;
}

/**
 * The code cache made from this very bundle, if there is one. V8 checks only the length of the code,
 * so the cache's header names the bundle it was made from by size and modification time (a rebuilt or
 * edited bundle has another); scripts/build.mjs writes it whole or not at all (write, then rename).
 * Checking costs one stat, where hashing meant loading node:crypto (~10 ms of every start). V8
 * rejects a cache from another Node version or made with other V8 flags, and then compiles the code
 * as if there were none.
 */
function codeCache(bundle) {
  let file;
  let stat;
  try {
    file = fs.readFileSync(`${bundleFile}.cache`);
    stat = fs.statSync(bundleFile);
  } catch {
    return undefined;
  }
  const ours =
    file.length > 24 &&
    file.latin1Slice(0, 8) === 'vpnscope' &&
    file.readDoubleLE(8) === bundle.length &&
    stat.size === bundle.length &&
    file.readDoubleLE(16) === stat.mtimeMs;
  return ours ? file.subarray(24) : undefined;
}

loadMain().then(
  (main) => main(args),
  (e) => {
    process.stderr.write(`vpnscope: cannot start (${e && e.code === 'ERR_MODULE_NOT_FOUND' ? 'not built: run npm install' : e && e.message}).\n`);
    process.exitCode = 70;
  },
);
