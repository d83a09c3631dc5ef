/**
 * The histogram codecs, configured as OpenTSDB's `tsd.core.histograms.config`: a map of codec
 * class name → id (0–255). DSDB implements OpenTSDB's one built-in codec,
 * `net.opentsdb.core.SimpleHistogramDecoder` (also accepted as `SimpleHistogramDecoder`).
 */
import { ConfigError } from '../../core';

export const SIMPLE_CODEC = 'net.opentsdb.core.SimpleHistogramDecoder';

/** id → codec class name, checked as HistogramCodecManager checks it. */
export function codecTable(config: Record<string, number>, where: { file: string; key: string }): Map<number, string> {
  const ids = new Map<number, string>();
  for (const [name, id] of Object.entries(config)) {
    const fail = (message: string): never => {
      throw new ConfigError(where.file, `${where.key}.codecs`, message);
    };
    if (!Number.isInteger(id) || id < 0 || id > 255) fail(`ID for codec '${name}' must be from 0 to 255.`);
    if (ids.has(id)) fail(`Duplicate ID found for codec '${name}': ${id}`);
    if (name !== SIMPLE_CODEC && name !== 'SimpleHistogramDecoder') fail(`Unable to find a decoder named '${name}' (DSDB has ${SIMPLE_CODEC})`);
    ids.set(id, SIMPLE_CODEC);
  }
  return ids;
}
