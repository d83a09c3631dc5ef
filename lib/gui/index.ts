/**
 * The gui plugin's extension point: its panels. A plugin adds a panel with
 *
 *   getGuiHooks(hooks).panels.tap('my-plugin', (panels) => panels.add('my-id', panel, 'my-plugin'));
 *
 * and declares `dependencies: ['gui']`. The gui plugin calls the hook once when it builds
 * its routes.
 */
import { SyncHook } from 'tapable';
import { defineFeatureHooks } from '../../core/feature-hooks';
import type { Registry } from '../../core/registry';

export const getGuiHooks = defineFeatureHooks('gui', () => ({
  /** Collects GUI panels by id. Every tap runs. Called by the gui plugin. */
  panels: new SyncHook<[Registry<GuiPanel>]>(['panels']),
}));

export type GuiHooks = ReturnType<typeof getGuiHooks>;

/**
 * A panel of the built-in GUI (the `gui` plugin). The panel's browser files live in
 * `assetsDir`; the GUI plugin serves them at `/gui/panels/<id>/<file>` and imports
 * `module` from there, whose default export `mount(element, gui)` renders the panel
 * (the browser-side contract is in docs/gui.md).
 */
export interface GuiPanel {
  /** unique id, `[a-z0-9-]+`: part of its URLs and of the DOM id of its container */
  id: string;
  /** shown as the panel's heading (as text, never as HTML) */
  title: string;
  /** lower first, within its area; default 100 */
  order?: number;
  /** `side`: the left column (editors); `main` (default): the right column (views) */
  area?: 'side' | 'main';
  /** absolute path of the folder holding the panel's browser files (ES modules, CSS…) */
  assetsDir: string;
  /** the ES module in `assetsDir` to load, e.g. `panel.js` */
  module: string;
}

