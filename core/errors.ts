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
  /** the storage backend cannot be reached; the operation failed (a write: not acknowledged) */
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
