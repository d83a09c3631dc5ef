/** `/q`'s text outputs (ascii, json, the HTML page and errors), in OpenTSDB's forms. */
import { exactJsonText, JsonNumber, type ExactJson } from '../../lib/opentsdb';
import type { QuerySeries } from './series';

/**
 * The value as OpenTSDB's ascii output prints it: numbers as /api/query wrote them. A
 * string is written as the JSON string token a `put` line takes (docs/write.md), so a
 * newline or a space in it cannot break the one line a point, and `"42"` stays apart
 * from the number 42.
 */
export function valueText(value: unknown): string {
  if (value instanceof JsonNumber) return value.text;
  if (value === null) return 'NaN';
  if (typeof value === 'string') return JSON.stringify(value);
  // a JSON value: its numbers as /api/query wrote them (JSON.stringify would round an int64
  // past 2^53 and write 1e400 as null)
  return exactJsonText(value as ExactJson);
}

/** One line per point: `<metric> <seconds> <value> <k=v …>`. */
export function asciiOutput(series: QuerySeries[]): string {
  const lines: string[] = [];
  for (const s of series) {
    const tags = Object.entries(s.tags).map(([k, v]) => ` ${k}=${v}`).join('');
    for (const [ts, value] of s.dps) lines.push(`${s.metric} ${Math.floor(ts / 1000)} ${valueText(value)}${tags}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/**
 * GraphHandler's json answer. As in OpenTSDB, `plotted` is the number of data points
 * drawn (what runGnuplot returns) and `points` the number of data points the queries
 * returned; then the aggregated tag keys per `m`, and timing.
 */
export function jsonOutput(series: QuerySeries[], plottedSeries: number, mCount: number, startedAt: number): object {
  const etags: string[][] = Array.from({ length: mCount }, () => []);
  for (const s of series) {
    const keys = etags[s.index] ?? etags[0]!;
    for (const key of s.aggregateTags) if (!keys.includes(key)) keys.push(key);
  }
  const plotted = series.slice(0, plottedSeries).reduce((n, s) => n + s.dps.length, 0);
  const points = series.reduce((n, s) => n + s.dps.length, 0);
  return { plotted, points, etags: etags.map((keys) => keys.sort()), timing: Date.now() - startedAt };
}

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => HTML[c]!);

/** Without an output flag, OpenTSDB answers a page showing the graph. */
export function htmlPage(queryString: string): string {
  const src = `/q?${queryString}&png`;
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>DSDB graph</title></head><body><img src="${escapeHtml(src)}" alt="graph"></body></html>`;
}

const STATUS_TITLES: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Request Entity Too Large', 503: 'Service Unavailable' };

export function htmlError(status: number, message: string): string {
  const title = STATUS_TITLES[status] ?? 'Internal Server Error';
  // OpenTSDB's messages carry markup of their own (`Missing parameter <code>start</code>`):
  // everything is escaped, then only that <code> pair is made markup again.
  const text = escapeHtml(message).replace(/&lt;code&gt;([^&]*?)&lt;\/code&gt;/g, '<code>$1</code>');
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><blockquote><h1>${status}</h1><p>${text}</p></blockquote></body></html>`;
}
