import { expect } from 'chai';
import { DEFAULT_PLUGINS } from '../../core';
import { scratchDir, startDaemon, type RunningDaemon } from '../helpers/daemon';

describe('GUI and /q in the default plugin set', () => {
  let daemon: RunningDaemon;
  // no plugin list: the built-in defaults, embedded storage in a scratch folder
  before(async () => {
    daemon = await startDaemon({}, scratchDir('gui-defaults'));
  });
  after(() => daemon.stop());

  it('lists the GUI, its panels and graph-image among the defaults', () => {
    expect(DEFAULT_PLUGINS).to.include.members(['gui', 'gui-panel-query', 'gui-panel-graph', 'gui-panel-table', 'graph-image']);
  });

  it('serves the GUI with its three panels and /q out of the box', async () => {
    const base = `http://127.0.0.1:${daemon.port}`;
    expect((await fetch(`${base}/`)).status).to.equal(200);
    const manifest = (await (await fetch(`${base}/gui/manifest.json`)).json()) as { panels: Array<{ id: string }> };
    expect(manifest.panels.map((p) => p.id)).to.deep.equal(['query', 'graph', 'table']);
    const put = await fetch(`${base}/api/put`, { method: 'POST', body: JSON.stringify({ metric: 'm', timestamp: 1_700_000_000, value: 1, tags: { h: 'a' } }) });
    expect(put.status).to.equal(204);
    const ascii = await fetch(`${base}/q?start=1700000000&end=1700000100&m=sum:m&ascii`);
    expect(await ascii.text()).to.equal('m 1700000000 1 h=a\n');
  });
});
