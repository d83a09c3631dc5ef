#!/usr/bin/env node
// Copies each plugin's browser files (plugins/<name>/static/) next to its compiled code
// (dist/plugins/<name>/static/): tsc compiles only TypeScript, and a plugin finds its
// assets beside itself, in the repository as in the published package.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
// The default plugin list is data the kernel reads beside the built-in plugins.
fs.mkdirSync(path.join(root, 'dist', 'plugins'), { recursive: true });
fs.copyFileSync(path.join(root, 'plugins', 'default-plugins.json'), path.join(root, 'dist', 'plugins', 'default-plugins.json'));
for (const entry of fs.readdirSync(path.join(root, 'plugins'), { withFileTypes: true })) {
  if (!entry.isDirectory()) continue;
  const name = entry.name;
  const from = path.join(root, 'plugins', name, 'static');
  const to = path.join(root, 'dist', 'plugins', name, 'static');
  fs.rmSync(to, { recursive: true, force: true }); // a file deleted from the source goes too
  if (fs.existsSync(from)) fs.cpSync(from, to, { recursive: true });
}
