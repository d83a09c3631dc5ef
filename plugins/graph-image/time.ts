/**
 * The x axis range of a graph: the query's start and end, read from OpenTSDB's time
 * forms (`now`, `1h-ago`, epoch seconds or ms, `yyyy/MM/dd-HH:mm:ss` in `tz`). The
 * query endpoint has already validated them; a form read here as undefined makes the
 * axis follow the data instead.
 */
import { zoneOffsetMs } from './ticks';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, n: 2_592_000_000, y: 31_536_000_000 };

export function parseTimeMs(text: string | undefined, now: number, tz = 'UTC'): number | undefined {
  if (text === undefined || text === '' || text === 'now') return text === undefined || text === '' ? undefined : now;
  const ago = /^(\d+)(ms|s|m|h|d|w|n|y)-ago$/.exec(text);
  if (ago) return now - Number(ago[1]) * UNITS[ago[2]!]!;
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  if (/^\d{11,13}$/.test(text)) return Number(text);
  if (/^\d{1,10}\.\d{1,3}$/.test(text)) return Math.round(Number(text) * 1000);
  const abs = /^(\d{4})\/(\d{2})\/(\d{2})(?:[- ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  if (abs) {
    const [y, mo, d, h = '0', mi = '0', s = '0'] = abs.slice(1);
    const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
    return local - zoneOffsetMs(tz, local);
  }
  return undefined;
}
