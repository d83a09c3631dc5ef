/**
 * TSMeta JSON as OpenTSDB's Jackson writes it: `max` and `min` are Java doubles, so a stored
 * 7 is `7.0` and an unset one `"NaN"` (javaDoubleJson), where JSON.stringify writes `7`.
 * For answers holding TSMetas (one, a list, a search's results): every number under a
 * `max` or `min` key is written so; strings (custom fields) are left alone.
 */
import { javaDoubleJson } from '../../lib/opentsdb';

const MARK = '\u0000double:';
const MARKED = /"\\u0000double:([^"]*)"/g;

export function tsMetaJsonText(value: unknown): string {
  const text = JSON.stringify(value, (key, v: unknown) => ((key === 'max' || key === 'min') && typeof v === 'number' ? MARK + String(v) : v));
  return text.replace(MARKED, (_m, n: string) => javaDoubleJson(Number(n)));
}
