/**
 * The order a java.util.HashMap<String, …> (or HashSet) iterates its keys in. OpenTSDB's
 * QueryExecutor and expression iterators keep metric and expression ids in HashMaps, and
 * that order decides which sub-query runs and fails first, which join input is "first" (the
 * one whose tags an expression's series carries) and how error messages list the inputs.
 * HashMap iterates its table from bucket 0 up, each bucket in insertion order (resizing
 * splits buckets keeping that order); the bucket is the spread String.hashCode masked by
 * the table size, which grows by doubling once the size passes 3/4 of it.
 */

/** java.lang.String.hashCode (UTF-16 code units, int arithmetic). */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** HashMap.tableSizeFor: the power of two at or above `n` (at least 1). */
function tableSizeFor(n: number): number {
  let c = 1;
  while (c < n) c *= 2;
  return c;
}

/**
 * `keys` (distinct, in insertion order) as a HashMap built with `new HashMap(initialCapacity)`
 * (16, the default, when omitted) iterates them.
 */
export function javaHashOrder(keys: readonly string[], initialCapacity = 16): string[] {
  let cap = tableSizeFor(initialCapacity);
  let threshold = Math.floor(cap * 0.75);
  for (let size = 1; size <= keys.length; size++) {
    while (size > threshold) {
      cap *= 2;
      threshold = Math.floor(cap * 0.75);
    }
  }
  const bucket = (k: string): number => {
    const h = javaStringHash(k);
    return (h ^ (h >>> 16)) & (cap - 1);
  };
  return keys
    .map((k, i) => ({ k, i, b: bucket(k) }))
    .sort((x, y) => x.b - y.b || x.i - y.i)
    .map((e) => e.k);
}
