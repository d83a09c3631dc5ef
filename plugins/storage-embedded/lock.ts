/**
 * One daemon per data directory: a `LOCK` file holding the owner's pid, created
 * exclusively. A lock whose process is gone (after kill -9) is stale and taken over.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DsdbError } from '../../core';

/** Directories locked by this process (a second engine on the same dir in-process is refused too). */
const heldHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lockDir(dir: string): () => void {
  const file = path.join(dir, 'LOCK');
  if (heldHere.has(dir)) throw new DsdbError('DSDB_ERR_STORAGE_LOCKED', `storage-embedded: data directory ${dir} is already open in this process`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      heldHere.add(dir);
      return () => {
        heldHere.delete(dir);
        fs.rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(fs.readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new DsdbError('DSDB_ERR_STORAGE_LOCKED', `storage-embedded: data directory ${dir} is in use by process ${pid} (remove ${file} if that process is not DSDB)`);
      }
      fs.rmSync(file, { force: true }); // stale: its owner died
    }
  }
  throw new DsdbError('DSDB_ERR_STORAGE_LOCKED', `storage-embedded: cannot lock ${dir}`);
}
