import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import path from 'node:path';
import { definePlugin, ValueKind } from '../../core';
import { REPO_ROOT } from '../helpers/daemon';
import { launchBrowser, screenshot, watchPage } from '../helpers/browser';
import type { QueryDaemon } from '../helpers/query';
import { sampleData, startGuiDaemon, T0 } from './gui-daemon';
import { getGuiHooks } from '../../lib/gui';

/** A third-party panel whose module throws while mounting. */
const brokenPanel = definePlugin({
  name: 'broken-panel',
  register({ hooks }) {
    getGuiHooks(hooks).panels.tap('broken-panel', (panels) => {
      panels.add('broken', { id: 'broken', title: 'Broken', order: 1, assetsDir: path.join(REPO_ROOT, 'test', 'fixtures', 'gui-broken-panel'), module: 'broken.js' }, 'broken-panel');
    });
  },
});

/** The series labels in uPlot's legend (the first row is the time). */
const legendLabels = (page: Page) => page.$$eval('#graph-plot .u-legend .u-series .u-label', (els) => els.slice(1).map((el) => el.textContent));

/** Canvas pixels of an exact colour: shows uPlot really drew a line, not only a legend. */
const canvasPixels = (page: Page, hex: string) =>
  page.$eval(
    '#graph-plot canvas',
    (canvas: any, colour: string) => {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i]! - r) + Math.abs(data[i + 1]! - g) + Math.abs(data[i + 2]! - b) < 30) n++;
      return n;
    },
    hex,
  );

describe('GUI in headless Chromium', function () {
  this.timeout(60_000);
  let daemon: QueryDaemon;
  let browser: Browser;
  let base: string;
  let sharedUrl: string;

  before(async () => {
    daemon = await startGuiDaemon([brokenPanel]);
    await daemon.write(sampleData());
    base = `http://127.0.0.1:${daemon.port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await daemon?.stop();
  });

  async function open(path = '/'): Promise<{ page: Page; seen: ReturnType<typeof watchPage> }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const seen = watchPage(page);
    await page.goto(base + path);
    await page.waitForSelector('body[data-ready="true"]');
    return { page, seen };
  }

  it('picks a metric from the suggestions, adds a tag filter and draws those series', async () => {
    const { page, seen } = await open();
    await page.fill('.q-metric-name', 'sys.cpu.u');
    const suggestion = page.locator('.q-metric .suggest li', { hasText: 'sys.cpu.user' });
    await suggestion.click();
    expect(await page.inputValue('.q-metric-name')).to.equal('sys.cpu.user');

    await page.click('.q-add-filter');
    await page.fill('.q-tagk', 'host');
    await page.fill('.q-tagv', 'web0');
    await page.locator('.q-filter .suggest li', { hasText: 'web01' }).click();
    // a second alternative, completed from the suggestions too
    await page.press('.q-tagv', 'End');
    await page.type('.q-tagv', '|web0');
    await page.locator('.q-filter .suggest:has(.q-tagv) li', { hasText: 'web02' }).click();
    expect(await page.inputValue('.q-tagv')).to.equal('web01|web02');
    await page.click('#q-apply');

    await page.waitForSelector('#graph-plot .u-legend .u-series:nth-child(3)');
    expect(await legendLabels(page)).to.deep.equal(['sys.cpu.user{dc=eu,host=web01}', 'sys.cpu.user{dc=eu,host=web02}']);
    expect(await canvasPixels(page, '#1f77b4')).to.be.greaterThan(50);
    expect(await canvasPixels(page, '#d62728')).to.be.greaterThan(50);
    expect(decodeURIComponent(page.url())).to.contain('m=sum:sys.cpu.user{host=web01|web02}');
    // the table panel lists the same series with their last values
    expect(await page.$$eval('#table-series .series-label', (els) => els.map((el) => el.textContent))).to.deep.equal(['sys.cpu.user{dc=eu,host=web01}', 'sys.cpu.user{dc=eu,host=web02}']);
    expect(await page.$$eval('#table-series .last-value', (els) => els.map((el) => el.textContent))).to.deep.equal(['69', '21']);
    // the link to the same graph as a /q image gives a PNG
    const pngHref = await page.getAttribute('#graph-png', 'href');
    expect(pngHref).to.match(/^\/q\?start=1h-ago&m=sum%3Asys\.cpu\.user%7Bhost%3Dweb01%7Cweb02%7D&wxh=1000x400&png$/);
    const image = await fetch(base + pngHref);
    expect([image.status, image.headers.get('content-type')]).to.deep.equal([200, 'image/png']);
    sharedUrl = page.url();
    await screenshot(page, 'gui-graph');
    // nothing failed in the page but the panel that breaks on purpose
    expect(seen.errors.filter((e) => !e.includes('broken on purpose'))).to.deep.equal([]);
    await page.close();
  });

  it('reloading the shared URL gives the same view', async () => {
    expect(sharedUrl, 'the first test made the URL').to.be.a('string');
    const { page } = await open(sharedUrl.slice(base.length));
    await page.waitForSelector('#graph-plot .u-legend .u-series:nth-child(3)');
    expect(await legendLabels(page)).to.deep.equal(['sys.cpu.user{dc=eu,host=web01}', 'sys.cpu.user{dc=eu,host=web02}']);
    expect(await page.inputValue('.q-metric-name')).to.equal('sys.cpu.user');
    expect(await page.inputValue('.q-tagk')).to.equal('host');
    expect(await page.inputValue('.q-tagv')).to.equal('web01|web02');
    expect(await page.inputValue('#q-start')).to.equal('1h-ago');
    await screenshot(page, 'gui-reloaded');
    await page.close();
  });

  it('the legend shows the values under the cursor', async () => {
    const { page } = await open(`/?start=${T0}&m=${encodeURIComponent('sum:sys.cpu.user{host=web01}')}`);
    await page.waitForSelector('#graph-plot .u-over');
    const box = (await page.locator('#graph-plot .u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const value = await page.locator('#graph-plot .u-legend .u-series:nth-child(2) .u-value').textContent();
    // web01 runs 10..69 over the hour: mid-graph it is somewhere in between
    expect(Number(value)).to.be.within(11, 68);
    await page.close();
  });

  it('dragging across the graph zooms: the selected range becomes the view and the URL', async () => {
    const { page } = await open(`/?start=${T0}&end=${T0 + 3600}&m=${encodeURIComponent('sum:sys.cpu.user{host=web01}')}`);
    await page.waitForSelector('#graph-plot .u-over');
    const box = (await page.locator('#graph-plot .u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForURL((url) => url.searchParams.get('start') !== String(T0));
    const url = new URL(page.url());
    // From/To are dates (UTC), not epoch numbers (#20)
    const seconds = (text: string | null) => {
      const m = /^(\d{4})\/(\d\d)\/(\d\d)-(\d\d):(\d\d):(\d\d)$/.exec(text ?? '');
      expect(m, `an absolute date: ${text}`).to.not.equal(null);
      return Date.UTC(+m![1]!, +m![2]! - 1, +m![3]!, +m![4]!, +m![5]!, +m![6]!) / 1000;
    };
    const [start, end] = [seconds(url.searchParams.get('start')), seconds(url.searchParams.get('end'))];
    // about the middle half of the hour (the plot spans the data: T0 … T0+59 min)
    expect(start).to.be.within(T0 + 600, T0 + 1200);
    expect(end).to.be.within(T0 + 2400, T0 + 3000);
    expect(await page.inputValue('#q-start')).to.equal(url.searchParams.get('start'));
    // the table now lists only the points inside the range
    await page.waitForFunction((n) => Number((globalThis as any).document.querySelector('#table-series td.num')?.textContent) < n, 60);
    // Back returns to the whole hour
    await page.goBack();
    await page.waitForFunction(() => (globalThis as any).document.querySelector('#table-series td.num')?.textContent === '60');
    expect(await page.inputValue('#q-start')).to.equal(String(T0));
    await page.close();
  });

  it('draws several metrics with aggregator, downsample and rate from the URL state', async () => {
    const m1 = encodeURIComponent('max:5m-avg:sys.cpu.user{dc=eu}');
    const m2 = encodeURIComponent('sum:rate:sys.mem.free');
    const { page } = await open(`/?start=${T0}&end=${T0 + 3600}&m=${m1}&m=${m2}`);
    await page.waitForSelector('#graph-plot .u-legend .u-series:nth-child(3)');
    expect(await legendLabels(page)).to.deep.equal(['sys.cpu.user{dc=eu}', 'sys.mem.free{dc=eu,host=web01}']);
    // the editor shows both metric queries as parsed from the URL
    expect(await page.$$eval('.q-metric-name', (els) => els.map((el) => (el as any).value))).to.deep.equal(['sys.cpu.user', 'sys.mem.free']);
    expect(await page.$$eval('.q-agg', (els) => els.map((el) => (el as any).value))).to.deep.equal(['max', 'sum']);
    expect(await page.inputValue('.q-metric[data-index="0"] .q-downsample')).to.equal('5m-avg');
    expect(await page.isChecked('.q-metric[data-index="1"] .q-rate')).to.equal(true);
    // the table's last values are the API's for the same queries (rate: +10 a minute = 1/6 a second)
    const api = await daemon.get(`/api/query?start=${T0}&end=${T0 + 3600}&m=${m1}&m=${m2}&arrays`);
    const lastValues = api.json.map((s: { dps: Array<[number, number]> }) => String(s.dps[s.dps.length - 1]![1]));
    expect(lastValues[1]).to.equal(String(1 / 6));
    expect(await page.$$eval('#table-series .last-value', (els) => els.map((el) => el.textContent))).to.deep.equal(lastValues);
    await screenshot(page, 'gui-two-metrics');
    await page.close();
  });

  it('suggestions can be picked with the keyboard; Enter on a suggestion does not run the form', async () => {
    const { page } = await open(`/?start=${T0}`);
    const before = page.url();
    await page.fill('.q-metric-name', 'sys.m');
    await page.waitForSelector('.q-metric .suggest li');
    await page.press('.q-metric-name', 'ArrowDown');
    await page.press('.q-metric-name', 'Enter');
    expect(await page.inputValue('.q-metric-name')).to.equal('sys.mem.free');
    expect(await page.isHidden('.q-metric .suggest ul')).to.equal(true);
    expect(page.url()).to.equal(before);
    // a second Enter (no list open) submits: the view runs and goes into the URL
    await page.press('.q-metric-name', 'Enter');
    await page.waitForURL(/m=sum%3Asys\.mem\.free/);
    await page.waitForSelector('#graph-plot .u-legend .u-series:nth-child(2)');
    await page.close();
  });

  it('a quick time range and auto-refresh go into the URL', async () => {
    const { page } = await open(`/?start=${T0}&m=${encodeURIComponent('sum:sys.cpu.user')}`);
    await page.click('button.q-quick[data-range="6h"]');
    await page.waitForURL(/start=6h-ago/);
    await page.selectOption('#q-refresh', '30');
    await page.waitForURL(/refresh=30/);
    expect(await page.inputValue('#q-start')).to.equal('6h-ago');
    // the absolute picker writes OpenTSDB's absolute form (UTC)
    await page.fill('#q-start-pick', '2026-01-02T03:04:05');
    expect(await page.inputValue('#q-start')).to.match(/^2026\/01\/0[12]-\d\d:04:05$/);
    await page.close();
  });

  it('auto-refresh re-runs the view and shows points written since', async () => {
    await daemon.write([{ metric: 'live.metric', tags: { host: 'a' }, timestamp: (T0 + 60) * 1000, value: { kind: ValueKind.Int, value: 1n } }]);
    const { page } = await open(`/?start=${T0}&m=${encodeURIComponent('sum:live.metric')}&refresh=1`);
    await page.waitForFunction(() => (globalThis as any).document.querySelector('#table-series .last-value')?.textContent === '1');
    await daemon.write([{ metric: 'live.metric', tags: { host: 'a' }, timestamp: (T0 + 120) * 1000, value: { kind: ValueKind.Int, value: 2n } }]);
    // no reload, no click: the next refresh brings the new point
    await page.waitForFunction(() => (globalThis as any).document.querySelector('#table-series .last-value')?.textContent === '2');
    expect(await page.inputValue('#q-refresh')).to.equal('1'); // a period from the URL shows even when it is not a menu choice
    await page.close();
  });

  it('string series are event markers and a table of events, not lines', async () => {
    const { page } = await open(`/?start=${T0}&m=${encodeURIComponent('none:door.state')}&m=${encodeURIComponent('sum:sys.cpu.user{host=db01}')}`);
    await page.waitForSelector('#table-events table');
    expect(await legendLabels(page)).to.deep.equal(['sys.cpu.user{dc=us,host=db01}']);
    expect(await page.textContent('#graph-events')).to.contain('door.state{room=lab}: 3 events');
    expect(await page.$$eval('#table-events .event-value', (els) => els.map((el) => el.textContent))).to.deep.equal(['open', 'closed', 'open']);
    // the markers are drawn in the event series' colour (the second palette colour)
    expect(await canvasPixels(page, '#d62728')).to.be.greaterThan(20);
    // under the cursor, the event list shows each event series' value at that time:
    // door.state is open at +10 min, closed at +25 min, open at +40 min
    const box = (await page.locator('#graph-plot .u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width * (32 / 59), box.y + box.height / 2);
    expect(await page.textContent('#graph-events .event-at-cursor')).to.equal(' — at cursor: closed');
    await screenshot(page, 'gui-events');
    await page.close();
  });

  it('events milliseconds apart keep their own times in the table', async () => {
    // without msResolution, /api/query writes all three at the same second (OpenTSDB truncates)
    const at = (T0 + 120) * 1000;
    await daemon.write(['a', 'b', 'c'].map((value, i) => ({ metric: 'click', tags: { button: 'x' }, timestamp: at + [5, 250, 999][i]!, value: { kind: ValueKind.String, value } })));
    const { page } = await open(`/?start=${T0}&m=${encodeURIComponent('none:click')}&m=${encodeURIComponent('none:door.state')}`);
    await page.waitForSelector('#table-events table');
    const rows = await page.$$eval('#table-events tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    const second = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
    const base = second(at);
    expect(rows.filter((r) => r[1]!.startsWith('click')).map((r) => [r[0], r[2]])).to.deep.equal([[`${base}.999`, 'c'], [`${base}.250`, 'b'], [`${base}.005`, 'a']]);
    // times on whole seconds are written without milliseconds
    expect(rows.filter((r) => r[1]!.startsWith('door.state')).map((r) => r[0])).to.deep.equal([2, 1, 0].map((i) => second((T0 + 600 + i * 900) * 1000)));
    await page.close();
  });

  it('the example third-party panel loaded from the config shows', async () => {
    const { page } = await open(`/?start=${T0}&m=${encodeURIComponent('sum:sys.cpu.user{host=web01}')}`);
    await page.waitForSelector('#panel-stats table');
    expect(await page.textContent('#panel-stats h2')).to.equal('Statistics');
    expect(await page.$$eval('#panel-stats td', (els) => els.map((el) => el.textContent))).to.deep.equal(['sys.cpu.user{dc=eu,host=web01}', '10', '69', '39.5', '60']);
    await page.close();
  });

  it('shows 64-bit integers beyond 2^53 exactly in the table', async () => {
    await daemon.write([{ metric: 'big.counter', tags: { host: 'a' }, timestamp: (T0 + 60) * 1000, value: { kind: ValueKind.Int, value: 9007199254740993n } }]);
    const { page } = await open(`/?start=${T0}&m=${encodeURIComponent('sum:big.counter')}`);
    await page.waitForSelector('#table-series .last-value');
    expect(await page.textContent('#table-series .last-value')).to.equal('9007199254740993');
    await page.close();
  });

  it('a stored {"int": "…"} object and a string starting with NUL are events with their own values, not numbers', async () => {
    await daemon.write([
      { metric: 'fake.big', tags: { host: 'a' }, timestamp: (T0 + 60) * 1000, value: { kind: ValueKind.Json, value: '{"int":"<b>hi</b>"}' } },
      { metric: 'nul.text', tags: { host: 'a' }, timestamp: (T0 + 60) * 1000, value: { kind: ValueKind.String, value: '\u0000999' } },
    ]);
    const { page } = await open(`/?start=${T0}&m=${encodeURIComponent('none:fake.big')}&m=${encodeURIComponent('none:nul.text')}`);
    await page.waitForSelector('#table-events table');
    expect(await legendLabels(page), 'no line drawn for either').to.deep.equal([]);
    expect(await page.$$eval('#table-events .event-value', (els) => els.map((el) => el.textContent)).then((v) => v.sort())).to.deep.equal(['\u0000999', '{"int":"<b>hi</b>"}']);
    await page.close();
  });

  it('a panel that fails to load shows its error; the other panels work', async () => {
    const { page } = await open(`/?start=${T0}&m=${encodeURIComponent('sum:sys.cpu.user{host=web01}')}`);
    await page.waitForSelector('#graph-plot .u-legend .u-series:nth-child(2)');
    expect(await page.textContent('#panel-broken .gui-error')).to.equal('This panel failed to load: broken on purpose');
    expect(await legendLabels(page)).to.deep.equal(['sys.cpu.user{dc=eu,host=web01}']);
    await page.close();
  });

  it('a query error is shown as text in the graph panel', async () => {
    const { page } = await open(`/?start=${T0}&m=${encodeURIComponent('sum:no.such.metric')}`);
    await page.waitForFunction(() => (globalThis as any).document.getElementById('graph-note')?.textContent?.startsWith('Error'));
    expect(await page.textContent('#graph-note')).to.equal("Error: No such name for 'metrics': 'no.such.metric'");
    await page.close();
  });
});
