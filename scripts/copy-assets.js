#!/usr/bin/env node
// Copies each plugin's browser files (plugins/<name>/static/) next to its compiled code
// (dist/plugins/<name>/static/): tsc compiles only TypeScript, and a plugin finds its
// assets beside itself, in the repository as in the published package.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
for (const name of fs.readdirSync(path.join(root, 'plugins'))) {
  const from = path.join(root, 'plugins', name, 'static');
  const to = path.join(root, 'dist', 'plugins', name, 'static');
  fs.rmSync(to, { recursive: true, force: true }); // a file deleted from the source goes too
  if (fs.existsSync(from)) fs.cpSync(from, to, { recursive: true });
}
