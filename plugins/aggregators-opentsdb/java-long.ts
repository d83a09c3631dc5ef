/** Java's `(long) x` of a double: truncates toward zero, NaN is 0, and it saturates at Long.MIN/MAX_VALUE. */
export function javaLong(x: number): bigint {
  if (x !== x) return 0n;
  if (x >= 9223372036854775807) return 9223372036854775807n;
  if (x <= -9223372036854775808) return -9223372036854775808n;
  return BigInt(Math.trunc(x));
}
