import { DsdbError } from '../../core';

/**
 * The limits every MetaStore of DSDB keeps (docs/storage.md, "MetaStore"), so that an entry
 * any engine stored fits every other engine's schema:
 *  - space: 1 to 64 characters, none of them a control character (U+0000–U+001F). Engines
 *    join space and key with a control character (U+001F, or a 0x00 byte), which a space
 *    therefore cannot hold: two spaces can never share a stored key.
 *  - key: 1 to 1024 bytes of UTF-8 (MySQL's primary key and HBase/Riak/CouchDB keys stay small).
 *  - value: at most 1 MiB of UTF-8 (UID and TS meta are a few hundred bytes).
 */
export const META_LIMITS = { spaceChars: 64, keyBytes: 1024, valueBytes: 1 << 20 } as const;

const CONTROL = /[\u0000-\u001f]/;

/** Throws DSDB_ERR_BAD_META naming what is wrong; `value` is checked when given. */
export function checkMetaEntry(space: string, key: string, value?: string): void {
  if (typeof space !== 'string' || space.length === 0 || space.length > META_LIMITS.spaceChars || CONTROL.test(space)) {
    throw new DsdbError('DSDB_ERR_BAD_META', `meta space ${JSON.stringify(space)}: 1 to ${META_LIMITS.spaceChars} characters, no control characters`);
  }
  if (typeof key !== 'string' || key.length === 0 || Buffer.byteLength(key) > META_LIMITS.keyBytes) {
    throw new DsdbError('DSDB_ERR_BAD_META', `meta key in space ${space}: 1 to ${META_LIMITS.keyBytes} bytes of UTF-8 (got ${typeof key === 'string' ? Buffer.byteLength(key) : typeof key})`);
  }
  if (value !== undefined && (typeof value !== 'string' || Buffer.byteLength(value) > META_LIMITS.valueBytes)) {
    throw new DsdbError('DSDB_ERR_BAD_META', `meta value of ${space}/${key}: a string of at most ${META_LIMITS.valueBytes} bytes of UTF-8`);
  }
}

/** Checks a scan's space and prefix (the prefix may be empty). */
export function checkMetaScan(space: string, prefix: string, limit?: number): void {
  checkMetaEntry(space, 'x');
  if (typeof prefix !== 'string' || Buffer.byteLength(prefix) > META_LIMITS.keyBytes) throw new DsdbError('DSDB_ERR_BAD_META', `meta scan prefix in space ${space}: at most ${META_LIMITS.keyBytes} bytes of UTF-8`);
  if (limit !== undefined && !(limit >= 0)) throw new DsdbError('DSDB_ERR_BAD_META', `meta scan limit ${limit}: a number ≥ 0`);
}

/**
 * The smallest string greater than every string that starts with `prefix`, in UTF-8 byte
 * order (the order of MySQL VARBINARY, HBase row keys, Riak keys): the prefix's bytes with
 * the last byte below 0xFF incremented; undefined when there is none (empty or all 0xFF).
 */
export function prefixEndBytes(prefix: Buffer): Buffer | undefined {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return undefined;
}
