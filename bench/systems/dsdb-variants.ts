/** The DSDB configurations the comparison runs: the embedded engine, and MySQL (MariaDB). */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { DEFAULT_PLUGINS, type PluginSpec } from '../../core';
import { getJson } from '../lib/load';
import { freePort } from '../lib/process';
import type { DsdbVariant } from './dsdb';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const withoutEmbedded = (): PluginSpec[] => DEFAULT_PLUGINS.filter((p) => p !== 'storage-embedded');

/**
 * Extra storage-embedded options for A/B measurements, as JSON in DSDB_BENCH_EMBEDDED
 * (e.g. `{"headCompression":false}`); none by default, so the bench measures the defaults.
 */
function embeddedOverrides(): Record<string, unknown> {
  const raw = process.env.DSDB_BENCH_EMBEDDED;
  return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
}

export const embeddedVariant: DsdbVariant = {
  label: 'DSDB (embedded)',
  config: (dataDir) => ({ plugins: [...withoutEmbedded(), ['storage-embedded', { ...embeddedOverrides(), dataDir }]] }),
  async settle(daemonUrl) {
    // The restarted engine, idle, merges the blocks the load left (planIdleCompaction) at
    // open: wait until no cut or compaction is under way twice in a row, a second apart.
    const deadline = Date.now() + 600_000;
    let quiet = 0;
    while (Date.now() < deadline && quiet < 2) {
      const stats = (await getJson(`${daemonUrl}/api/stats`)) as { metric: string; value: string }[];
      const busy = stats.some((s) => (s.metric === 'tsd.storage.compactionInProgress' || s.metric === 'tsd.storage.cutInProgress') && Number(s.value) > 0);
      quiet = busy ? 0 : quiet + 1;
      await sleep(1000);
    }
  },
};

/** DSDB on a private MariaDB started by scripts/mariadb.sh (stopped by PID afterwards). */
export function mysqlVariant(): DsdbVariant {
  let port = 0;
  let env: NodeJS.ProcessEnv = {};
  const script = path.join(REPO_ROOT, 'scripts', 'mariadb.sh');
  const database = 'dsdb_bench';
  return {
    label: 'DSDB (MySQL)',
    // ~30k points/s: three loads of the 10M-point dataset would take 15 minutes.
    firstModeOnly: true,
    async setup(workDir) {
      if (port) return;
      port = await freePort();
      env = { ...process.env, DSDB_MARIADB_PORT: String(port), DSDB_MARIADB_DIR: path.join(workDir, 'mariadb') };
      execFileSync(script, ['start'], { env, stdio: 'ignore' });
      const connection = await mysql.createConnection({ host: '127.0.0.1', port, user: 'dsdb', password: 'dsdb' });
      await connection.query(`DROP DATABASE IF EXISTS ${database}`);
      await connection.end();
    },
    config: () => ({
      // Compaction every second, so that disk is measured on compacted windows.
      plugins: [...withoutEmbedded(), ['storage-mysql', { port, user: 'dsdb', password: 'dsdb', database, compactIntervalMs: 1000 }]],
    }),
    async settle(daemonUrl) {
      // The restarted daemon finds the windows left in fragments and compacts them.
      const deadline = Date.now() + 600_000;
      while (Date.now() < deadline) {
        const stats = (await getJson(`${daemonUrl}/api/stats`)) as { metric: string; value: string }[];
        const pending = stats.find((s) => s.metric === 'tsd.storage.pendingCompactions');
        if (!pending || Number(pending.value) === 0) return;
        await sleep(1000);
      }
    },
    async diskBytes() {
      // InnoDB data + index of DSDB's tables. InnoDB keeps the pages that compaction
      // emptied; OPTIMIZE TABLE rebuilds them (what a DBA does), and updates the sizes.
      const connection = await mysql.createConnection({ host: '127.0.0.1', port, user: 'dsdb', password: 'dsdb', database });
      const [tables] = (await connection.query(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ?`, [database])) as unknown as [{ t: string }[]];
      for (const { t } of tables) await connection.query(`OPTIMIZE TABLE \`${t}\``);
      const [rows] = (await connection.query(
        `SELECT SUM(data_length + index_length) AS bytes FROM information_schema.tables WHERE table_schema = ?`,
        [database],
      )) as unknown as [{ bytes: string }[]];
      await connection.end();
      return Number(rows[0]?.bytes ?? 0);
    },
    async teardown() {
      if (!port) return;
      execFileSync(script, ['stop'], { env, stdio: 'ignore' });
      port = 0;
    },
  };
}
