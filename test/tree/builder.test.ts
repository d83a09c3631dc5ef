/**
 * The tree builder against answers the real OpenTSDB 2.4.1 gave to /api/tree/test for the
 * same rules and series (test/fixtures/tree/opentsdb-test-answers.json, recorded from the
 * oracle): branch ids (Java String.hashCode), display names (regex groups, separators,
 * display formats with {ovalue}/{value}/{tag_name}/{tsuid}), custom-field rules, skipped
 * levels, strict matching and every test message.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/daemon';
import { newRoot } from '../../plugins/tree/branch';
import { TreeBuilder, type SeriesMetaView } from '../../plugins/tree/builder';
import { compareIgnoreCase, javaHash, javaSplit } from '../../plugins/tree/java';
import { RE2JS } from 're2js';
import type { Tree, TreeRule } from '../../plugins/tree/model';
import { attachPath } from '../../plugins/tree/processor';

const answers = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'tree', 'opentsdb-test-answers.json'), 'utf8'));

function treeOf(treeId: number, rules: Record<string, Record<string, TreeRule>>, strictMatch = false): Tree {
  const map = new Map<number, Map<number, TreeRule>>();
  for (const [level, orders] of Object.entries(rules)) map.set(Number(level), new Map(Object.entries(orders).map(([o, r]) => [Number(o), r])));
  return { treeId, name: 't', description: '', notes: '', strictMatch, enabled: true, storeFailures: false, created: 0, rules: map };
}

const cpu: SeriesMetaView = {
  tsuid: '000001000001000001000002000002',
  metric: { type: 'METRIC', name: 'sys.cpu.user', custom: { owner: 'ops team' } },
  tags: [
    { type: 'TAGK', name: 'host', custom: { kind: 'machine' } },
    { type: 'TAGV', name: 'web01', custom: null },
    { type: 'TAGK', name: 'dc', custom: null },
    { type: 'TAGV', name: 'lga', custom: { region: 'us-east' } },
  ],
};
const mem: SeriesMetaView = {
  tsuid: '000002000001000001',
  metric: { type: 'METRIC', name: 'sys.mem.free', custom: null },
  tags: [
    { type: 'TAGK', name: 'host', custom: { kind: 'machine' } },
    { type: 'TAGV', name: 'web01', custom: null },
  ],
};

/** What /api/tree/test answers for one series: the root with the path attached, and the messages. */
function testAnswer(tree: Tree, meta: SeriesMetaView): { branch: unknown; messages: string[] } {
  const root = newRoot(tree.treeId);
  const result = new TreeBuilder(tree).build(meta, root);
  if (result.branch) attachPath(root, result.branch);
  return { branch: root.toJson(), messages: result.messages };
}

describe('tree builder (OpenTSDB TreeBuilder)', () => {
  it('hashes, orders and splits as Java does', () => {
    expect(javaHash('lga')).to.equal(0x0001a246);
    expect(javaHash('owner=ops (ops team)')).to.equal(0x717453ee);
    expect(javaHash('')).to.equal(0);
    expect(compareIgnoreCase('Web', 'web')).to.equal(0);
    expect(compareIgnoreCase('a', 'B')).to.be.lessThan(0);
    expect(javaSplit('sys.cpu.user', RE2JS.compile('\\.'))).to.deep.equal(['sys', 'cpu', 'user']);
    expect(javaSplit('a..b..', RE2JS.compile('\\.'))).to.deep.equal(['a', '', 'b']);
    expect(javaSplit('...', RE2JS.compile('\\.'))).to.deep.equal([]);
    expect(javaSplit('abc', RE2JS.compile('-'))).to.deep.equal(['abc']);
    // zero-width matches: no leading empty string (Java 8's Pattern.split)
    expect(javaSplit('abc', RE2JS.compile(''))).to.deep.equal(['a', 'b', 'c']);
    expect(javaSplit('a1b2', RE2JS.compile('(?:)'))).to.deep.equal(['a', '1', 'b', '2']);
    expect(javaSplit(',a,,b', RE2JS.compile(','))).to.deep.equal(['', 'a', '', 'b']);
  });

  it('builds the tag / metric-split / tag tree as OpenTSDB', () => {
    const tree = treeOf(1, answers.tree1rules);
    expect(testAnswer(tree, cpu)).to.deep.equal(answers.tree1[cpu.tsuid]);
    // a series without the first level's tag skips that level
    expect(testAnswer(tree, mem)).to.deep.equal(answers.tree1mem[mem.tsuid]);
  });

  it('follows custom-field, regex, separator and display-format rules as OpenTSDB', () => {
    expect(testAnswer(treeOf(3, answers.tree3rules), cpu)).to.deep.equal(answers.tree3loose[cpu.tsuid]);
  });

  it('refuses series that miss a level under strict matching, with the same messages', () => {
    const tree = treeOf(3, answers.tree3rules, true);
    expect(testAnswer(tree, cpu)).to.deep.equal(answers.tree3strict_a[cpu.tsuid]);
    expect(testAnswer(tree, mem)).to.deep.equal(answers.tree3strict_b[mem.tsuid]);
    const refused = new TreeBuilder(tree).build(mem);
    expect(refused.refused).to.equal(true);
    expect(refused.notMatched).to.equal('[3:1:0:TAGV_CUSTOM] [3:3:1:TAGK]');
  });
});
