/** The DSDB configurations the comparison runs: the embedded engine, and MySQL (MariaDB). */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { DEFAULT_PLUGINS, type PluginSpec } from '../../core';
import { freePort } from '../lib/process';
import type { DsdbVariant } from './dsdb';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const withoutEmbedded = (): PluginSpec[] => DEFAULT_PLUGINS.filter((p) => p !== 'storage-embedded');

export const embeddedVariant: DsdbVariant = {
  label: 'DSDB (embedded)',
  config: (dataDir) => ({ plugins: [...withoutEmbedded(), ['storage-embedded', { dataDir }]] }),
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
      plugins: [...withoutEmbedded(), ['storage-mysql', { port, user: 'dsdb', password: 'dsdb', database }]],
    }),
    async diskBytes() {
      // InnoDB data + index of DSDB's tables, after ANALYZE so the sizes are current.
      const connection = await mysql.createConnection({ host: '127.0.0.1', port, user: 'dsdb', password: 'dsdb', database });
      const [tables] = (await connection.query(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ?`, [database])) as unknown as [{ t: string }[]];
      for (const { t } of tables) await connection.query(`ANALYZE TABLE \`${t}\``);
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
