/**
 * The connection pool, and what counts as "MariaDB is unreachable" (worth retrying)
 * versus a real error in a statement (never retried).
 */
import mysql from 'mysql2/promise';
import { DsdbError } from '../../core';

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
  'ER_CONNECTION_KILLED',
  'ER_QUERY_INTERRUPTED',
  'ER_CLIENT_INTERACTION_TIMEOUT',
]);

/** Deadlocks and lock wait timeouts: the transaction was rolled back and may simply run again. */
const TRANSIENT_CODES = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);

export function isUnavailable(err: unknown): boolean {
  const e = err as { code?: string; fatal?: boolean; message?: string };
  return (e?.code !== undefined && UNAVAILABLE_CODES.has(e.code)) || e?.fatal === true || /closed state|Pool is closed/i.test(e?.message ?? '');
}

export function isTransient(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code !== undefined && TRANSIENT_CODES.has(code);
}

export function unavailableError(what: string, cause: unknown): DsdbError {
  const reason = (cause as { code?: string; message?: string })?.code ?? (cause as Error)?.message ?? String(cause);
  return new DsdbError('DSDB_ERR_STORAGE_UNAVAILABLE', `storage-mysql: MariaDB is unreachable (${reason}); ${what}`, { cause });
}

export interface PoolSettings {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  socketPath?: string;
  connectionLimit: number;
  connectTimeoutMs: number;
}

export function createPool(s: PoolSettings, database: string | undefined): mysql.Pool {
  const pool = mysql.createPool({
    host: s.host,
    port: s.port,
    user: s.user,
    password: s.password,
    database,
    socketPath: s.socketPath,
    connectionLimit: s.connectionLimit,
    connectTimeout: s.connectTimeoutMs,
    waitForConnections: true,
    queueLimit: 0,
    enableKeepAlive: true,
    // BIGINT columns come back as numbers: ids, seqs and ms timestamps stay below 2^53.
    supportBigNumbers: false,
    charset: 'utf8mb4',
    maxIdle: s.connectionLimit,
    idleTimeout: 60000,
  });
  return pool;
}

export type Pool = mysql.Pool;
export type PoolConnection = mysql.PoolConnection;
