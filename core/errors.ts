/**
 * Every error the kernel raises carries a stable `code` (DSDB_ERR_*), so callers and
 * tests match on the code, never on the wording (the fastify convention).
 */
export type DsdbErrorCode =
  | 'DSDB_ERR_CONFIG'
  | 'DSDB_ERR_CONFIG_NOT_FOUND'
  | 'DSDB_ERR_PLUGIN_NOT_FOUND'
  | 'DSDB_ERR_PLUGIN_INVALID'
  | 'DSDB_ERR_PLUGIN_OPTIONS'
  | 'DSDB_ERR_PLUGIN_DEPENDENCY'
  | 'DSDB_ERR_DUPLICATE_NAME'
  | 'DSDB_ERR_NO_STORAGE'
  | 'DSDB_ERR_LISTEN'
  /** another daemon holds the storage data directory */
  | 'DSDB_ERR_STORAGE_LOCKED'
  /** a write batch holds an invalid value kind or timestamp */
  | 'DSDB_ERR_BAD_WRITE'
  /** a MetaStore space, key or value out of the contract's limits (lib/storage checkMetaEntry) */
  | 'DSDB_ERR_BAD_META'
  /** the storage engine is not open */
  | 'DSDB_ERR_STORAGE_CLOSED'
  /** the storage backend cannot be reached; the operation was not done (writes: not stored) */
  | 'DSDB_ERR_STORAGE_UNAVAILABLE';

export class DsdbError extends Error {
  readonly code: DsdbErrorCode;
  constructor(code: DsdbErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DsdbError';
    this.code = code;
  }
}

/** A configuration problem: the message names the config file and the offending key. */
export class ConfigError extends DsdbError {
  readonly file: string;
  readonly key: string;
  constructor(file: string, key: string, problem: string, code: DsdbErrorCode = 'DSDB_ERR_CONFIG') {
    super(code, `invalid config ${file}: ${key}: ${problem}`);
    this.name = 'ConfigError';
    this.file = file;
    this.key = key;
  }
}

/**
 * One line for an error's message and details (OpenTSDB's error JSON carries both), for a
 * person (the CLI over `--url`):
 * the details are left out when they repeat the message (OpenTSDB's NoSuchUniqueName
 * carries the same text in both) or say nothing more ("Bad request: Deleting …" keeps both).
 */
export function errorText(error: { message?: unknown; details?: unknown }, join: (message: string, details: string) => string = (m, d) => `${m}: ${d}`): string {
  const message = error.message === undefined || error.message === null ? '' : String(error.message);
  const details = error.details === undefined || error.details === null ? '' : String(error.details);
  if (!details || message.includes(details)) return message;
  if (!message || details.includes(message)) return details;
  return join(message, details);
}
