import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../helpers/daemon';

/** Every import/require/export-from specifier in a TypeScript file. */
function specifiers(source: string): string[] {
  const out: string[] = [];
  const pattern = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
  for (const match of source.matchAll(pattern)) out.push(match[1] ?? match[2] ?? match[3] ?? match[4]!);
  return out;
}

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Where a relative import lands: `core`, `lib/<module>`, `plugins/<name>`, or elsewhere. */
function layerOf(target: string): string {
  const parts = path.relative(REPO_ROOT, target).split(path.sep);
  if (parts[0] === 'core') return 'core';
  if (parts[0] === 'lib' || parts[0] === 'plugins') return `${parts[0]}/${parts[1]}`;
  return parts[0]!;
}

/** `file -> specifier` for every relative import of the files under `dir` that `allowed` refuses. */
function offenders(dir: string, allowed: (fromLayer: string, toLayer: string) => boolean): string[] {
  const out: string[] = [];
  for (const file of tsFiles(dir)) {
    const from = layerOf(file);
    for (const spec of specifiers(fs.readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const to = layerOf(path.resolve(path.dirname(file), spec));
      if (!allowed(from, to)) out.push(`${path.relative(REPO_ROOT, file)} -> ${spec}`);
    }
  }
  return out;
}

describe('layering: core <- lib <- plugins, and plugins never import each other', () => {
  it('finds the specifiers it checks (the scanner itself works)', () => {
    const found = specifiers(`import a from '../plugins/x';\nconst b = require("y");\nexport { c } from './z';\nimport type { T } from '../plugins/t';`);
    expect(found.sort()).to.deep.equal(['../plugins/t', '../plugins/x', './z', 'y']);
  });

  it('classifies a file by its layer (the rule itself can fail)', () => {
    expect(layerOf(path.join(REPO_ROOT, 'plugins', 'telnet', 'index.ts'))).to.equal('plugins/telnet');
    expect(layerOf(path.join(REPO_ROOT, 'lib', 'opentsdb', 'rules.ts'))).to.equal('lib/opentsdb');
    expect(layerOf(path.join(REPO_ROOT, 'core', 'kernel.ts'))).to.equal('core');
  });

  it('core/ imports neither lib/ nor plugins/', () => {
    const coreDir = path.join(REPO_ROOT, 'core');
    expect(tsFiles(coreDir).length).to.be.greaterThan(5);
    expect(offenders(coreDir, (_from, to) => to === 'core')).to.deep.equal([]);
  });

  it('each lib/ module imports only core/ and itself (no lib module imports another, nor a plugin)', () => {
    const libDir = path.join(REPO_ROOT, 'lib');
    expect(tsFiles(libDir).length).to.be.greaterThan(5);
    expect(offenders(libDir, (from, to) => to === 'core' || to === from)).to.deep.equal([]);
  });

  it('plugins import core/ and lib/, never another plugin', () => {
    const pluginsDir = path.join(REPO_ROOT, 'plugins');
    expect(offenders(pluginsDir, (from, to) => to === 'core' || to.startsWith('lib/') || to === from)).to.deep.equal([]);
  });

  it('core/ holds nothing OpenTSDB-specific: the word appears only in comments and plugin names', () => {
    const found: string[] = [];
    for (const file of tsFiles(path.join(REPO_ROOT, 'core'))) {
      fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '').trim();
        if (code.startsWith('*') || code.startsWith('/*')) return;
        if (/opentsdb/i.test(code.replace(/'aggregators-opentsdb'/g, ''))) found.push(`${path.relative(REPO_ROOT, file)}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(found).to.deep.equal([]);
  });
});
