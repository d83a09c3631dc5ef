#!/usr/bin/env node
'use strict';
// The `dsdb` command: the daemon and its utilities. The code is compiled TypeScript in dist/.
require('../dist/core/cli.js').main(process.argv.slice(2)).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (err) => { process.stderr.write(`dsdb: ${err && err.message ? err.message : err}\n`); process.exit(1); },
);
