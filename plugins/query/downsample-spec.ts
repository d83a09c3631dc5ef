/** `<interval>[c]-<agg>[-<fill>]`, as DownsamplingSpecification parses it. */
import { type Aggregator, type Registry } from '../../core';
import { ApiError } from '../../lib/opentsdb';
import type { DownsampleSpec, FillPolicy } from './model';
import { parseDuration } from '../../lib/opentsdb/time';

const FILLS: readonly FillPolicy[] = ['none', 'nan', 'null', 'zero'];

export function parseDownsample(text: string, aggregators: Registry<Aggregator>, useCalendar = false): DownsampleSpec {
  const parts = text.split('-');
  if (parts.length < 2) throw new ApiError(400, `Invalid downsampling specifier '${text}': must provide at least interval and function`);
  if (parts.length > 3) throw new ApiError(400, `Invalid downsampling specifier '${text}': must consist of interval, function, and optional fill policy`);
  const [intervalText, aggName, fillText] = parts as [string, string, string | undefined];
  const all = intervalText.includes('all');
  let calendar = useCalendar;
  let intervalMs = 0;
  let count = 0;
  let unit = 'all';
  if (!all) {
    let durationText = intervalText;
    if (durationText.endsWith('c') && durationText.length > 1) {
      calendar = true;
      durationText = durationText.slice(0, -1);
    }
    const duration = parseDuration(durationText);
    intervalMs = duration.ms;
    count = duration.count;
    unit = duration.unit;
  }
  if (aggName === 'none') throw new ApiError(400, 'cannot use the NONE aggregator for downsampling');
  const aggregator = aggregators.get(aggName);
  if (!aggregator || aggregator.passThrough) throw new ApiError(400, `No such downsampling function: ${aggName}`);
  let fill: FillPolicy = 'none';
  if (fillText !== undefined) {
    const wanted = fillText.toLowerCase();
    if (wanted === 'scalar') throw new ApiError(400, `Unrecognized fill policy: ${fillText}`);
    if (!FILLS.includes(wanted as FillPolicy)) throw new ApiError(400, `Unrecognized fill policy: ${fillText}`);
    fill = wanted as FillPolicy;
  }
  return { text, intervalMs, all, calendar: calendar && !all, count, unit, aggregator, fill };
}
