/**
 * Turns a series' stored points into the columns the pipeline works on: numbers as
 * NumericColumns; with a JSON path, the numeric field of each JSON value; otherwise, a
 * series holding strings or JSON becomes DiscreteColumns (numbers in it as text).
 */
import { ValueKind, type SeriesPoints } from '../../core';
import { allocColumns, floatText, type DiscreteColumns, type NumericColumns } from './columns';
import { selectPath, type PathStep } from './json-path';
import { JsonNumber, parseExactJson } from '../../lib/opentsdb';

/** A JSON number written as an integer (no fraction, no exponent). */
const INTEGER_TEXT = /^-?\d+$/;
const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;

// Module constants: reading ValueKind through the compiled re-export costs a getter call per point.
const INT: number = ValueKind.Int;
const FLOAT: number = ValueKind.Float;
const STRING: number = ValueKind.String;
const JSON_KIND: number = ValueKind.Json;

export type SelectedValues = { discrete: false; columns: NumericColumns } | { discrete: true; columns: DiscreteColumns };

export function selectValues(points: SeriesPoints, path: readonly PathStep[] | undefined): SelectedValues {
  const n = points.length;
  const kinds = points.kinds;
  let hasText = false;
  for (let i = 0; i < n; i++) {
    if (kinds[i]! >= STRING) {
      hasText = true;
      break;
    }
  }
  if (!hasText) return { discrete: false, columns: numericOnly(points) };
  if (path) return { discrete: false, columns: numericByPath(points, path) };
  return { discrete: true, columns: asDiscrete(points) };
}

function numericOnly(points: SeriesPoints): NumericColumns {
  const n = points.length;
  const out = allocColumns(n);
  out.timestamps.set(points.timestamps.subarray(0, n));
  out.ints.set(points.ints.subarray(0, n));
  const { kinds, floats, ints } = points;
  for (let i = 0; i < n; i++) {
    if (kinds[i] === INT) {
      out.isInt[i] = 1;
      out.values[i] = Number(ints[i]!);
    } else {
      out.values[i] = floats[i]!;
    }
  }
  out.length = n;
  return out;
}

function numericByPath(points: SeriesPoints, path: readonly PathStep[]): NumericColumns {
  const n = points.length;
  const out = allocColumns(n);
  let j = 0;
  for (let i = 0; i < n; i++) {
    const kind = points.kinds[i]!;
    let value: number;
    let isInt = 0;
    let int = 0n;
    if (kind === INT) {
      int = points.ints[i]!;
      value = Number(int);
      isInt = 1;
    } else if (kind === FLOAT) {
      value = points.floats[i]!;
    } else if (kind === JSON_KIND) {
      let selected: unknown;
      try {
        // numbers read from their text: an integer beyond 2^53 stays exact (JSON.parse rounds it)
        selected = selectPath(parseExactJson(points.texts[i]!), path);
      } catch {
        continue;
      }
      if (typeof selected === 'boolean') {
        value = selected ? 1 : 0;
        isInt = 1;
        int = BigInt(value);
      } else if (selected instanceof JsonNumber) {
        const text = selected.text;
        const exact = INTEGER_TEXT.test(text) ? BigInt(text) : undefined;
        if (exact !== undefined && exact >= MIN_INT64 && exact <= MAX_INT64) {
          value = Number(exact);
          isInt = 1;
          int = exact;
        } else {
          value = Number(text);
          if (!Number.isFinite(value)) continue;
          // integral ones as integers (`5.0` too), as far as a double holds them exactly
          if (exact === undefined && Number.isSafeInteger(value)) {
            isInt = 1;
            int = BigInt(value);
          }
        }
      } else {
        continue; // no such field, or not a number
      }
    } else {
      continue; // strings have no fields
    }
    out.timestamps[j] = points.timestamps[i]!;
    out.values[j] = value;
    out.ints[j] = int;
    out.isInt[j] = isInt;
    j++;
  }
  out.length = j;
  return out;
}

function asDiscrete(points: SeriesPoints): DiscreteColumns {
  const n = points.length;
  const texts: string[] = new Array(n);
  const kinds = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const kind = points.kinds[i]!;
    kinds[i] = kind;
    texts[i] = kind === INT ? points.ints[i]!.toString() : kind === FLOAT ? floatText(points.floats[i]!) : points.texts[i]!;
  }
  return { length: n, timestamps: points.timestamps.slice(0, n), texts, kinds };
}
