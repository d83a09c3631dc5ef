/**
 * Time parsing as OpenTSDB's DateTime does it: `now`, `<n><unit>-ago`, absolute
 * `yyyy/MM/dd[-HH:mm[:ss]]` in a time zone, and numbers (≤ 10 characters ⇒ seconds,
 * longer ⇒ milliseconds, `<seconds>.<ms>`). All results are epoch milliseconds. DSDB
 * reads absolute dates in UTC unless a `timezone` is given (OpenTSDB used the server's).
 * In the library layer: the query plugin and the annotation routes (bulk delete) parse times alike.
 */
import { ApiError } from './api-error';
import { JAVA_TIME_ZONE_IDS } from './java-time-zones';
import { parseLongError } from './rules';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  n: 30 * 86_400_000,
  y: 365 * 86_400_000,
};

export interface Duration {
  /** length in milliseconds */
  ms: number;
  /** the count and unit as written (`5`, `m`) */
  count: number;
  unit: string;
}

/** `<n><unit>`: ms, s, m, h, d, w, n, y (unit case-insensitive except ms). */
export function parseDuration(text: string): Duration {
  let unitStart = text.length;
  while (unitStart > 0 && !isDigit(text.charCodeAt(unitStart - 1))) unitStart--;
  const digits = text.slice(0, unitStart);
  let unit = text.slice(unitStart);
  if (unit !== 'ms') unit = unit.toLowerCase();
  if (!(unit in UNIT_MS) || unit === 'ms' && text.slice(unitStart) !== 'ms') throw new ApiError(400, `Invalid duration (suffix): ${text}`);
  // Long.parseLong: a count past 2^63 - 1 is not a number to OpenTSDB
  if (digits.length === 0 || !/^\d+$/.test(digits) || beyondLong(digits)) throw new ApiError(400, `Invalid duration (number): ${text}`);
  const count = Number(digits);
  if (count <= 0) throw new ApiError(400, `Zero or negative duration: ${text}`);
  // DateTime.parseDuration: the length in ms must be a long too
  if (BigInt(digits) * BigInt(UNIT_MS[unit]!) > LONG_MAX) throw new ApiError(400, `Duration must be < Long.MAX_VALUE ms: ${text}`);
  return { ms: count * UNIT_MS[unit]!, count, unit };
}

const LONG_MAX = 9223372036854775807n;

/**
 * The length in ms of the duration in a relative time (`<duration>-ago`), read exactly as
 * OpenTSDB 2.4.1's DateTime.parseDuration reads it there: the leading ASCII digits are the
 * count, the LAST character (any case) is the unit, and whatever lies between is ignored,
 * so `1.5h` is 1 h, `1min` 30 days (`n`) and `5xs` 5 s; `ms` needs a lower-case `m` just
 * before the final `s` (`5MS` is 5 s). Errors, as OpenTSDB words them: an empty duration,
 * digits alone (`must have an integer and unit`), no leading digit or a count past a long
 * (`(number)`), a zero count, an unknown last character (`(suffix)`), and a length past a
 * long. Downsample intervals keep parseDuration's strict reading (docs/opentsdb-compat.md).
 */
export function parseAgoDurationMs(text: string): bigint {
  if (text.length === 0) throw new ApiError(400, 'Cannot parse null or empty duration');
  let unitStart = 0;
  while (isDigit(text.charCodeAt(unitStart))) {
    unitStart++;
    if (unitStart >= text.length) throw new ApiError(400, `Invalid duration, must have an integer and unit: ${text}`);
  }
  const digits = text.slice(0, unitStart);
  if (digits.length === 0 || beyondLong(digits)) throw new ApiError(400, `Invalid duration (number): ${text}`);
  const count = BigInt(digits);
  if (count <= 0n) throw new ApiError(400, `Zero or negative duration: ${text}`);
  const last = text[text.length - 1]!.toLowerCase();
  const unit = last === 's' && text[text.length - 2] === 'm' ? 'ms' : last;
  const unitMs = UNIT_MS[unit];
  if (unitMs === undefined) throw new ApiError(400, `Invalid duration (suffix): ${text}`);
  if (count * BigInt(unitMs) > LONG_MAX) throw new ApiError(400, `Duration must be < Long.MAX_VALUE ms: ${text}`);
  return count * BigInt(unitMs);
}

/** Whether `text` is a relative time: it ends in `-ago`, in any case (DateTime.parseDateTimeString). */
export function isRelativeTime(text: string): boolean {
  return text.length >= 4 && text.slice(-4).toLowerCase() === '-ago';
}

/** Whether the decimal digits `digits` (no sign) name a number past Java's Long.MAX_VALUE. */
function beyondLong(digits: string): boolean {
  const significant = digits.replace(/^0+(?=\d)/, '');
  return significant.length > 19 || (significant.length === 19 && significant > '9223372036854775807');
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/**
 * Whether OpenTSDB knows the zone: a Java TimeZone ID, case included (DateTime.timezones).
 * OpenTSDB checks a query's `timezone` only where it uses it: reading an absolute date
 * (parseDateTime: `Invalid timezone name: <zone>`) and downsampling (TsdbQuery: `The
 * timezone specification could not be found`); elsewhere any text passes, unused.
 */
export function isJavaTimeZone(zone: string): boolean {
  return JAVA_TIME_ZONE_IDS.has(zone);
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/** 1800-01-01T00:00Z: zoneOffset reads earlier instants' offsets here */
const OFFSETS_FLOOR_MS = Date.UTC(1800, 0, 1);

/** The zone's offset from UTC (ms) at the instant `epochMs`. */
export function zoneOffset(epochMs: number, zone: string): number {
  if (zone === 'UTC' || zone === 'Etc/UTC') return 0;
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, format);
  }
  // Before the tz database's first transitions (all after 1800) a zone keeps its local mean
  // time; reading it at 1800 also keeps Intl's year within the era Date.UTC reads here.
  const at = Math.max(epochMs, OFFSETS_FLOOR_MS);
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(at))) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return asUtc - (at - (((at % 1000) + 1000) % 1000));
}

/**
 * Epoch ms of a wall-clock time in `zone`. In a DST overlap it is the later instant (standard
 * time) and in a gap the time an hour on, as Java's SimpleDateFormat reads them (checked with
 * Java 17: Europe/Paris 2026/10/25-02:30:00 is 01:30Z, 2026/03/29-02:30:00 is 01:30Z).
 * The calendar is Java's GregorianCalendar's (javaCalendarUtc). Before 1900 a zone's
 * offset is Intl's (its local mean time), where Java's TimeZone keeps the zone's first
 * standard offset: such times are before 1970, which a query refuses anyway, and only the
 * number its message names differs.
 */
export function wallClockToEpoch(year: number, month: number, day: number, hour: number, minute: number, second: number, zone: string): number {
  const asUtc = javaCalendarUtc(year, month, day, hour, minute, second);
  let guess = asUtc - zoneOffset(asUtc, zone);
  guess = asUtc - zoneOffset(guess, zone);
  return guess;
}

/** Julian Day Number of 1970-01-01 */
const EPOCH_JDN = 2440588;
const DAY_MS = 86_400_000;

/**
 * Epoch ms of a UTC wall-clock time as Java's (lenient) GregorianCalendar reads it: the
 * Gregorian calendar from 1582-10-15 on, the Julian calendar before it (so 1582/10/10 is
 * the Gregorian 1582-10-20), and years 0–99 as those years, not 1900–1999 as Date.UTC
 * reads them. Lenient, as Java's: a month past 12 (or 0) rolls the year, a day past its
 * month's end (or 0) the month, hours, minutes and seconds the day. Checked with
 * Java 17: 0001/01/01 is -62135769600000, 0000/01/01 -62167392000000, 1582/10/04
 * -12219379200000, 1582/10/15 -12219292800000.
 */
export function javaCalendarUtc(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const timeOfDay = ((hour * 60 + minute) * 60 + second) * 1000;
  // the month into 1–12, its excess into the year (the day rolls by the arithmetic below)
  year += Math.floor((month - 1) / 12);
  month = ((((month - 1) % 12) + 12) % 12) + 1;
  if (year > 1582 || (year === 1582 && (month > 10 || (month === 10 && day >= 15)))) {
    const date = new Date(0);
    date.setUTCFullYear(year, month - 1, day);
    return date.getTime() + timeOfDay;
  }
  // the Julian calendar's day number (astronomical years: year 0 is 1 BC, as Java's lenient year 0)
  const a = Math.floor((14 - month) / 12);
  const y = year + 4800 - a;
  const m = month + 12 * a - 3;
  const jdn = day + Math.floor((153 * m + 2) / 5) + 365 * y + Math.floor(y / 4) - 32083;
  return (jdn - EPOCH_JDN) * DAY_MS + timeOfDay;
}

/** The wall-clock fields of `epochMs` in `zone`. */
export function epochToWallClock(epochMs: number, zone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number } {
  const d = new Date(epochMs + zoneOffset(epochMs, zone));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
  };
}

/**
 * The fields of an absolute date as OpenTSDB's SimpleDateFormat reads them: the pattern is
 * chosen by the text's length (`yyyy/MM/dd`, `yyyy/MM/dd-HH:mm`, `yyyy/MM/dd-HH:mm:ss`,
 * with a space instead of the dash when the 11th character is one); each number is
 * DecimalFormat's (after any spaces and tabs, an optional minus, then digits, as many as
 * there are), each literal
 * must match, and text after the pattern's last field is ignored (`parse(String)` needs
 * only a prefix). Undefined when the text does not fit the pattern ("Unparseable date").
 */
function absoluteDateFields(text: string): number[] | undefined {
  const separator = text.length > 10 && text[10] === ' ' ? ' ' : '-';
  const literals = text.length === 19 ? ['/', '/', separator, ':', ':'] : text.length === 16 ? ['/', '/', separator, ':'] : ['/', '/'];
  const fields: number[] = [];
  let pos = 0;
  for (let f = 0; f <= literals.length; f++) {
    // SimpleDateFormat.subParse skips spaces and tabs before a number
    while (text[pos] === ' ' || text[pos] === '\t') pos++;
    const start = pos;
    if (text[pos] === '-') pos++;
    const digitsStart = pos;
    while (pos < text.length && isDigit(text.charCodeAt(pos))) pos++;
    if (pos === digitsStart) return undefined;
    fields.push(Number(text.slice(start, pos)));
    if (f < literals.length) {
      if (text[pos] !== literals[f]) return undefined;
      pos++;
    }
  }
  return fields;
}

/** The latest time a query may start or end at: TsdbQuery.setStartTime/setEndTime refuse later ms (past 2286). */
export const QUERY_TIME_MAX = 9999999999999;

/**
 * parseDateTime's `value` for `text`, exact: past 2^53 a double rounds the ms that OpenTSDB
 * holds in a long (`9223372036854775806ms` and `…807ms` are one double), so comparisons
 * and messages about such times take this.
 */
export function exactQueryTime(text: string, value: number, now = Date.now()): bigint {
  return Number.isSafeInteger(value) ? BigInt(value) : (exactTime(text, now) ?? BigInt(Math.trunc(value)));
}

/**
 * The time (exact, as a Java long prints) when OpenTSDB's TsdbQuery refuses it as
 * `Invalid timestamp: <ms>` (once the query is built): before 1970 (a duration ago
 * longer than the epoch) or past QUERY_TIME_MAX; undefined when valid.
 */
export function invalidQueryTime(text: string, value: number, now = Date.now()): string | undefined {
  if (value >= 0 && value <= QUERY_TIME_MAX) return undefined;
  return exactQueryTime(text, value, now).toString();
}

/** parseDateTime's result as a bigint for the forms that can pass 2^53 (ms, digits, a duration ago). */
function exactTime(text: string, now: number): bigint | undefined {
  if (isRelativeTime(text)) return BigInt(now) - parseAgoDurationMs(text.slice(0, -4));
  if (/^\d+ms$/.test(text)) return BigInt(text.slice(0, -2));
  if (/^\d+$/.test(text)) return BigInt(text) * (text.length <= 10 ? 1000n : 1n);
  return undefined;
}

/**
 * A number with a leading `+`, as Tags.parseLong reads it (a sign, then at most 19 digits);
 * DateTime's seconds-or-ms rule counts the sign: `+1356998400` (11 characters) is ms.
 */
function signedDigits(text: string): number {
  if (text.length === 1) throw new ApiError(400, `Invalid time: ${text}. Just a sign, no value: ${text}`);
  if (text.length > 20) throw new ApiError(400, `Invalid time: ${text}. Value too long: ${text}`);
  for (let i = 1; i < text.length; i++) {
    if (!isDigit(text.charCodeAt(i))) throw new ApiError(400, `Invalid time: ${text}. Invalid character '${text[i]}' in ${text}`);
  }
  const value = Number(text.slice(1));
  return text.length <= 10 ? value * 1000 : value;
}

/**
 * OpenTSDB's DateTime.parseDateTimeString; `now` is injectable for tests. `zone` is read
 * for absolute dates only, and must then be a Java TimeZone ID (isJavaTimeZone).
 */
export function parseDateTime(text: string, zone = 'UTC', now = Date.now()): number {
  if (text.length === 0) throw new ApiError(400, 'Invalid time: empty');
  if (text.toLowerCase() === 'now') return now;
  if (isRelativeTime(text)) return now - Number(parseAgoDurationMs(text.slice(0, -4)));
  if (text.includes('/') || text.includes(':')) {
    if (text.length !== 10 && text.length !== 16 && text.length !== 19) throw new ApiError(400, `Invalid absolute date: ${text}`);
    if (!isJavaTimeZone(zone)) throw new ApiError(400, `Invalid timezone name: ${zone}`);
    const fields = absoluteDateFields(text);
    if (!fields) throw new ApiError(400, `Invalid date: ${text}. Unparseable date: "${text}"`);
    // SimpleDateFormat is lenient, as OpenTSDB leaves it: a field past its range rolls into
    // the next one (`25:00:00` is 01:00 the next day, month 13 January of the next year, day
    // 00 the last of the month before, month -1 November of the year before), which
    // javaCalendarUtc's arithmetic does
    const [year, month, day, hour = 0, minute = 0, second = 0] = fields as [number, number, number, number?, number?, number?];
    return wallClockToEpoch(year, month, day, hour, minute, second, zone);
  }
  if (text.endsWith('ms') && /^\d+ms$/.test(text)) {
    // Tags.parseLong: past a long is "Overflow in …" (or "Value too long: …")
    const digits = text.slice(0, -2);
    const overflow = parseLongError(digits);
    if (overflow !== undefined) throw new ApiError(400, overflow);
    return Number(digits);
  }
  if (text.startsWith('-')) throw new ApiError(400, `Invalid time: ${text}. Negative timestamps are not supported.`);
  if (text.startsWith('+') && !text.includes('.')) return signedDigits(text);
  if (text.includes('.')) {
    if (!/^[0-9]{10}\.[0-9]{1,3}$/.test(text)) {
      throw new ApiError(400, `Invalid time: ${text}. Millisecond timestamps must be in the format <seconds>.<ms> where the milliseconds are limited to 3 digits`);
    }
    // DateTime.parseDateTimeString drops the dot and reads the digits as milliseconds, so
    // only three decimals give <seconds>.<ms> ("1356998400.5" is 13569984005 ms)
    return Number(text.replace('.', ''));
  }
  for (let i = 0; i < text.length; i++) {
    if (!isDigit(text.charCodeAt(i))) {
      throw new ApiError(400, `Invalid time: ${text}. Invalid character '${text[i]}' in ${text}`);
    }
  }
  if (text.length > 19) throw new ApiError(400, `Invalid time: ${text}. Value too long: ${text}`);
  const value = Number(text);
  return text.length <= 10 ? value * 1000 : value;
}
