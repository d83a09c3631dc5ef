/**
 * Generates an import file in exactly the form `dsdb export` writes (metrics sorted,
 * series sorted by canonical key, points by time, values in their round-trip text), so
 * that a test can require import → export to give back the same bytes. Covers every
 * value kind: small and 64-bit integers, floats, strings (with spaces and escapes) and
 * JSON objects.
 */
import fs from 'node:fs';

export interface GeneratedFile {
  file: string;
  points: number;
  bytes: number;
}

const T0 = 1_700_000_000;

export type GeneratedKind = 'float' | 'int' | 'json' | 'str';

/** Writes `points` points (a multiple of `seriesCount` is not required) to `file`, in `kinds` (sorted) equal shares. */
export function generateImportFile(file: string, points: number, seriesCount = 200, kinds: readonly GeneratedKind[] = ['float', 'int', 'json', 'str']): GeneratedFile {
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  let written = 0;
  const perSeries = Math.ceil(points / seriesCount);
  // metric names sort as written: gen.float < gen.int < gen.json < gen.str
  const seriesPerKind = Math.ceil(seriesCount / kinds.length);
  let parts: string[] = [];
  const flush = () => {
    const text = parts.join('');
    bytes += fs.writeSync(fd, text);
    parts = [];
  };
  for (const kind of kinds) {
    // host tags h000… sort in numeric order too
    for (let s = 0; s < seriesPerKind && written < points; s++) {
      const suffix = ` dc=eu host=h${String(s).padStart(3, '0')}\n`;
      for (let i = 0; i < perSeries && written < points; i++, written++) {
        const t = T0 + i * 10;
        let value: string;
        if (kind === 'int') value = i % 97 === 0 ? String(9223372036854775807n - BigInt(i)) : String(i * 7 - s);
        else if (kind === 'float') value = i % 2 === 0 ? `${(i % 1000) + s}.5` : String(((i * 0.1 + s) % 1000) + 0.25);
        else if (kind === 'str') value = JSON.stringify(i % 5 === 0 ? `state "ok" #${i}` : `idle ${s}`);
        else value = `{"n":${i},"s":"h${s}","v":[1,${i % 3}]}`;
        parts.push(`gen.${kind} ${t} ${value}${suffix}`);
        if (parts.length >= 8192) flush();
      }
    }
  }
  flush();
  fs.closeSync(fd);
  return { file, points: written, bytes };
}
