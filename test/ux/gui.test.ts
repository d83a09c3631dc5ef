/**
 * #20 (3): the GUI in headless Chromium (Debian's chromium, driven by playwright-core):
 * jsonpath= kept and editable; literal_or(web*) is the same query in the GUI, its URL and
 * its PNG link, and an empty /q image says so; layout at 420, 800 and 1400 px (screenshots
 * in test-artifacts/); drag-zoom writes dates and fills the pickers; the hover cursor snaps
 * to numbers when events share the graph; string metrics default to an aggregator that
 * works; /q's HTML error shows <code> as markup.
 */
import { expect } from 'chai';
import type { Browser, Page, Request } from 'playwright-core';
import { ValueKind, type DataPoint } from '../../core';
import { launchBrowser, screenshot, watchPage } from '../helpers/browser';
import { countColour, decodePng } from '../helpers/png';
import type { QueryDaemon } from '../helpers/query';
import { sampleData, startGuiDaemon, T0 } from '../gui/gui-daemon';

/** JSON events (app.event, n = [i, 10·i]) and string events at times between the numbers' minutes. */
function extraData(): DataPoint[] {
  const points: DataPoint[] = [];
  for (let i = 0; i < 6; i++) {
    points.push({ metric: 'app.event', tags: { host: 'web01' }, timestamp: (T0 + 300 + i * 600) * 1000, value: { kind: ValueKind.Json, value: JSON.stringify({ n: [i, 10 * i], level: 'info' }) } });
    // 30 s past the minute: never a time of the numeric series
    points.push({ metric: 'app.deploy', tags: { host: 'web01' }, timestamp: (T0 + 330 + i * 600) * 1000, value: { kind: ValueKind.String, value: `deploy ${i}` } });
  }
  return points;
}

const GRAY_TEXT: [number, number, number] = [0x66, 0x70, 0x85];

describe('GUI fixes of #20 in headless Chromium', function () {
  this.timeout(90_000);
  let daemon: QueryDaemon;
  let browser: Browser;
  let base: string;

  before(async () => {
    daemon = await startGuiDaemon();
    await daemon.write([...sampleData(), ...extraData()]);
    base = `http://127.0.0.1:${daemon.port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await daemon?.stop();
  });

  async function open(path: string, width = 1280, height = 900): Promise<{ page: Page; seen: ReturnType<typeof watchPage>; queries: unknown[] }> {
    const page = await browser.newPage({ viewport: { width, height } });
    const seen = watchPage(page);
    const queries: unknown[] = [];
    page.on('request', (request: Request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/api/query') queries.push(JSON.parse(request.postData() ?? 'null'));
    });
    await page.goto(base + path);
    await page.waitForSelector('body[data-ready="true"]');
    return { page, seen, queries };
  }

  const mParam = (page: Page) => new URL(page.url()).searchParams.getAll('m');
  const pngM = async (page: Page) => new URL((await page.getAttribute('#graph-png', 'href'))!, base).searchParams.getAll('m');

  it('keeps jsonpath= from the URL, shows it in a field, and graphs the JSON field as numbers', async () => {
    const { page, seen, queries } = await open(`/?start=${T0}&m=${encodeURIComponent('max:jsonpath=n[1]:app.event')}`);
    await page.waitForSelector('#table-series td.series-label');
    expect(await page.inputValue('.q-jsonpath')).to.equal('n[1]');
    expect(mParam(page)).to.deep.equal(['max:jsonpath=n[1]:app.event']);
    expect((queries[0] as { queries: { jsonPath?: string }[] }).queries[0]!.jsonPath).to.equal('n[1]');
    expect(await page.textContent('#table-series tbody td:nth-child(2)')).to.equal('number');
    expect(await page.textContent('#table-series .last-value')).to.equal('50');
    expect(await pngM(page)).to.deep.equal(['max:jsonpath=n[1]:app.event']);
    // typed into the field: it goes into the URL and the query
    await page.fill('.q-jsonpath', 'n[0]');
    await page.click('#q-apply');
    await page.waitForURL((url) => url.searchParams.get('m') === 'max:jsonpath=n[0]:app.event');
    await page.waitForFunction(() => (globalThis as any).document.querySelector('#table-series .last-value')?.textContent === '5');
    expect(seen.errors).to.deep.equal([]);
    await page.close();
  });

  it('literal_or web* is the same query in the GUI, its URL and its PNG link; an empty image says no data', async () => {
    const { page, queries } = await open(`/?start=${T0}`);
    await page.fill('.q-metric-name', 'sys.cpu.user');
    await page.click('.q-add-filter');
    await page.fill('.q-tagk', 'host');
    await page.selectOption('.q-ftype', 'literal_or');
    await page.fill('.q-tagv', 'web*');
    await page.click('#q-apply');
    await page.waitForURL((url) => url.searchParams.has('m'));
    expect(mParam(page)).to.deep.equal(['sum:sys.cpu.user{host=literal_or(web*)}']);
    // OpenTSDB 2.4.1 (the oracle) answers a literal_or value that no series has with 400
    // "No such name for 'tagv'": the GUI shows that error with the hint about *
    await page.waitForFunction(() => /No such name/.test((globalThis as any).document.querySelector('#graph-note')?.textContent ?? ''));
    expect(await page.textContent('#graph-note')).to.contain('literal_or filter matches * as a character');
    const sent = queries[queries.length - 1] as { queries: { filters: unknown[] }[] };
    expect(sent.queries[0]!.filters).to.deep.equal([{ type: 'literal_or', tagk: 'host', filter: 'web*', groupBy: true }]);
    // the API reads the URL's m= the same way: the same 400
    const api = await daemon.get(`/api/query?start=${T0}&m=${encodeURIComponent(mParam(page)[0]!)}`);
    expect(api.status).to.equal(400);
    expect(JSON.stringify(api.json)).to.contain('No such name');
    // a query that matches no series draws a /q image that says "No data" (grey text in the middle of the plot)
    const none = 'sum:sys.cpu.user{host=iwildcard(nomatch*)}';
    expect((await daemon.get(`/api/query?start=${T0}&m=${encodeURIComponent(none)}`)).json).to.deep.equal([]);
    const empty = decodePng(Buffer.from(await (await fetch(`${base}/q?start=${T0}&m=${encodeURIComponent(none)}&wxh=600x300&png`)).arrayBuffer()));
    const middle = { x0: 150, y0: 110, x1: 450, y1: 190 };
    expect(countColour(empty, GRAY_TEXT, middle, 20)).to.be.greaterThan(40);

    // iwildcard: two series in the GUI, the URL's shortcut and the PNG link's query
    await page.selectOption('.q-ftype', 'iwildcard');
    await page.click('#q-apply');
    await page.waitForURL((url) => url.searchParams.get('m') === 'sum:sys.cpu.user{host=iwildcard(web*)}');
    await page.waitForSelector('#graph-png:not([hidden])');
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('#table-series tbody tr').length === 2);
    expect(await pngM(page)).to.deep.equal(mParam(page));
    const viaApi = await daemon.get(`/api/query?start=${T0}&m=${encodeURIComponent(mParam(page)[0]!)}`);
    expect(viaApi.json.map((s: { tags: { host: string } }) => s.tags.host)).to.deep.equal(['web01', 'web02']);
    const full = decodePng(Buffer.from(await (await fetch(`${base}/q?start=${T0}&m=${encodeURIComponent(mParam(page)[0]!)}&wxh=600x300&png`)).arrayBuffer()));
    expect(countColour(full, GRAY_TEXT, middle, 20)).to.be.lessThan(countColour(empty, GRAY_TEXT, middle, 20) / 4);
    await page.close();
  });

  it('a value with * and no chosen type shows (and runs) iwildcard; the URL and PNG link say the same', async () => {
    const { page, queries } = await open(`/?start=${T0}`);
    await page.fill('.q-metric-name', 'sys.cpu.user');
    await page.click('.q-add-filter');
    await page.fill('.q-tagk', 'host');
    await page.fill('.q-tagv', 'web*');
    expect(await page.inputValue('.q-ftype')).to.equal('iwildcard');
    // taking the * out goes back to literal_or, putting it back to iwildcard
    await page.fill('.q-tagv', 'web01');
    expect(await page.inputValue('.q-ftype')).to.equal('literal_or');
    await page.fill('.q-tagv', 'web*');
    expect(await page.inputValue('.q-ftype')).to.equal('iwildcard');
    await page.click('#q-apply');
    await page.waitForURL((url) => url.searchParams.has('m'));
    expect(mParam(page)).to.deep.equal(['sum:sys.cpu.user{host=iwildcard(web*)}']);
    await page.waitForSelector('#graph-png:not([hidden])');
    expect(await pngM(page)).to.deep.equal(mParam(page));
    const sent = queries[queries.length - 1] as { queries: { filters: unknown[] }[] };
    expect(sent.queries[0]!.filters).to.deep.equal([{ type: 'iwildcard', tagk: 'host', filter: 'web*', groupBy: true }]);
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('#table-series tbody tr').length === 2);
    await page.close();
  });

  for (const width of [420, 800, 1400]) {
    it(`lays out at ${width} px: no overflow, the graph keeps its size, the PNG link clear of the legend (screenshot)`, async () => {
      const m = ['sum:sys.cpu.user{host=*}', 'sum:sys.mem.free{host=*,dc=*}', 'last:door.state{room=*}'].map((x) => `m=${encodeURIComponent(x)}`).join('&');
      const { page, seen } = await open(`/?start=${T0}&${m}`, width, 900);
      await page.waitForSelector('#graph-plot canvas');
      await page.waitForSelector('#graph-png:not([hidden])');
      await page.waitForTimeout(300); // ResizeObserver settles
      const layout = await page.evaluate(() => {
        const d = (globalThis as any).document;
        const rect = (el: any) => el && el.getBoundingClientRect();
        const canvas = rect(d.querySelector('#graph-plot canvas'));
        const graphPanel = rect(d.querySelector('#panel-graph'));
        const tablePanel = d.querySelector('#panel-table');
        const png = rect(d.querySelector('#graph-png'));
        const legendRows = [...d.querySelectorAll('#graph-plot .u-legend, #graph-events li')].map(rect);
        const vw = d.documentElement.clientWidth;
        return {
          wide: [...d.querySelectorAll('body *')].filter((e: any) => e.getBoundingClientRect().right > vw + 1).slice(0, 8).map((e: any) => `${e.tagName}.${e.className}#${e.id}`),
          pageWidth: d.documentElement.scrollWidth,
          canvas: { width: canvas.width, height: canvas.height },
          graphPanel: { left: graphPanel.left, right: graphPanel.right, width: graphPanel.width },
          tableOverflow: tablePanel.scrollWidth - tablePanel.clientWidth,
          tableRight: rect(tablePanel).right,
          tableInnerRight: Math.max(...[...tablePanel.querySelectorAll('.table-scroll')].map((el: any) => rect(el).right)),
          png,
          overlaps: legendRows.filter((r: any) => r.width > 0 && png.left < r.right && png.right > r.left && png.top < r.bottom && png.bottom > r.top).length,
        };
      });
      await screenshot(page, `ux-layout-${width}`);
      expect(layout.pageWidth, `no horizontal page scroll (wider: ${layout.wide.join(' ')})`).to.be.at.most(width);
      expect(layout.tableOverflow, 'the series table stays inside its panel').to.be.at.most(1);
      expect(layout.tableInnerRight).to.be.at.most(layout.tableRight + 0.5);
      expect(layout.canvas.width, 'the graph uses its panel').to.be.at.least(Math.min(layout.graphPanel.width * 0.85, 1000));
      expect(layout.canvas.width).to.be.at.least(width < 600 ? 300 : 380);
      expect(layout.canvas.height, 'the graph keeps its height').to.be.at.least(200);
      expect(layout.graphPanel.right).to.be.at.most(width);
      expect(layout.overlaps, 'the PNG link covers no legend entry').to.equal(0);
      expect(seen.errors).to.deep.equal([]);
      await page.close();
    });
  }

  it('after a drag-zoom From/To show dates and the date pickers are filled', async () => {
    const { page } = await open(`/?start=${T0}&end=${T0 + 3600}&m=${encodeURIComponent('sum:sys.cpu.user{host=web01}')}`);
    await page.waitForSelector('#graph-plot .u-over');
    expect(await page.inputValue('#q-start-pick'), 'epoch From fills the picker').to.not.equal('');
    const box = (await page.locator('#graph-plot .u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForURL((url) => url.searchParams.get('start') !== String(T0));
    const from = await page.inputValue('#q-start');
    const to = await page.inputValue('#q-end');
    expect(from).to.match(/^\d{4}\/\d\d\/\d\d-\d\d:\d\d:\d\d$/);
    expect(to).to.match(/^\d{4}\/\d\d\/\d\d-\d\d:\d\d:\d\d$/);
    // the pickers show the same instants (local time in the browser)
    const picked = await page.evaluate(() => {
      const d = (globalThis as any).document;
      return [d.querySelector('#q-start-pick').value, d.querySelector('#q-end-pick').value].map((v: string) => new Date(v).getTime() / 1000);
    });
    const utc = (text: string) => {
      const [, y, mo, da, h, mi, s] = /^(\d+)\/(\d+)\/(\d+)-(\d+):(\d+):(\d+)$/.exec(text)!.map(Number);
      return Date.UTC(y!, mo! - 1, da!, h!, mi!, s!) / 1000;
    };
    expect(picked).to.deep.equal([utc(from), utc(to)]);
    expect(utc(from)).to.be.within(T0 + 600, T0 + 1500);
    await page.close();
  });

  it('with numbers and events on one graph the cursor snaps to numeric points and the legend shows numbers', async () => {
    const m = ['sum:sys.cpu.user{host=web01}', 'last:app.deploy'].map((x) => `m=${encodeURIComponent(x)}`).join('&');
    const { page } = await open(`/?start=${T0}&end=${T0 + 3600}&${m}`);
    await page.waitForSelector('#graph-plot .u-over');
    await page.waitForSelector('#graph-events li');
    const box = (await page.locator('#graph-plot .u-over').boundingBox())!;
    const values: string[] = [];
    // sweep the plot finely: before the fix, positions near the events (30 s past a minute) gave "--"
    for (let i = 1; i < 120; i++) {
      await page.mouse.move(box.x + (box.width * i) / 120, box.y + box.height / 2);
      values.push((await page.locator('#graph-plot .u-legend .u-series:nth-child(2) .u-value').textContent())!);
    }
    expect(values.filter((v) => !/^-?\d+(\.\d+)?$/.test(v)), 'legend values that are not numbers').to.deep.equal([]);
    // and the events' values at the cursor are shown
    expect(await page.textContent('#graph-events li')).to.match(/at cursor: deploy \d/);
    await page.close();
  });

  it('a string metric gets an aggregator that works on strings; a number metric keeps sum', async () => {
    const { page, seen } = await open(`/?start=${T0}`);
    await page.fill('.q-metric-name', 'door.st');
    await page.locator('.q-metric .suggest li', { hasText: 'door.state' }).click();
    await page.waitForFunction(() => (globalThis as any).document.querySelector('.q-agg').value !== 'sum');
    expect(await page.inputValue('.q-agg')).to.equal('last');
    await page.click('#q-apply');
    await page.waitForSelector('#graph-events li');
    expect(await page.textContent('#graph-note')).to.not.match(/Error/);
    expect(mParam(page)).to.deep.equal(['last:door.state']);
    // a numeric metric in a new editor stays sum
    await page.click('#q-add-metric');
    await page.fill('.q-metric[data-index="1"] .q-metric-name', 'sys.mem.f');
    await page.locator('.q-metric[data-index="1"] .suggest li', { hasText: 'sys.mem.free' }).click();
    await page.waitForTimeout(500);
    expect(await page.inputValue('.q-metric[data-index="1"] .q-agg')).to.equal('sum');
    expect(seen.errors).to.deep.equal([]);
    await page.close();
  });

  it("/q's HTML error shows OpenTSDB's <code> as markup, not as text", async () => {
    const res = await fetch(`${base}/q?m=sum:sys.cpu.user`);
    expect(res.status).to.equal(400);
    const html = await res.text();
    expect(html).to.contain('Missing parameter <code>start</code>');
    expect(html).to.not.contain('&lt;code&gt;');
    const page = await browser.newPage();
    await page.goto(`${base}/q?m=sum:sys.cpu.user`);
    expect(await page.textContent('blockquote p')).to.equal('Missing parameter start');
    expect(await page.textContent('blockquote p code')).to.equal('start');
    // data in a message stays text
    await page.goto(`${base}/q?start=${T0}&m=${encodeURIComponent('sum:<b>x</b>')}`);
    expect(await page.$('blockquote p b')).to.equal(null);
    await page.close();
  });
});
