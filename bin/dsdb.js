#!/usr/bin/env node
'use strict';
// The `dsdb` command: the daemon and its utilities. The code is compiled TypeScript in dist/.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const entry = path.join(root, 'dist', 'core', 'cli.js');
// In a clone whose dist/ is missing (not built yet, or removed), build it first — and say
// so, rather than leave the first run silent for its 15 s.
if (!fs.existsSync(entry) && fs.existsSync(path.join(root, 'tsconfig.json'))) {
  process.stderr.write('dsdb: dist/ is missing: building it first (npm run build, about 15 s)…\n');
  const { spawnSync } = require('node:child_process');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const built = spawnSync(npm, ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DSDB_BUILD_ANNOUNCED: '1' } });
  if (built.status !== 0) {
    process.stderr.write('dsdb: the build failed (see above); run `npm ci` in the clone, then `npx dsdb`\n');
    process.exit(1);
  }
  process.stderr.write('dsdb: built.\n');
}
require(entry).main(process.argv.slice(2)).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (err) => { process.stderr.write(`dsdb: ${err && err.message ? err.message : err}\n`); process.exit(1); },
);
