import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { ValueKind, type DataPoint } from '../../core';
import { launchBrowser, screenshot, watchPage } from '../helpers/browser';
import type { QueryDaemon } from '../helpers/query';
import { startGuiDaemon, T0 } from './gui-daemon';

const HOSTS = 10_000;
const METRICS = 1_000;
const pad = (n: number, width: number) => String(n).padStart(width, '0');

describe('GUI against a daemon with 10,000 series, in headless Chromium', function () {
  this.timeout(90_000);
  let daemon: QueryDaemon;
  let browser: Browser;

  before(async () => {
    daemon = await startGuiDaemon();
    const points: DataPoint[] = [];
    // fleet.cpu on 10,000 hosts (two points each), and 1,000 other metric names to suggest from
    for (let i = 0; i < HOSTS; i++) {
      for (const dt of [0, 60]) points.push({ metric: 'fleet.cpu', tags: { host: `h${pad(i, 5)}` }, timestamp: (T0 + dt) * 1000, value: { kind: ValueKind.Float, value: i % 100 } });
    }
    for (let i = 0; i < METRICS; i++) points.push({ metric: `app.metric.${pad(i, 4)}`, tags: { host: 'h00000' }, timestamp: T0 * 1000, value: { kind: ValueKind.Int, value: BigInt(i) } });
    await daemon.write(points);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await daemon?.stop();
  });

  it('suggestions come capped from a large name space; a 10,000-series answer is cut to the limit and says so', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const seen = watchPage(page);
    await page.goto(`http://127.0.0.1:${daemon.port}/?start=${T0}`);
    await page.waitForSelector('body[data-ready="true"]');

    await page.fill('.q-metric-name', 'app.metric.0');
    await page.waitForSelector('.q-metric .suggest li');
    const metrics = await page.$$eval('.q-metric .suggest li', (els) => els.map((el) => el.textContent));
    expect(metrics).to.deep.equal(Array.from({ length: 15 }, (_, i) => `app.metric.${pad(i, 4)}`));

    await page.fill('.q-metric-name', 'fleet.c');
    await page.locator('.q-metric .suggest li', { hasText: 'fleet.cpu' }).click();
    await page.click('.q-add-filter');
    await page.fill('.q-tagk', 'host');
    await page.fill('.q-tagv', 'h0');
    await page.waitForSelector('.q-filter .suggest:has(.q-tagv) li');
    expect(await page.locator('.q-filter .suggest:has(.q-tagv) li').count()).to.equal(15);
    await page.fill('.q-tagv', '*');
    await page.click('#q-apply');

    await page.waitForSelector('#graph-note.warn');
    expect(await page.textContent('#graph-note')).to.equal(`Showing the first 50 of ${HOSTS} series (the GUI's limit): narrow the tag filters or group less.`);
    expect(await page.locator('#graph-plot .u-legend .u-series').count()).to.equal(51); // the time + 50 series
    expect(await page.locator('#table-series tbody tr').count()).to.equal(50);
    expect(await page.textContent('#gui-status')).to.match(new RegExp(`^${HOSTS} series`));
    // the page still answers (it did not freeze on the big answer)
    expect(await page.evaluate(() => 6 * 7)).to.equal(42);
    await screenshot(page, 'gui-10k-series');
    expect(seen.errors).to.deep.equal([]);
    await page.close();
  });
});
