// @ts-check
/**
 * One engine per data folder: two writers appending to one log would interleave their
 * lines and each replay only half of the other's. A `LOCK` file holding the owner's pid
 * is created exclusively; one left by a process that died (kill -9) is taken over.
 */
const fs = require('node:fs');
const path = require('node:path');

/** Whether process `pid` runs (EPERM: it runs, as another user). */
function alive(/** @type {number} */ pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM';
  }
}

/**
 * Locks `dir` (which must exist) and returns the function that unlocks it.
 * @param {string} dir
 * @returns {Promise<() => Promise<void>>}
 */
async function lockFolder(dir) {
  const file = path.join(dir, 'LOCK');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fs.promises.writeFile(file, String(process.pid), { flag: 'wx' });
      return () => fs.promises.rm(file, { force: true });
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'EEXIST') throw err;
      const pid = Number((await fs.promises.readFile(file, 'utf8')).trim());
      // our own pid: another engine of this process has the folder open
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new Error(`logfile: ${dir} is in use by process ${pid} (remove ${file} if that process is not DSDB)`);
      }
      await fs.promises.rm(file, { force: true }); // stale: its owner died
    }
  }
  throw new Error(`logfile: cannot lock ${dir}`);
}

module.exports = { lockFolder };
