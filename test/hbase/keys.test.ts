/** Row keys of the HBase engine: byte order is time order, prefixes bound their rows, ids round-trip. */
import { expect } from 'chai';
import { annotationBound, annotationKey, asciiJson, dataRowKey, parseMetricRow, metricRowKey, parseSeriesId, prefixEnd, rowSeriesId, rowWindow, seriesIdString } from '../../plugins/storage-hbase/keys';

describe('storage-hbase row keys', () => {
  it('sorts data rows of one series by window, negative and huge windows included', () => {
    const windows = [-(2 ** 62), -8.64e15, -3_600_000, 0, 3_600_000, 1_700_000_000_000, 8.64e15, 2 ** 62];
    const keys = windows.map((w) => dataRowKey(77, w, 4));
    const sorted = [...keys].sort(Buffer.compare);
    expect(sorted.map(rowWindow)).to.deep.equal(windows);
    for (const k of keys) {
      expect(k).to.have.length(13);
      expect(k[0]).to.equal(77 % 4);
      expect(rowSeriesId(k)).to.equal(77);
    }
  });

  it('keeps series ids as 8 hex digits and parses only those', () => {
    expect(seriesIdString(0xabc)).to.equal('00000ABC');
    expect(parseSeriesId('00000ABC')).to.equal(0xabc);
    expect(parseSeriesId('ABC')).to.equal(-1);
    expect(parseSeriesId('zzzzzzzz')).to.equal(-1);
  });

  it('reads metric and id back from a metric row, unicode included', () => {
    expect(parseMetricRow(metricRowKey('sys.cpu.ünï', 0x10))).to.deep.equal(['sys.cpu.ünï', 0x10]);
  });

  it('bounds a prefix: every key with the prefix sorts below prefixEnd, the next prefix does not', () => {
    const p = Buffer.from([0x61, 0xff, 0xff]);
    expect(prefixEnd(p)).to.deep.equal(Buffer.from([0x62]));
    expect(Buffer.compare(Buffer.from([0x61, 0xff, 0xff, 0xff]), prefixEnd(p))).to.equal(-1);
    expect(Buffer.compare(Buffer.from([0x62]), prefixEnd(p))).to.equal(0);
  });

  it('orders annotations by start time, and a range bound covers its end time', () => {
    const a = annotationKey(1000, 'X');
    const b = annotationKey(2000, '');
    expect(Buffer.compare(a, b)).to.equal(-1);
    expect(Buffer.compare(annotationBound(1000), a)).to.equal(-1);
    expect(Buffer.compare(a, prefixEnd(annotationBound(1000)))).to.equal(-1);
  });

  it('escapes every non-ASCII character in tag JSON (the gateway regex reads Latin-1)', () => {
    const text = asciiJson({ host: 'ünï 東' });
    expect(text).to.match(/^[\x20-\x7e]*$/);
    expect(JSON.parse(text)).to.deep.equal({ host: 'ünï 東' });
  });
});
