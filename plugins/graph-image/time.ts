/**
 * The x axis range of a graph: the query's start and end, read by the query's own parser
 * (lib/opentsdb parseDateTime, OpenTSDB's DateTime.parseDateTimeString: `now`, `1h-ago`,
 * epoch seconds or ms, `<n>ms`, `<s>.<ms>`, `yyyy/MM/dd-HH:mm:ss` in `tz`), so that the
 * axis spans exactly the range the query read — a DST overlap or a `<s>.<ms>` time
 * included. The query endpoint has already validated them; a time this cannot read
 * (none given) is undefined, and the axis follows the data instead.
 */
import { parseDateTime } from '../../lib/opentsdb';

/** Epoch ms of a graph's `start` or `end` parameter, or undefined when it is absent or unreadable. */
export function axisTimeMs(text: string | undefined, now: number, tz = 'UTC'): number | undefined {
  if (text === undefined || text === '') return undefined;
  try {
    return parseDateTime(text, tz, now);
  } catch {
    return undefined;
  }
}
