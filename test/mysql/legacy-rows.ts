/** Rows of dsdb_chunks as storage-mysql wrote them before the shared chunk format (captured bytes), and checks of their points. */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { ValueKind, type SeriesPoints } from '../../core';
import { REPO_ROOT } from '../helpers/daemon';

export interface LegacyCase {
  name: string;
  windowStart: number;
  data: string;
  points: [number, number, string][];
}

/** Rows as storage-mysql wrote them before the shared chunk format, with the points they hold. */
export function legacyRows(): { windowMs: number; cases: LegacyCase[] } {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'mysql-chunks-v1.json'), 'utf8')) as { windowMs: number; cases: LegacyCase[] };
}

/** Checks points [offset, offset + expected.length) against a fixture case. */
export function expectLegacyPoints(points: SeriesPoints, offset: number, expected: LegacyCase['points'], label: string): void {
  for (let i = 0; i < expected.length; i++) {
    const [t, kind, value] = expected[i]!;
    const at = `${label}, point ${i}`;
    expect(points.timestamps[offset + i], at).to.equal(t);
    expect(points.kinds[offset + i], at).to.equal(kind);
    if (kind === ValueKind.Int) expect(points.ints[offset + i], at).to.equal(BigInt(value));
    else if (kind === ValueKind.Float) expect(Object.is(points.floats[offset + i], value === '-0' ? -0 : Number(value)), `${at}: ${points.floats[offset + i]} vs ${value}`).to.equal(true);
    else expect(points.texts[offset + i], at).to.equal(value);
  }
}
