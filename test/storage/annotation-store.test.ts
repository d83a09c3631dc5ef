/** The embedded engine's annotation store: range queries by binary search over the start times, checked against a plain pass. */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Annotation, Logger } from '../../core';
import { AnnotationStore } from '../../plugins/storage-embedded/annotations';

const quiet = { error() {}, warn() {}, info() {}, debug() {} } as unknown as Logger;

describe('embedded AnnotationStore', () => {
  it('answers every range, TSUID set and global query as a pass over all annotations would, through puts, replacements and deletes', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsdb-annotations-'));
    try {
      const store = new AnnotationStore(dir, quiet);
      const all = new Map<string, Annotation>();
      let seed = 7;
      const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
      const tsuids = ['000001000001000001', '000001000001000002', '000002000001000001'];
      for (let step = 0; step < 400; step++) {
        const a: Annotation = { startTime: 1000 * rnd(60), description: `d${step}` };
        const t = rnd(4);
        if (t < 3) a.tsuid = tsuids[t];
        const key = `${a.tsuid ?? ''}@${a.startTime}`;
        if (rnd(5) === 0) {
          store.delete(a);
          all.delete(key);
        } else {
          store.put(a);
          all.set(key, a);
        }
        const start = 1000 * rnd(60) - 500 * rnd(2);
        const range = { start, end: start + 1000 * rnd(20) };
        const which = rnd(3) === 0 ? 'global' : rnd(2) === 0 ? undefined : [tsuids[rnd(3)]!];
        const expected = [...all.values()]
          .filter((x) => x.startTime >= range.start && x.startTime <= range.end)
          .filter((x) => (which === 'global' ? x.tsuid === undefined : which ? x.tsuid !== undefined && which.includes(x.tsuid) : true))
          .sort((x, y) => x.startTime - y.startTime);
        expect(store.query(range, which), `step ${step}`).to.deep.equal(expected);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
