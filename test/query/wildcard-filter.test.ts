/**
 * wildcard and iwildcard select what OpenTSDB 2.4.1 selects (TagVWildcardFilter.match):
 * the expected sets below are the real server's answers (oracle, 2026-12-07) for these
 * values, series grouped by host. Only leading or trailing asterisks anchor; a pattern with
 * neither or both is anchored nowhere, and each piece is looked for from the sum of the
 * earlier pieces' lengths, not after the previous match.
 */
import { expect } from 'chai';
import { createFilter, filterFromShortcut } from '../../plugins/query/filters';

const VALUES = ['x.b', 'ax.b', 'x.b.c', 'X.B', 'xb', 'bx', 'Web01', 'web01', 'abc', 'acb', 'aXbYc', 'xbx', 'b'];

/** [type, pattern, the hosts OpenTSDB 2.4.1 answered, sorted] */
const MEASURED: [string, string, string][] = [
  ['wildcard', 'x*b', 'ax.b x.b x.b.c xb xbx'],
  ['wildcard', 'b*x', 'ax.b bx xbx'],
  ['wildcard', '*x*b', 'ax.b x.b xb'],
  ['wildcard', 'x*b*', 'x.b x.b.c xb xbx'],
  ['wildcard', '*b', 'acb ax.b b x.b xb'],
  ['wildcard', 'x*', 'x.b x.b.c xb xbx'],
  ['wildcard', 'X*', 'X.B'],
  ['iwildcard', 'X*', 'X.B x.b x.b.c xb xbx'],
  ['iwildcard', '*B', 'X.B acb ax.b b x.b xb'],
  ['iwildcard', 'X*B', 'X.B aXbYc ax.b x.b x.b.c xb xbx'],
  ['iwildcard', 'WEB*', 'Web01 web01'],
  ['wildcard', '**', 'Web01 X.B aXbYc abc acb ax.b b bx web01 x.b x.b.c xb xbx'],
  ['wildcard', 'x**b', 'ax.b x.b x.b.c xb xbx'],
  ['wildcard', 'a*b*c', 'aXbYc abc'],
  ['wildcard', 'a*c*b', 'aXbYc acb'],
  ['wildcard', '*b*', 'Web01 aXbYc abc acb ax.b b bx web01 x.b x.b.c xb xbx'],
  ['wildcard', 'b*b', 'Web01 aXbYc abc acb ax.b web01 x.b x.b.c xb xbx'],
  ['wildcard', '*x*', 'ax.b bx x.b x.b.c xb xbx'],
  ['wildcard', 'x*x', 'ax.b bx xbx'],
  ['map', 'x*b', 'X.B aXbYc ax.b x.b x.b.c xb xbx'],
  ['map', 'WEB*', 'Web01 web01'],
];

describe('query: wildcard filters select as OpenTSDB 2.4.1 does', () => {
  for (const [type, pattern, expected] of MEASURED) {
    it(`${type === 'map' ? `{host=${pattern}}` : `${type}(${pattern})`} → ${expected}`, () => {
      const filter = type === 'map' ? filterFromShortcut('host', pattern, true) : createFilter(type, 'host', pattern, true);
      // JavaScript's default sort (UTF-16 code units) is the order the expected lists are in
      expect(VALUES.filter((v) => filter.test(v)).sort().join(' ')).to.equal(expected);
    });
  }

  it('a series without the key never matches', () => {
    expect(createFilter('wildcard', 'host', 'x*b', false).test(undefined)).to.equal(false);
    expect(createFilter('wildcard', 'host', '*', false).test(undefined)).to.equal(false);
  });
});
