/** The kernel's NameInterner: one string a name, bounded. */
import { expect } from 'chai';
import { NameInterner } from '../../core/name-interner';

describe('core NameInterner', () => {
  it('keeps one entry a distinct name, however many times and from however many copies it is interned', () => {
    const names = new NameInterner();
    for (let i = 0; i < 1000; i++) {
      // each a new string (built at run time), equal to the earlier ones
      expect(names.intern(['cpu', 'user'].join('.'))).to.equal('cpu.user');
      expect(names.intern(`host${i % 10}`)).to.equal(`host${i % 10}`);
    }
    expect(names.size).to.equal(11);
  });

  it('starts over at its bound instead of growing with names that never repeat', () => {
    const names = new NameInterner(100);
    for (let i = 0; i < 1000; i++) expect(names.intern(`container-${i}`)).to.equal(`container-${i}`);
    expect(names.size).to.be.at.most(100).and.above(0);
  });

  it('replaces tag values in place by equal strings, keys and values unchanged', () => {
    const names = new NameInterner();
    const first = names.internValues({ host: 'web01', dc: 'lga' });
    const tags = JSON.parse('{"host":"web01","dc":"lga","rack":"r1"}') as Record<string, string>;
    const same = names.internValues(tags);
    expect(same).to.equal(tags);
    expect(tags).to.deep.equal({ host: 'web01', dc: 'lga', rack: 'r1' });
    expect(Object.keys(tags)).to.deep.equal(['host', 'dc', 'rack']);
    expect(first).to.deep.equal({ host: 'web01', dc: 'lga' });
    expect(names.size).to.equal(3);
  });

  it('leaves a frozen tags object as it is, and forgets every name on clear', () => {
    const names = new NameInterner();
    const frozen = Object.freeze({ host: 'web01' });
    expect(names.internValues(frozen)).to.equal(frozen);
    names.intern('a');
    names.intern('b');
    expect(names.size).to.equal(2);
    names.clear();
    expect(names.size).to.equal(0);
  });
});
