import path from 'node:path';
import { expect } from 'chai';
import { definePlugin } from '../../core';
import { REPO_ROOT, startDaemon } from '../helpers/daemon';
import type { QueryDaemon } from '../helpers/query';
import { startGuiDaemon } from './gui-daemon';
import { getGuiHooks } from '../../lib/gui';

const STATIC = path.join(REPO_ROOT, 'examples', 'gui-panel-plugin', 'static');
const panelPlugin = (name: string, id: string, assetsDir = STATIC, module = 'stats-panel.js') =>
  definePlugin({
    name,
    register({ hooks }) {
      getGuiHooks(hooks).panels.tap(name, (panels) => void panels.add(id, { id, title: id, assetsDir, module }, name));
    },
  });

describe('GUI plugin over HTTP', () => {
  let daemon: QueryDaemon;
  before(async () => {
    daemon = await startGuiDaemon();
  });
  after(() => daemon.stop());

  it('serves the page shell at / with a script-only-from-self policy', async () => {
    const res = await daemon.get('/');
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('text/html; charset=UTF-8');
    expect(res.headers.get('content-security-policy')).to.contain("script-src 'self'");
    expect(res.text).to.contain('<script type="module" src="/gui/app.js"></script>');
  });

  it('lists the registered panels in their order, the example panel included, and serves their modules', async () => {
    const manifest = (await daemon.get('/gui/manifest.json')).json;
    expect(manifest.panels.map((p: { id: string; area: string }) => `${p.area}:${p.id}`)).to.deep.equal(['side:query', 'main:graph', 'main:table', 'main:stats']);
    for (const panel of manifest.panels) {
      const res = await daemon.get(panel.moduleUrl);
      expect(res.status, panel.moduleUrl).to.equal(200);
      expect(res.headers.get('content-type')).to.equal('text/javascript; charset=UTF-8');
      expect(res.text).to.match(/export default (async )?function mount/);
    }
  });

  it('serves uPlot from node_modules (no CDN) and the GUI library', async () => {
    const uplot = await daemon.get('/gui/vendor/uPlot.esm.js');
    expect(uplot.status).to.equal(200);
    expect(uplot.text).to.contain('export { uPlot as default }');
    expect((await daemon.get('/gui/vendor/uPlot.min.css')).headers.get('content-type')).to.equal('text/css; charset=UTF-8');
    expect((await daemon.get('/gui/lib/dom.js')).status).to.equal(200);
  });

  it('answers 404 for files it does not serve, however the path is spelled', async () => {
    for (const url of ['/gui/nope.js', '/gui/package.json', '/gui/../package.json', '/gui/%2e%2e/package.json', '/gui/panels/query/../../../../package.json', '/gui/panels/nope/x.js']) {
      const res = await daemon.get(url);
      expect(res.status, url).to.equal(404);
      expect(res.text).not.to.contain('"dependencies"');
    }
  });

  it('escapes its title option in the page', async () => {
    const d = await startDaemon({ plugins: ['http', 'aggregators-opentsdb', 'query', 'read-api', ['gui', { title: '<b>ops</b>' }]] });
    try {
      const text = await (await fetch(`http://127.0.0.1:${d.port}/`)).text();
      expect(text).to.contain('<title>&lt;b&gt;ops&lt;/b&gt;</title>');
      expect(text).not.to.contain('<b>');
    } finally {
      await d.stop();
    }
  });

  it('a panel id claimed twice stops start-up naming both plugins; so do a malformed id, a missing folder or module', async () => {
    const failure = (plugins: unknown[]) => startDaemon({ plugins: plugins as never }).then((d) => d.stop().then(() => undefined), (err: Error) => err);
    expect((await failure(['http', 'aggregators-opentsdb', 'query', 'read-api', 'gui', panelPlugin('one', 'dup'), panelPlugin('two', 'dup')]))?.message).to.equal('GUI panel "dup" is registered twice (by plugin "one" and by plugin "two")');
    expect((await failure(['http', 'aggregators-opentsdb', 'query', 'read-api', 'gui', panelPlugin('bad', 'Bad/Id')]))?.message).to.match(/^GUI panel "Bad\/Id": its id must match/);
    expect((await failure(['http', 'aggregators-opentsdb', 'query', 'read-api', 'gui', panelPlugin('gone', 'gone', '/nonexistent-dir')]))?.message).to.match(/^GUI panel "gone": cannot read its assetsDir \/nonexistent-dir: ENOENT/);
    expect((await failure(['http', 'aggregators-opentsdb', 'query', 'read-api', 'gui', panelPlugin('nomod', 'nomod', STATIC, 'missing.js')]))?.message).to.equal(`GUI panel "nomod": its module missing.js is not in ${STATIC}`);
  });
});
