/**
 * Admits points of a `/api/put`-style request (JSON, protobuf, …) into a batch with
 * OpenTSDB's per-point checks in its order (IncomingDataPoint.validate, then
 * TSDB.addPoint), counting successes and failures the way the `summary`/`details`
 * replies report them. A bad point is recorded and skipped; the others still go in.
 */
import { ValueKind, type Tags } from '../../core/types';
import type { BatchBuilder } from '../../core/batch-builder';
import { parseLongError, timestampInRange, toMilliseconds } from './rules';
import { validateDataPoint } from './validate-point';
import { newValueSlot, parseValueText, type ValueSlot } from './value-text';

/** A point as received, before any check. `value` is text (OpenTSDB's form) or already typed. */
export interface ReceivedPoint {
  metric: string | undefined;
  /** seconds or milliseconds; text when the sender gave digits (kept exact for messages) */
  timestamp: number | string | undefined;
  tags: Tags | undefined;
  /** text is read as OpenTSDB reads a value (plus DSDB's string/JSON tokens) */
  value: string | ValueSlot | undefined;
  /** a tag key sent with a JSON null value (left out of `tags`): the point is refused naming it, as OpenTSDB's Tags.validateString does */
  nullTagKey?: string;
}

/** One failure as `?details` lists it: the point echoed (value as a string) and why. */
export interface PutError {
  /** null for a null in the request's array */
  datapoint: { metric: string | undefined; timestamp: number | string; value?: string; tags?: Record<string, string | null> } | null;
  error: string;
}

export class PutCollector {
  success = 0;
  failed = 0;
  /** kept only when the client asked for details */
  readonly errors: PutError[] | undefined;
  /** the admitted points echoed as `?details` echoes them, in order: kept only when asked (keepAdmitted) */
  readonly admitted: PutError['datapoint'][] | undefined;
  /** why the last rejected point was rejected */
  lastError: string | undefined;
  private readonly slot = newValueSlot();
  /**
   * Series already admitted into this batch, by metric and tags in the order received:
   * a repeat skips the sorted key and the name checks (they passed already).
   */
  private readonly known = new Map<string, number>();

  constructor(
    readonly batch: BatchBuilder,
    keepErrors: boolean,
    keepAdmitted = false,
  ) {
    this.errors = keepErrors ? [] : undefined;
    this.admitted = keepAdmitted ? [] : undefined;
  }

  /** Records a point the sender could not even express (e.g. a null in the array). */
  rejectRaw(error: string, point: ReceivedPoint | undefined): void {
    this.failed++;
    this.lastError = error;
    this.errors?.push({ datapoint: echo(point), error });
  }

  /** Checks one point; pushes it into the batch or records why not. Returns whether it was admitted. */
  admit(point: ReceivedPoint): boolean {
    const error = this.check(point);
    if (error === undefined) {
      this.success++;
      this.admitted?.push(echo(point));
      return true;
    }
    this.rejectRaw(error, point);
    return false;
  }

  private check(point: ReceivedPoint): string | undefined {
    const { metric, tags, value } = point;
    if (!metric) return 'Metric name was empty';
    const timestampText = typeof point.timestamp === 'string' ? point.timestamp : String(point.timestamp ?? 0);
    let timestamp: number;
    if (typeof point.timestamp === 'number') timestamp = Math.trunc(point.timestamp);
    else if (point.timestamp === undefined || parseLongError(point.timestamp) !== undefined) timestamp = 0;
    else timestamp = Number(point.timestamp);
    if (!(timestamp > 0)) return 'Invalid timestamp';
    if (value === undefined || value === '') return 'Empty value';
    let tagCount = 0;
    if (tags) for (const _ in tags) tagCount++;
    if (point.nullTagKey !== undefined) return `Invalid tag value with key [${point.nullTagKey}]: null`;
    if (tagCount === 0) return 'Missing tags';
    let slot: ValueSlot;
    if (typeof value === 'string') {
      slot = this.slot;
      const error = parseValueText(value, slot);
      if (error) return error.kind === 'number' ? 'Unable to parse value to a number' : error.message;
    } else {
      slot = value;
    }
    // NUL joins the names into the request's series key, so a name holding NUL could make
    // the key of another series (`{a:"b\0c\0d"}` is `{a:"b",c:"d"}`'s): such a point is
    // never looked up, and the validation below refuses it (NUL is no name character)
    let rawKey = metric;
    let joinable = metric.indexOf('\u0000') === -1;
    for (const key in tags) {
      const value = tags[key]!;
      if (key.indexOf('\u0000') !== -1 || value.indexOf('\u0000') !== -1) joinable = false;
      rawKey += '\u0000' + key + '\u0000' + value;
    }
    let series = joinable ? this.known.get(rawKey) : undefined;
    if (series === undefined || !valueAndTimeValid(slot, timestamp)) {
      const invalid = validateDataPoint({ metric, timestamp, timestampText, tags: tags!, tagCount }, slot);
      if (invalid) return invalid;
    }
    const batch = this.batch;
    if (series === undefined) this.known.set(rawKey, (series = batch.seriesOf(metric, tags!)));
    batch.push(series, toMilliseconds(timestamp), slot.kind, slot.float, slot.int, slot.text);
    return undefined;
  }
}

/** The checks of validateDataPoint that do not depend on the series. */
function valueAndTimeValid(slot: ValueSlot, timestamp: number): boolean {
  return (slot.kind !== ValueKind.Float || Number.isFinite(slot.float)) && timestampInRange(timestamp);
}

function echo(point: ReceivedPoint | undefined): PutError['datapoint'] {
  // a null in the array is echoed as null (`"datapoint":null`, measured on OpenTSDB 2.4.1)
  if (point === undefined) return null;
  const value = point.value;
  // OpenTSDB's echo (Jackson, nulls left out) has no `value` when none was sent
  let text: string | undefined;
  if (typeof value === 'string') text = value;
  else if (value) text = value.kind === ValueKind.Int ? value.int.toString() : value.kind === ValueKind.Float ? String(value.float) : (value.text ?? '');
  // OpenTSDB echoes the timestamp as a JSON number (a Java long)
  let timestamp = point.timestamp ?? 0;
  if (typeof timestamp === 'string' && /^-?\d+$/.test(timestamp) && Number.isSafeInteger(Number(timestamp))) timestamp = Number(timestamp);
  // Jackson binds an empty string to a long's 0
  if (timestamp === '') timestamp = 0;
  // a point sent without tags is echoed without them, as OpenTSDB does
  const tags: Record<string, string | null> | undefined = point.tags && point.nullTagKey !== undefined ? { ...point.tags, [point.nullTagKey]: null } : point.tags;
  return { metric: point.metric, timestamp, ...(text !== undefined ? { value: text } : {}), ...(tags ? { tags } : {}) };
}
