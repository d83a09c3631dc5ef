/**
 * The checks OpenTSDB's TSDB.addPoint runs once a point's parts are parsed, in its
 * order: NaN/infinite value, timestamp range, then tag count and names. Transports run
 * their own earlier checks (each with its own messages) and then this one.
 */
import { ValueKind, type Tags } from '../../core/types';
import { badTimestampMessage, checkMetricAndTags, describeEncodedValue, nonFiniteMessage, timestampInRange } from './rules';
import type { ValueSlot } from './value-text';

export interface IncomingPoint {
  metric: string;
  /** as received: seconds or milliseconds, > 0 */
  timestamp: number;
  /** the timestamp as OpenTSDB would print it (a Java long) */
  timestampText: string;
  tags: Tags;
  tagCount: number;
}

/** OpenTSDB's IllegalArgumentException message for the point, or undefined when valid. */
export function validateDataPoint(point: IncomingPoint, value: ValueSlot): string | undefined {
  if (value.kind === ValueKind.Float && !Number.isFinite(value.float)) return nonFiniteMessage(value.float, point.metric, point.timestampText);
  if (!timestampInRange(point.timestamp)) {
    const encoded = describeEncodedValue(value.kind === ValueKind.Int ? 'int' : value.kind === ValueKind.Float ? 'float' : 'other', value.int, value.float);
    return badTimestampMessage(point.timestampText, encoded, point.metric, point.tags);
  }
  return checkMetricAndTags(point.metric, point.tags, point.tagCount);
}
