/**
 * Admitting histogram points (HistogramPojo.validate, then decode and re-encode, then
 * TSDB.addHistogramPoint's checks) into a batch of DSDB JSON values in the stored form.
 */
import { BatchBuilder, ValueKind } from '../../core';
import { fromBinary, fromJsonBuckets, NumberFormatError, toStoredJson, type SimpleHistogram } from '../../lib/histogram';
import { checkMetricAndTags, timestampInRange, toMilliseconds } from '../../lib/opentsdb';

/** A point as /api/histogram receives it (HistogramPojo's fields). */
export interface HistogramPojo {
  metric?: string;
  timestamp?: number;
  tags?: Record<string, string>;
  value?: string;
  id?: number;
  buckets?: Record<string, unknown>;
  underflow?: number;
  overflow?: number;
}

/** One failure as `?details` lists it. */
export interface HistogramError {
  datapoint: Record<string, unknown>;
  error: string;
}

export class HistogramCollector {
  success = 0;
  failed = 0;
  readonly errors: HistogramError[] = [];
  readonly batch = new BatchBuilder(16);

  constructor(private readonly codecs: Map<number, string>) {}

  reject(point: HistogramPojo | null, error: string): void {
    this.failed++;
    this.errors.push({ datapoint: echo(point), error });
  }

  /** Checks one point in OpenTSDB's order; pushes it into the batch or records why not. */
  admit(p: HistogramPojo): void {
    const error = this.check(p);
    if (error === undefined) this.success++;
    else this.reject(p, error);
  }

  private check(p: HistogramPojo): string | undefined {
    if (!p.metric) return 'Metric name was empty';
    const timestamp = p.timestamp ?? 0;
    if (!(timestamp > 0)) return 'Invalid timestamp';
    const tags = p.tags ?? {};
    const tagCount = Object.keys(tags).length;
    if (tagCount < 1) return 'Missing tags';
    const id = p.id ?? 0;
    if (!p.value) {
      if (!p.buckets || Object.keys(p.buckets).length === 0) return "Histogram buckets cannot be null or empty if 'value' is empty.";
    } else if (id < 0 || id > 255) return 'Invalid type. Must be from 0 to 255.';
    let histogram: SimpleHistogram;
    try {
      if (!p.value) histogram = fromJsonBuckets(p.buckets!, p.underflow ?? 0, p.overflow ?? 0);
      else {
        if (!this.codecs.has(id)) return `No codec found mapped to ID ${id}`;
        histogram = fromBinary(p.value);
      }
    } catch (err) {
      if (err instanceof NumberFormatError) return 'Unable to parse value to a number';
      return (err as Error).message;
    }
    if (!timestampInRange(timestamp)) return `Invalid timestamp: ${timestamp}`;
    const invalid = checkMetricAndTags(p.metric, tags, tagCount);
    if (invalid) return invalid;
    this.push(p.metric, tags, timestamp, histogram);
    return undefined;
  }

  push(metric: string, tags: Record<string, string>, timestamp: number, histogram: SimpleHistogram): void {
    const series = this.batch.seriesOf(metric, tags);
    this.batch.push(series, toMilliseconds(timestamp), ValueKind.Json, 0, 0n, storedText(histogram));
  }
}

/** The stored value: `{"histogram":{…}}` (lib/histogram's canonical form, docs/query.md). */
export function storedText(h: SimpleHistogram): string {
  return `{"histogram":${toStoredJson(h)}}`;
}

/** HistogramPojo as Jackson writes it in `details`. */
function echo(p: HistogramPojo | null): Record<string, unknown> {
  if (!p) return {};
  // Jackson leaves null fields out
  const out: Record<string, unknown> = {};
  if (p.metric != null) out.metric = p.metric;
  out.timestamp = p.timestamp ?? 0;
  if (p.value != null) out.value = p.value;
  if (p.tags != null) out.tags = p.tags;
  out.id = p.id ?? 0;
  if (p.buckets != null) out.buckets = p.buckets;
  out.underflow = p.underflow ?? 0;
  out.overflow = p.overflow ?? 0;
  return out;
}
