#!/usr/bin/env node
import('../dist/cli/main.js').then(
  (m) => m.main(process.argv.slice(2)),
  (e) => {
    process.stderr.write(`vpnscope: cannot start (${e && e.code === 'ERR_MODULE_NOT_FOUND' ? 'not built: run npm install' : e && e.message}).\n`);
    process.exitCode = 70;
  },
);
