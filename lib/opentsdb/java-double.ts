/**
 * Java's `Double.parseDouble` (jdk.internal.math.FloatingDecimal.readJavaFormatString),
 * which OpenTSDB's put paths call on a value with `.`, `e` or `E` in it: what it accepts,
 * the double it gives (correctly rounded), and the NumberFormatException message it
 * throws otherwise. The grammar, checked against a real OpenTSDB 2.4.1:
 *  - the text is trimmed of every char up to U+0020 (String.trim), not of other spaces;
 *  - an optional sign, then `NaN`, `Infinity`, a hexadecimal float (`0x1.8p1` is 3.0: the
 *    `p` exponent is required) or decimal digits with at most one point and an optional
 *    exponent; one trailing `f`, `F`, `d` or `D` is allowed;
 *  - a second point before the exponent fails with "multiple points", an empty text with
 *    "empty String", anything else with `For input string: "<trimmed text>"`.
 */

/** The double, or Java's NumberFormatException message. */
export type JavaDoubleResult = { value: number; error?: undefined } | { value?: undefined; error: string };

const HEX_FLOAT = /^([-+])?0[xX](?:([0-9a-fA-F]+)\.?|([0-9a-fA-F]*)\.([0-9a-fA-F]+))[pP]([-+])?([0-9]+)[fFdD]?$/;

/** String.trim: drops chars <= U+0020 at both ends. */
export function javaTrim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) <= 0x20) start++;
  while (end > start && s.charCodeAt(end - 1) <= 0x20) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

export function parseJavaDouble(text: string): JavaDoubleResult {
  const s = javaTrim(text);
  const len = s.length;
  if (len === 0) return { error: 'empty String' };
  const bad = { error: `For input string: "${s}"` };
  let i = 0;
  let negative = false;
  const first = s.charCodeAt(0);
  if (first === 0x2d || first === 0x2b) {
    negative = first === 0x2d;
    i++;
  }
  if (i >= len) return bad;
  const c = s[i]!;
  if (c === 'N') return len - i === 3 && s.startsWith('NaN', i) ? { value: NaN } : bad;
  if (c === 'I') return len - i === 8 && s.startsWith('Infinity', i) ? { value: negative ? -Infinity : Infinity } : bad;
  if (c === '0' && i + 1 < len && (s[i + 1] === 'x' || s[i + 1] === 'X')) return parseHexFloat(s) ?? bad;
  // digits with at most one point
  let digits = 0;
  let pointSeen = false;
  for (; i < len; i++) {
    const d = s.charCodeAt(i);
    if (d >= 0x30 && d <= 0x39) digits++;
    else if (d === 0x2e) {
      if (pointSeen) return { error: 'multiple points' };
      pointSeen = true;
    } else break;
  }
  if (digits === 0) return bad;
  let end = i;
  if (i < len && (s[i] === 'e' || s[i] === 'E')) {
    i++;
    if (i < len && (s[i] === '+' || s[i] === '-')) i++;
    const expAt = i;
    while (i < len && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
    if (i === expAt) return bad;
    end = i;
  }
  if (i < len && (i !== len - 1 || !'fFdD'.includes(s[i]!))) return bad;
  // JavaScript's own decimal reading is correctly rounded too (`5.` and `.5` included)
  return { value: Number(s.slice(0, end)) };
}

/** FloatingDecimal.parseHexString: the value rounded to nearest, ties to even; undefined when the text does not match. */
function parseHexFloat(s: string): JavaDoubleResult | undefined {
  const m = HEX_FLOAT.exec(s);
  if (!m) return undefined;
  const negative = m[1] === '-';
  const whole = m[2] ?? m[3] ?? '';
  const fraction = m[2] !== undefined ? '' : m[4]!;
  const hex = (whole + fraction).replace(/^0+/, '');
  if (hex === '') return { value: negative ? -0 : 0 };
  // an exponent Integer.parseInt refuses (past 2147483647) is Infinity, or zero when
  // negative, whatever the digits; any other is exact, the digits' length added to it
  const expDigits = m[6]!.replace(/^0+(?=\d)/, '');
  const expNegative = m[5] === '-';
  if (expDigits.length > 10 || (expDigits.length === 10 && expDigits > '2147483647')) {
    const value = expNegative ? 0 : Infinity;
    return { value: negative ? -value : value };
  }
  const exponent = (expNegative ? -Number(expDigits) : Number(expDigits)) - 4 * fraction.length;
  const value = fromBinary(BigInt(`0x${hex}`), exponent);
  return { value: negative ? -value : value };
}

const bits = new BigUint64Array(1);
const asDouble = new Float64Array(bits.buffer);

/** mantissa × 2^exponent as the nearest double (ties to even), Infinity past the largest. */
function fromBinary(mantissa: bigint, exponent: number): number {
  const length = mantissa.toString(2).length;
  // the power of two of the leading bit
  const top = length - 1 + exponent;
  if (top > 1023) return Infinity;
  // below half the smallest subnormal: zero (and a huge negative exponent never shifts far)
  if (top < -1075) return 0;
  // keep 53 significant bits for a normal double; for a subnormal, bits down to 2^-1074
  const lowest = top >= -1022 ? top - 52 : -1074;
  let m = shiftRounded(mantissa, lowest - exponent);
  if (top >= -1022) {
    // rounding up may carry into a 54th bit
    let e = top;
    if (m === 1n << 53n) {
      m >>= 1n;
      e++;
    }
    if (e > 1023) return Infinity;
    bits[0] = (BigInt(e + 1023) << 52n) | (m - (1n << 52n));
  } else {
    // a subnormal's bits are its multiple of 2^-1074 (a carry to 2^52 is the smallest normal's bits)
    bits[0] = m;
  }
  return asDouble[0]!;
}

/** m / 2^shift rounded to nearest, ties to even (a negative shift multiplies). */
function shiftRounded(m: bigint, shift: number): bigint {
  if (shift <= 0) return m << BigInt(-shift);
  const s = BigInt(shift);
  const q = m >> s;
  const rest = m - (q << s);
  const half = 1n << (s - 1n);
  return rest > half || (rest === half && (q & 1n) === 1n) ? q + 1n : q;
}

/**
 * Java's Double.toString as a JSON token, as Jackson writes a double: `7.0`, `1.5`,
 * `1.0E21`, `1.0E-5`; NaN and the infinities as strings (`"NaN"`). JSON-valid always.
 */
export function javaDoubleJson(x: number): string {
  if (x !== x) return '"NaN"';
  if (x === Infinity) return '"Infinity"';
  if (x === -Infinity) return '"-Infinity"';
  if (Number.isInteger(x) && Math.abs(x) < 1e7) return x === 0 && 1 / x < 0 ? '-0.0' : `${x}.0`;
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) return String(x);
  // Java's computerized scientific notation: d.dddE±n
  const [mantissa, exponent] = x.toExponential().split('e') as [string, string];
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${m}E${exponent.startsWith('+') ? exponent.slice(1) : exponent}`;
}
