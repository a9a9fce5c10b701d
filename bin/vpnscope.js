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
  const script = new vm.Script(Module.wrap(bundle.toString()), { filename: bundleFile, cachedData: codeCache(bundle) });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, Module.createRequire(bundleFile), module, bundleFile, dist);
  return module.exports.main;
}

/**
 * The code cache made from exactly this bundle, if there is one intact. V8 checks only the length of
 * the code and can crash on damaged data, so the file starts with the SHA-256 of the bundle and the
 * cache data together. V8 rejects a cache from another Node version or made with other V8 flags, and
 * then compiles the code as if there were none.
 */
function codeCache(bundle) {
  let file;
  try {
    file = fs.readFileSync(`${bundleFile}.cache`);
  } catch {
    return undefined;
  }
  const cache = file.subarray(32);
  const hash = require('node:crypto').createHash('sha256').update(bundle).update(cache).digest();
  return hash.equals(file.subarray(0, 32)) ? cache : undefined;
}

loadMain().then(
  (main) => main(args),
  (e) => {
    process.stderr.write(`vpnscope: cannot start (${e && e.code === 'ERR_MODULE_NOT_FOUND' ? 'not built: run npm install' : e && e.message}).\n`);
    process.exitCode = 70;
  },
);
