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

describe('layering', () => {
  it('finds the specifiers it checks (the scanner itself works)', () => {
    const found = specifiers(`import a from '../plugins/x';\nconst b = require("y");\nexport { c } from './z';\nimport type { T } from '../plugins/t';`);
    expect(found.sort()).to.deep.equal(['../plugins/t', '../plugins/x', './z', 'y']);
  });

  it('nothing under core/ imports from plugins/', () => {
    const coreDir = path.join(REPO_ROOT, 'core');
    const offenders: string[] = [];
    for (const file of tsFiles(coreDir)) {
      for (const spec of specifiers(fs.readFileSync(file, 'utf8'))) {
        if (!spec.startsWith('.')) continue;
        const target = path.resolve(path.dirname(file), spec);
        if (!target.startsWith(coreDir + path.sep) && target !== coreDir) offenders.push(`${path.relative(REPO_ROOT, file)} -> ${spec}`);
      }
    }
    expect(tsFiles(coreDir).length).to.be.greaterThan(5);
    expect(offenders).to.deep.equal([]);
  });

  it('lib/ (shared feature code) imports only the kernel and lib/', () => {
    const libDir = path.join(REPO_ROOT, 'lib');
    const coreDir = path.join(REPO_ROOT, 'core');
    const offenders: string[] = [];
    for (const file of tsFiles(libDir)) {
      for (const spec of specifiers(fs.readFileSync(file, 'utf8'))) {
        if (!spec.startsWith('.')) continue;
        const target = path.resolve(path.dirname(file), spec);
        const inside = (dir: string) => target === dir || target.startsWith(dir + path.sep);
        if (!inside(libDir) && !inside(coreDir)) offenders.push(`${path.relative(REPO_ROOT, file)} -> ${spec}`);
      }
    }
    expect(tsFiles(libDir).length).to.be.greaterThan(2);
    expect(offenders).to.deep.equal([]);
  });

  it('plugins import only the kernel, never another plugin', () => {
    const pluginsDir = path.join(REPO_ROOT, 'plugins');
    const offenders: string[] = [];
    for (const file of tsFiles(pluginsDir)) {
      const own = path.relative(pluginsDir, file).split(path.sep)[0]!;
      for (const spec of specifiers(fs.readFileSync(file, 'utf8'))) {
        if (!spec.startsWith('.')) continue;
        const target = path.relative(pluginsDir, path.resolve(path.dirname(file), spec));
        if (!target.startsWith('..') && target.split(path.sep)[0] !== own) offenders.push(`${path.relative(REPO_ROOT, file)} -> ${spec}`);
      }
    }
    expect(offenders).to.deep.equal([]);
  });
});
