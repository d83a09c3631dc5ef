import path from 'node:path';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { definePlugin, ValueKind } from '../../core';
import { launchBrowser, screenshot, watchPage } from '../helpers/browser';
import { REPO_ROOT } from '../helpers/daemon';
import type { QueryDaemon } from '../helpers/query';
import { startGuiDaemon, T0 } from './gui-daemon';
import { getGuiHooks } from '../../lib/gui';

const EVIL_METRIC = '<img src=x onerror=window.__xss=1>';
const EVIL_TAG = '"><script>window.__xss=2</script>';
const EVIL_STRING = '<img src=y onerror=alert(3)><b>bold</b>';
const EVIL_TITLE = '<img src=z onerror=alert(4)>';

/** A third-party panel whose title is markup. */
const evilPanel = definePlugin({
  name: 'evil-panel',
  register({ hooks }) {
    getGuiHooks(hooks).panels.tap('evil-panel', (panels) => {
      panels.add('evil', { id: 'evil', title: EVIL_TITLE, assetsDir: path.join(REPO_ROOT, 'examples', 'gui-panel-plugin', 'static'), module: 'stats-panel.js' }, 'evil-panel');
    });
  },
});

describe('GUI renders data as text (no script injection), in headless Chromium', function () {
  this.timeout(60_000);
  let daemon: QueryDaemon;
  let browser: Browser;

  before(async () => {
    daemon = await startGuiDaemon([evilPanel]);
    // Written straight to storage: names the write path would refuse can still come from
    // another engine or an older version.
    await daemon.write([
      { metric: EVIL_METRIC, tags: { host: EVIL_TAG }, timestamp: (T0 + 60) * 1000, value: { kind: ValueKind.Float, value: 1 } },
      { metric: EVIL_METRIC, tags: { host: EVIL_TAG }, timestamp: (T0 + 120) * 1000, value: { kind: ValueKind.Float, value: 2 } },
      { metric: 'evil.strings', tags: { host: 'a' }, timestamp: (T0 + 60) * 1000, value: { kind: ValueKind.String, value: EVIL_STRING } },
      { metric: 'evil.json', tags: { host: 'a' }, timestamp: (T0 + 90) * 1000, value: { kind: ValueKind.Json, value: JSON.stringify({ html: EVIL_STRING }) } },
    ]);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await daemon?.stop();
  });

  it('metric names, tag values, string values and panel titles appear as literal text', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const seen = watchPage(page);
    const m = [`none:${EVIL_METRIC}{host=*}`, 'none:evil.strings', 'none:evil.json'].map((q) => `m=${encodeURIComponent(q)}`).join('&');
    await page.goto(`http://127.0.0.1:${daemon.port}/?start=${T0}&${m}`);
    await page.waitForSelector('#table-events table');
    // and the metric suggestion list
    await page.fill('.q-metric-name', '<im');
    await page.waitForSelector('.q-metric .suggest li');
    expect(await page.textContent('.q-metric .suggest li')).to.equal(EVIL_METRIC);

    expect(await legendLabels()).to.deep.equal([`${EVIL_METRIC}{host=${EVIL_TAG}}`]);
    expect(await page.$$eval('#table-events .event-value', (els) => els.map((el) => el.textContent))).to.deep.equal([JSON.stringify({ html: EVIL_STRING }), EVIL_STRING]);
    expect(await page.textContent('#panel-evil h2')).to.equal(EVIL_TITLE);
    // nothing became markup, nothing ran
    expect(await page.$$eval('img, script:not([src]), b', (els) => els.length)).to.equal(0);
    expect(await page.evaluate(() => (globalThis as any).__xss)).to.equal(undefined);
    expect(seen.dialogs).to.deep.equal([]);
    await screenshot(page, 'gui-xss');
    await page.close();

    async function legendLabels() {
      return page.$$eval('#graph-plot .u-legend .u-series .u-label', (els) => els.slice(1).map((el) => el.textContent));
    }
  });
});
