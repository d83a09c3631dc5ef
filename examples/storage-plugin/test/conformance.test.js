// @ts-check
/**
 * The plugin's own test, as a third party writes it: DSDB's storage conformance suite on
 * the engine as DSDB loads it (this folder by path, options through the plugin's schema).
 * Each engine gets a fresh temporary folder; `reopen` builds a new engine over the same
 * folder, so persistence across close/open is checked too.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runStorageConformance, loadStorageEngineFactory } = require('dsdb');

const PLUGIN = path.join(__dirname, '..');

/** @type {WeakMap<object, string>} the folder each engine was opened on */
const folders = new WeakMap();
/** @type {string[]} */
const created = [];

/** A new, not yet opened engine over `dir` (the stand-in for the config file's folder). */
async function engineIn(/** @type {string} */ dir) {
  const engine = await loadStorageEngineFactory(PLUGIN, { dir: './data' }, { baseDir: dir })();
  folders.set(engine, dir);
  return engine;
}

runStorageConformance(
  'logfile',
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsdb-logfile-'));
    created.push(dir);
    return engineIn(dir);
  },
  {
    reopen: async (engine) => {
      await engine.close();
      return engineIn(/** @type {string} */ (folders.get(engine)));
    },
  },
);

after(() => {
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});
