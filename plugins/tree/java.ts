/**
 * The few Java behaviours OpenTSDB's tree code leans on, reproduced bit for bit: branch ids
 * are made of `String.hashCode()`s, children and leaves are ordered by
 * `String.compareToIgnoreCase`, and ids are printed by `DatatypeConverter.printHexBinary`.
 */

/** Java's `String.hashCode()`: s[0]·31^(n−1) + … + s[n−1] over UTF-16 code units, as a signed 32-bit int. */
import type { RE2JS } from 're2js';

export function javaHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** A 32-bit int as 8 upper-case hex digits, big-endian (`Bytes.fromInt` then `printHexBinary`). */
export function intHex(n: number): string {
  return (n >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

/** A tree id (1–65535) as 4 upper-case hex digits (`Tree.idToBytes`, 2 bytes). */
export function treeIdHex(treeId: number): string {
  return treeId.toString(16).toUpperCase().padStart(4, '0');
}

/** Java's `Character.toUpperCase`/`toLowerCase` for one UTF-16 unit (a JS mapping to more than one unit leaves it as is). */
function upper(c: string): string {
  const u = c.toUpperCase();
  return u.length === 1 ? u : c;
}
function lower(c: string): string {
  const l = c.toLowerCase();
  return l.length === 1 ? l : c;
}

/** Java's `String.compareToIgnoreCase` (negative, 0 or positive). */
export function compareIgnoreCase(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let c1 = a[i];
    let c2 = b[i];
    if (c1 === c2) continue;
    c1 = upper(c1);
    c2 = upper(c2);
    if (c1 === c2) continue;
    c1 = lower(c1);
    c2 = lower(c2);
    if (c1 !== c2) return c1.charCodeAt(0) - c2.charCodeAt(0);
  }
  return a.length - b.length;
}

/** Java's `String.split(regex)`: trailing empty strings removed; a leading empty string kept unless the match at 0 is zero-width. */
export function javaSplit(s: string, separator: RE2JS): string[] {
  // Pattern.split(input, 0): a zero-width match at the start gives no leading empty string
  const out: string[] = [];
  const m = separator.matcher(s);
  let index = 0;
  while (m.find()) {
    if (index === 0 && m.start() === 0 && m.start() === m.end()) continue;
    out.push(s.slice(index, m.start()));
    index = m.end();
  }
  if (index === 0) return [s];
  out.push(s.slice(index));
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}
