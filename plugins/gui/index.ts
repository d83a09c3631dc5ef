/**
 * `gui`: the built-in web GUI at `/` on the daemon's port. It serves the page shell, its
 * browser code (`/gui/…`, plain ES modules), uPlot from node_modules (no CDN: works
 * offline), and every panel registered on the `gui.panels` hook (`/gui/panels/<id>/…`).
 * The browser talks to the daemon only through the public HTTP API (/api/query,
 * /api/suggest, …), like any other client.
 */
import path from 'node:path';
import { definePlugin, DsdbError, Registry, Type } from '../../core';
import { getGuiHooks, type GuiPanel } from '../../lib/gui';
import { CONTENT_SECURITY_POLICY, pageHtml } from './page';
import { StaticFiles } from './static-files';
import { getHttpHooks, nonJsonResponse } from '../../lib/http';

const PANEL_ID = /^[a-z0-9][a-z0-9-]*$/;

export default definePlugin({
  name: 'gui',
  dependencies: ['http', 'query', 'read-api'], // the page calls /api/query, /api/suggest, /api/aggregators
  provides: ['hook:gui.panels'],
  options: Type.Object(
    {
      /** the page's title and heading */
      title: Type.String({ default: 'DSDB' }),
      /** most series the graph draws (and the table lists) from one query; the GUI says when it cut */
      maxSeries: Type.Integer({ minimum: 1, maximum: 10_000, default: 50 }),
    },
    { additionalProperties: false },
  ),
  register({ hooks, container }, options) {
    getHttpHooks(hooks).routes.tap('gui', (app) => {
      // Panels are collected when the routes are built: every plugin has registered by then.
      const registry = new Registry<GuiPanel>('GUI panel');
      getGuiHooks(hooks).panels.call(registry);
      const panels = panelList(registry);
      const files = new StaticFiles();
      files.addDir('/gui/', path.join(__dirname, 'static'));
      files.addFile('/gui/vendor/uPlot.esm.js', require.resolve('uplot/dist/uPlot.esm.js'));
      files.addFile('/gui/vendor/uPlot.min.css', require.resolve('uplot/dist/uPlot.min.css'));
      for (const panel of panels) addPanelFiles(files, panel);
      const manifest = {
        maxSeries: options.maxSeries,
        panels: panels.map((p) => ({ id: p.id, title: p.title, area: p.area ?? 'main', moduleUrl: `/gui/panels/${p.id}/${p.module}` })),
      };
      const page = pageHtml(options.title);

      app.get('/', { config: { scope: 'read' }, schema: { summary: 'The web GUI page', tags: ['gui'], response: { 200: nonJsonResponse('text/html', 'the GUI page') } } }, async (_request, reply) => {
        reply.header('content-security-policy', CONTENT_SECURITY_POLICY).type('text/html; charset=UTF-8');
        return page;
      });
      app.get('/gui/manifest.json', { config: { scope: 'read' }, schema: { summary: "The GUI's settings and the panels plugins registered", tags: ['gui'], response: { 200: { type: 'object', properties: { maxSeries: { type: 'integer' }, panels: { type: 'array', items: { type: 'object' } } } } } } }, async () => manifest);
      app.get('/gui/*', { config: { scope: 'read' }, schema: { summary: "The GUI's files: ES modules, styles, uPlot, panels' assets", tags: ['gui'], response: { 200: nonJsonResponse('*/*', 'the file'), 404: nonJsonResponse('text/html', 'no such file: the Page Not Found page') } } }, async (request, reply) => {
        const file = files.get(request.url.split('?')[0]!);
        if (!file) return reply.callNotFound();
        reply.header('cache-control', 'no-cache').type(file.type);
        return file.body;
      });
    });
  },
});

/** The registered panels, checked and in display order. */
function panelList(registry: Iterable<[string, GuiPanel]>): GuiPanel[] {
  const panels: GuiPanel[] = [];
  for (const [id, panel] of registry) {
    if (!PANEL_ID.test(id) || panel.id !== id) {
      throw new DsdbError('DSDB_ERR_PLUGIN_INVALID', `GUI panel "${id}": its id must match ${PANEL_ID} and equal its registry name`);
    }
    panels.push(panel);
  }
  return panels.sort((a, b) => (a.order ?? 100) - (b.order ?? 100));
}

/** Serves a panel's folder; a panel whose folder or module is missing stops start-up, naming it. */
function addPanelFiles(files: StaticFiles, panel: GuiPanel): void {
  try {
    files.addDir(`/gui/panels/${panel.id}/`, panel.assetsDir);
  } catch (err) {
    throw new DsdbError('DSDB_ERR_PLUGIN_INVALID', `GUI panel "${panel.id}": cannot read its assetsDir ${panel.assetsDir}: ${(err as Error).message}`);
  }
  if (!files.get(`/gui/panels/${panel.id}/${panel.module}`)) {
    throw new DsdbError('DSDB_ERR_PLUGIN_INVALID', `GUI panel "${panel.id}": its module ${panel.module} is not in ${panel.assetsDir}`);
  }
}
