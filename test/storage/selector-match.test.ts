/** core's tagsPassSelector: the one test every storage engine applies to a series' tags. */
import { expect } from 'chai';
import { tagsPassSelector, type TagPredicate } from '../../core';

const any = (key: string): TagPredicate => ({ key, test: (v) => v !== undefined });
const is = (key: string, value: string): TagPredicate => ({ key, literals: [value], test: (v) => v === value });

describe('tagsPassSelector', () => {
  it('passes tags every predicate accepts, and with explicit keys exactly those keys', () => {
    const tags = { host: 'a', dc: 'x' };
    expect(tagsPassSelector(tags, [is('host', 'a')], undefined)).to.equal(true);
    expect(tagsPassSelector(tags, [is('host', 'b')], undefined)).to.equal(false);
    expect(tagsPassSelector(tags, [any('rack')], undefined)).to.equal(false);
    expect(tagsPassSelector(tags, [any('host')], ['host', 'dc'])).to.equal(true);
    expect(tagsPassSelector(tags, [any('host')], ['host'])).to.equal(false); // dc is one key more
    expect(tagsPassSelector(tags, [any('host')], ['host', 'rack'])).to.equal(false);
  });

  it('reads own keys only: a key named like an Object.prototype member is absent unless set', () => {
    const tags = { host: 'a' };
    expect(tagsPassSelector(tags, [any('constructor')], undefined)).to.equal(false);
    expect(tagsPassSelector(tags, [any('toString')], undefined)).to.equal(false);
    expect(tagsPassSelector(tags, [any('host')], ['constructor'])).to.equal(false);
    expect(tagsPassSelector({ constructor: 'c' }, [is('constructor', 'c')], ['constructor'])).to.equal(true);
  });
});
