/**
 * Which value of a query-string parameter given more than once a route sees. OpenTSDB
 * 2.4.1's HttpQuery.getQueryStringParam answers the LAST value of a repeated parameter
 * (`start=1h-ago&start=2h-ago` starts two hours ago; `max=1&max=2` is 2), and only the
 * parameters an endpoint reads as lists (getQueryStringParams: `m`, `tsuid`, …) keep them
 * all. Measured on the real server: repeated `start`, `end`, `q`, `type`, `max` and
 * `back_scan` all take the last.
 */

/** A parsed query string: a repeated parameter is an array of its values, in order. */
export type RawQueryString = Record<string, string | string[] | undefined>;

/**
 * `query` with each repeated parameter not in `multi` reduced to its last value; the
 * parameters in `multi` are left as they are (a string or an array). A new object when
 * anything changed, else `query` itself.
 */
export function lastQueryValues(query: RawQueryString, multi: ReadonlySet<string> | readonly string[] = []): RawQueryString {
  let out: RawQueryString | undefined;
  for (const [name, value] of Object.entries(query)) {
    if (!Array.isArray(value) || (multi instanceof Set ? multi.has(name) : (multi as readonly string[]).includes(name))) continue;
    out ??= { ...query };
    out[name] = value[value.length - 1];
  }
  return out ?? query;
}
