/**
 * Issue #19: with the auth plugin on, the GUI is behind HTTP basic authentication: the
 * page answers 401 with a Basic challenge (the browser's login prompt), and once the
 * browser has the credentials its own fetches (/api/query, /api/suggest, …) carry them.
 * Real headless Chromium.
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { hashPassword } from '../../plugins/auth/secrets';
import { launchBrowser, screenshot, watchPage } from '../helpers/browser';
import type { QueryDaemon } from '../helpers/query';
import { sampleData, startGuiDaemon, T0 } from './gui-daemon';

describe('GUI behind the auth plugin, in headless Chromium (#19)', function () {
  this.timeout(60_000);
  let daemon: QueryDaemon;
  let browser: Browser;
  let base: string;

  before(async () => {
    daemon = await startGuiDaemon([['auth', { users: [{ name: 'alice', password: await hashPassword('alice secret'), scopes: ['read'] }] }]]);
    await daemon.write(sampleData());
    base = `http://127.0.0.1:${daemon.port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await daemon?.stop();
  });

  it('answers the page with 401 and a Basic challenge when the browser has no credentials', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const responses: { status: number; challenge: string | undefined }[] = [];
    page.on('response', (r) => responses.push({ status: r.status(), challenge: r.headers()['www-authenticate'] }));
    // Headless Chromium cannot show its login prompt: the challenge ends the navigation.
    const error = await page.goto(base + '/').then(() => undefined, (err: Error) => err);
    expect(error?.message).to.match(/ERR_INVALID_AUTH_CREDENTIALS/);
    expect(responses).to.have.length(1);
    expect(responses[0]!.status).to.equal(401);
    expect(responses[0]!.challenge).to.match(/Basic realm="dsdb"/);
    await context.close();
  });

  it('refuses wrong credentials', async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'alice', password: 'wrong' } });
    const page = await context.newPage();
    const statuses: number[] = [];
    page.on('response', (r) => statuses.push(r.status()));
    await page.goto(base + '/').catch(() => undefined);
    expect(statuses).to.not.be.empty;
    expect(statuses.every((s) => s === 401)).to.equal(true);
    expect(await page.$('body[data-ready="true"]')).to.equal(null);
    await context.close();
  });

  it('with the user logged in, loads and draws a query: every fetch of the page carried the credentials', async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'alice', password: 'alice secret' }, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const seen = watchPage(page);
    const statuses: number[] = [];
    page.on('response', (r) => statuses.push(r.status()));
    await page.goto(`${base}/?start=${T0}&m=${encodeURIComponent('sum:sys.cpu.user{host=web01}')}`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector('#graph-plot .u-legend .u-series:nth-child(2)');
    const labels = await page.$$eval('#graph-plot .u-legend .u-series .u-label', (els) => els.slice(1).map((el) => el.textContent));
    expect(labels).to.deep.equal(['sys.cpu.user{dc=eu,host=web01}']);
    // Chromium retries a challenged request with the credentials: only those retries may be 401s
    expect(statuses.filter((s) => s >= 400 && s !== 401)).to.deep.equal([]);
    await screenshot(page, 'gui-auth');
    expect(seen.errors).to.deep.equal([]);
    await context.close();
  });
});
