#!/usr/bin/env node
// Writes build-info.json (what `version` and /api/version report): the git revision
// and whether the tree had local changes, like OpenTSDB's gen_build_data.sh.
'use strict';
const { execSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
// The first build (npm ci / npm install run it as `prepare`) takes a while: say so.
if (!process.env.DSDB_BUILD_ANNOUNCED && !fs.existsSync(path.join(root, 'dist', 'core', 'cli.js'))) {
  process.stderr.write('dsdb: building dist/ (TypeScript, about 15 s; once per clone, again after changes: npm run build)…\n');
}
const git = (args) => {
  try { return execSync(`git ${args}`, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim(); }
  catch { return ''; }
};
const fullRevision = git('rev-parse HEAD') || 'unknown';
const info = {
  version: require(path.join(root, 'package.json')).version,
  short_revision: fullRevision === 'unknown' ? 'unknown' : fullRevision.slice(0, 7),
  full_revision: fullRevision,
  timestamp: String(Math.floor(Date.now() / 1000)),
  repo_status: git('status --porcelain --untracked-files=no') ? 'MODIFIED' : 'MINT',
  user: os.userInfo().username,
  host: os.hostname(),
  repo: root,
  branch: git('rev-parse --abbrev-ref HEAD') || 'unknown',
};
fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
fs.writeFileSync(path.join(root, 'dist', 'build-info.json'), JSON.stringify(info, null, 2) + '\n');
