// Boots the GUI: reads the manifest (panels and settings), makes the shared state store
// and query runner, then loads every panel's module and mounts it in its area.
import { apiGet } from './lib/api.js';
import { h } from './lib/dom.js';
import { createRunner } from './lib/runner.js';
import { createStore } from './lib/state.js';

const status = document.getElementById('gui-status');

async function mountPanel(panel, gui) {
  const body = h('div', { class: 'gui-panel-body' });
  const section = h('section', { class: 'gui-panel', id: `panel-${panel.id}`, dataset: { panel: panel.id } }, h('h2', null, panel.title), body);
  document.getElementById(panel.area === 'side' ? 'gui-area-side' : 'gui-area-main').append(section);
  try {
    const module = await import(panel.moduleUrl);
    await module.default(body, gui);
  } catch (error) {
    // One broken panel must not take the others down.
    body.append(h('p', { class: 'gui-error' }, `This panel failed to load: ${error.message}`));
    console.error(error);
  }
}

async function boot() {
  const manifest = await apiGet('/gui/manifest.json');
  const state = createStore();
  const results = createRunner(state, { maxSeries: manifest.maxSeries });
  const gui = { state, results, maxSeries: manifest.maxSeries };
  results.subscribe((r) => {
    status.textContent = r.status === 'loading' ? 'Loading…' : r.status === 'error' ? 'Query failed' : r.status === 'ok' ? `${r.total} series · ${r.elapsedMs} ms` : '';
  });
  // Mount in order, so panels appear in their declared order.
  for (const panel of manifest.panels) await mountPanel(panel, gui);
  document.body.dataset.ready = 'true';
  results.run();
}

boot().catch((error) => {
  status.textContent = `The GUI failed to start: ${error.message}`;
});
