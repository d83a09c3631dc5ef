/**
 * The tables, created on open when missing (docs/storage-mysql.md explains the design):
 *  - series: one row per series; id assignment is an upsert on the unique hash of the
 *    canonical series key, so concurrent daemons creating a series agree on one id;
 *  - series_tags: the tag index (postings `tagk=tagv → series`), so tag filters with
 *    literal values are answered in SQL instead of scanning every series of a metric;
 *  - names: metric / tag key / tag value names for suggest;
 *  - chunks: compressed points, one row per (series, window, seq). A write adds one
 *    fragment per series and window; compaction merges a window's fragments into one.
 *    `seq` (AUTO_INCREMENT, shared by every daemon) orders fragments: later wins;
 *  - annotations, and meta (settings every daemon must share, such as the window);
 *  - meta_kv: the MetaStore (UIDs, UID/TS meta, trees): (space, meta_key) VARBINARY
 *    primary key, so keys sort and compare as bytes; putIfAbsent is INSERT IGNORE.
 */
export function schemaStatements(p: string): string[] {
  const name = 'VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL';
  return [
    `CREATE TABLE IF NOT EXISTS ${p}meta (
      name VARCHAR(64) NOT NULL PRIMARY KEY,
      value VARCHAR(255) NOT NULL
    ) ENGINE=InnoDB`,
    `CREATE TABLE IF NOT EXISTS ${p}series (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
      key_hash BINARY(20) NOT NULL,
      metric ${name},
      tag_count SMALLINT UNSIGNED NOT NULL,
      tags TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
      UNIQUE KEY uk_key_hash (key_hash),
      KEY k_metric (metric)
    ) ENGINE=InnoDB`,
    `CREATE TABLE IF NOT EXISTS ${p}series_tags (
      tagk ${name},
      tagv ${name},
      series_id BIGINT UNSIGNED NOT NULL,
      PRIMARY KEY (tagk, tagv, series_id)
    ) ENGINE=InnoDB`,
    `CREATE TABLE IF NOT EXISTS ${p}names (
      kind TINYINT UNSIGNED NOT NULL,
      name ${name},
      PRIMARY KEY (kind, name)
    ) ENGINE=InnoDB`,
    `CREATE TABLE IF NOT EXISTS ${p}chunks (
      series_id BIGINT UNSIGNED NOT NULL,
      window_start BIGINT NOT NULL,
      seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      npoints INT UNSIGNED NOT NULL,
      data MEDIUMBLOB NOT NULL,
      PRIMARY KEY (series_id, window_start, seq),
      KEY k_seq (seq)
    ) ENGINE=InnoDB`,
    `CREATE TABLE IF NOT EXISTS ${p}annotations (
      start_time BIGINT NOT NULL,
      tsuid VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      body TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
      PRIMARY KEY (start_time, tsuid)
    ) ENGINE=InnoDB`,
    `CREATE TABLE IF NOT EXISTS ${p}meta_kv (
      space VARBINARY(256) NOT NULL,
      meta_key VARBINARY(1024) NOT NULL,
      value MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
      PRIMARY KEY (space, meta_key)
    ) ENGINE=InnoDB`,
  ];
}

export const TABLES = ['meta', 'series', 'series_tags', 'names', 'chunks', 'annotations', 'meta_kv'];

/** `kind` column of the names table */
export const NAME_KIND = { metrics: 1, tagk: 2, tagv: 3 } as const;
