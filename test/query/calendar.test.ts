/** Time zones and calendar-aligned downsampling. */
import { expect } from 'chai';
import { parseDateTime } from '../../lib/opentsdb/time';
import { at, int, startQueryDaemon, type QueryDaemon } from '../helpers/query';

describe('time zones and calendar downsampling', () => {
  let d: QueryDaemon;
  // 2013-01-01T00:00Z … every hour for 70 days
  const base = Date.UTC(2013, 0, 1) / 1000;
  before(async () => {
    d = await startQueryDaemon();
    const points = [];
    for (let h = 0; h < 24 * 70; h++) points.push(at('hourly', { h: 'a' }, base + h * 3600, int(1)));
    await d.write(points);
  });
  after(() => d.stop());

  it('absolute dates are read in the query time zone (UTC by default)', () => {
    expect(parseDateTime('2013/01/01-00:00:00')).to.equal(Date.UTC(2013, 0, 1));
    expect(parseDateTime('2013/01/01-00:00:00', 'Asia/Tokyo')).to.equal(Date.UTC(2012, 11, 31, 15));
    expect(parseDateTime('2013/07/01 12:30', 'America/New_York')).to.equal(Date.UTC(2013, 6, 1, 16, 30));
    expect(parseDateTime('2013/01/01')).to.equal(Date.UTC(2013, 0, 1));
    expect(parseDateTime('1h-ago', 'UTC', 10_000_000)).to.equal(10_000_000 - 3_600_000);
    expect(parseDateTime('1356998400123')).to.equal(1356998400123);
    expect(parseDateTime('5000ms')).to.equal(5000);
  });

  it("absolute dates follow Java's GregorianCalendar: Julian before 1582-10-15, years below 100 as written (values from Java 17's SimpleDateFormat)", () => {
    expect(parseDateTime('0070/01/01-00:00:00'), 'year 70, not 1970').to.equal(-59958316800000);
    expect(parseDateTime('0001/01/01-00:00:00')).to.equal(-62135769600000);
    expect(parseDateTime('0000/01/01-00:00:00'), "lenient year 0: 1 BC").to.equal(-62167392000000);
    expect(parseDateTime('1500/02/29-00:00:00'), 'a Julian leap day').to.equal(-14825894400000);
    expect(parseDateTime('1582/10/04-00:00:00')).to.equal(-12219379200000);
    expect(parseDateTime('1582/10/10-00:00:00'), 'a Julian date in the skipped days').to.equal(-12218860800000);
    expect(parseDateTime('1582/10/15-00:00:00')).to.equal(-12219292800000);
    expect(parseDateTime('1583/02/31-00:00:00'), 'rolls into March').to.equal(-12207283200000);
    expect(parseDateTime('1969/12/31-23:00:00', 'Europe/Paris')).to.equal(-7200000);
  });

  it("absolute dates are lenient, as Java's SimpleDateFormat (each checked against OpenTSDB 2.4.1)", () => {
    const utc = (...f: [number, number, number, number?, number?, number?]) => Date.UTC(f[0], f[1] - 1, f[2], f[3] ?? 0, f[4] ?? 0, f[5] ?? 0);
    expect(parseDateTime('2023/11/14-25:00:00'), 'hour 25').to.equal(utc(2023, 11, 15, 1));
    expect(parseDateTime('2023/13/01'), 'month 13').to.equal(utc(2024, 1, 1));
    expect(parseDateTime('2023/00/10'), 'month 0').to.equal(utc(2022, 12, 10));
    expect(parseDateTime('2023/-1/14'), 'month -1').to.equal(utc(2022, 11, 14));
    expect(parseDateTime('2023/01/00-00:00:00'), 'day 0').to.equal(utc(2022, 12, 31));
    expect(parseDateTime('2023/02/30'), 'February 30').to.equal(utc(2023, 3, 2));
    expect(parseDateTime('2023/01/01-23:60:60'), 'minute and second 60').to.equal(utc(2023, 1, 2, 0, 1));
    expect(parseDateTime('2023/11/14- 2:13:20'), 'a space before a number').to.equal(utc(2023, 11, 14, 2, 13, 20));
    expect(parseDateTime('2023/11/14-22:13:2x'), 'text after the last field').to.equal(utc(2023, 11, 14, 22, 13, 2));
    expect(parseDateTime('2023/11/1x'), 'text after the day').to.equal(utc(2023, 11, 1));
    for (const bad of ['2023/1a/14', '2023/11/14x22:13:20', '2023/11/14-22:1x:00', '0x23/11/14']) {
      expect(() => parseDateTime(bad), bad).to.throw(`Invalid date: ${bad}. Unparseable date: "${bad}"`);
    }
    expect(() => parseDateTime('2023/11/14-2:-3:20')).to.throw('Invalid absolute date: 2023/11/14-2:-3:20');
  });

  it('reads the zone of an absolute date only when it is a Java TimeZone ID, case included', async () => {
    expect(parseDateTime('2013/01/01-00:00:00', 'EST')).to.equal(Date.UTC(2013, 0, 1, 5));
    for (const zone of ['utc', 'Z', 'GMT+2', 'europe/paris']) expect(() => parseDateTime('2013/01/01', zone), zone).to.throw(`Invalid timezone name: ${zone}`);
    expect(parseDateTime('1h-ago', 'utc', 10_000_000), 'not read for a relative time').to.equal(6_400_000);
    // a query: the zone is looked up where it is used (absolute dates, downsampling), else ignored
    const query = (timezone: string, extra: Record<string, unknown>) => d.post('/api/query', { start: base, end: base + 7200, timezone, queries: [{ metric: 'hourly', aggregator: 'sum', ...extra }] });
    expect((await query('utc', {})).status).to.equal(200);
    const downsampled = await query('utc', { downsample: '1h-sum' });
    expect([downsampled.status, downsampled.json.error?.message]).to.deep.equal([400, 'The timezone specification could not be found']);
    const absolute = await d.post('/api/query', { start: '2013/01/01-00:00:00', end: base + 7200, timezone: 'Z', queries: [{ metric: 'hourly', aggregator: 'sum' }] });
    expect([absolute.status, absolute.json.error?.message]).to.deep.equal([400, 'Invalid timezone name: Z']);
  });

  it('1dc buckets start at local midnight of the time zone', async () => {
    const r = await d.post('/api/query', {
      start: '2013/01/02-00:00:00',
      end: '2013/01/04-23:59:59',
      timezone: 'America/New_York',
      queries: [{ metric: 'hourly', aggregator: 'sum', downsample: '1dc-sum' }],
    });
    expect(r.status, r.text).to.equal(200);
    const midnight = (day: number) => Date.UTC(2013, 0, day, 5) / 1000; // EST = UTC−5
    expect(r.json[0].dps).to.deep.equal({ [midnight(2)]: 24, [midnight(3)]: 24, [midnight(4)]: 24 });
  });

  it('1nc buckets are calendar months; a 30-day fixed interval is not', async () => {
    const r = await d.post('/api/query', {
      start: base,
      end: base + 70 * 86400 - 1,
      queries: [
        { metric: 'hourly', aggregator: 'sum', downsample: '1nc-count' },
        { metric: 'hourly', aggregator: 'sum', downsample: '1n-count' },
      ],
    });
    expect(r.status, r.text).to.equal(200);
    expect(r.json[0].dps).to.deep.equal({ [base]: 31 * 24, [Date.UTC(2013, 1, 1) / 1000]: 28 * 24, [Date.UTC(2013, 2, 1) / 1000]: 11 * 24 });
    // epoch-aligned 30-day buckets: 2012-12-18, 2013-01-17, 2013-02-16, 2013-03-18
    expect(Object.keys(r.json[1].dps).length).to.be.greaterThan(0);
    for (const ts of Object.keys(r.json[1].dps)) expect((Number(ts) * 1000) % (30 * 86_400_000)).to.equal(0);
  });

  it('useCalendar with a time zone aligns a plain interval to the calendar', async () => {
    const r = await d.post('/api/query', {
      start: '2013/01/02',
      end: '2013/01/02-23:59:59',
      timezone: 'Asia/Kolkata',
      useCalendar: true,
      queries: [{ metric: 'hourly', aggregator: 'sum', downsample: '1d-count' }],
    });
    // local midnight in UTC+05:30 is 18:30Z the day before
    expect(Object.keys(r.json[0].dps)).to.deep.equal([String(Date.UTC(2013, 0, 1, 18, 30) / 1000)]);
  });
});

describe('calendar downsampling with a fill policy across midnight (FillingDownsampler, checked against OpenTSDB 2.4.1)', () => {
  let d: QueryDaemon;
  const T = Date.UTC(2013, 0, 2) / 1000; // midnight
  before(async () => {
    d = await startQueryDaemon();
    await d.write([at('cal7', { h: 'a' }, T + 600, int(1)), at('cal7', { h: 'a' }, T + 660, int(2)), at('cal7', { h: 'a' }, T + 1200, int(4))]);
  });
  after(() => d.stop());

  const query = async (downsample: string) =>
    (await d.post('/api/query', { start: T - 300, end: T + 1800, useCalendar: true, timezone: 'UTC', queries: [{ aggregator: 'sum', metric: 'cal7', downsample }] })).json[0].dps;

  it('slots count from the first row read (the day before), values from the first point: no slot gets a value', async () => {
    // 7m counts from midnight; 86,400 s is no multiple of 420 s, so the two grids never meet
    const nulls = await query('7m-last-null');
    expect(Object.keys(nulls).map(Number)).to.deep.equal([T - 300, T + 120, T + 540, T + 960, T + 1380, T + 1800]);
    expect(Object.values(nulls)).to.deep.equal([null, null, null, null, null, null]);
    expect(Object.values(await query('7m-sum-zero'))).to.deep.equal([0, 0, 0, 0, 0, 0]);
  });

  it('without a fill policy, or with a count that divides the hour, the values are there', async () => {
    expect(await query('7m-last')).to.deep.equal({ [T + 420]: 2, [T + 840]: 4 });
    const sixes = await query('6m-last-null');
    expect(sixes[T + 360]).to.equal(2);
    expect(sixes[T + 1080]).to.equal(4);
  });
});
