import fs from 'node:fs';
import path from 'node:path';
import type { BuildInfo } from './container';

/** Reads dist/build-info.json, written at build time by scripts/build-info.js. */
export function readBuildInfo(): BuildInfo {
  const file = path.resolve(__dirname, '..', 'build-info.json');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as BuildInfo;
  } catch {
    const version = (JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
    return { version, short_revision: 'unknown', full_revision: 'unknown', timestamp: '0', repo_status: 'MODIFIED', user: 'unknown', host: 'unknown', repo: 'unknown', branch: 'unknown' };
  }
}
