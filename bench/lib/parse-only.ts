/** DSDB's telnet put parser alone over the dataset's bytes: lines/s on one thread. */
import { BatchBuilder } from '../../core';
import { PutLineParser } from '../../lib/opentsdb';

export function parseOnlyRate(chunks: Buffer[]): number {
  const parser = new PutLineParser();
  const batch = new BatchBuilder(1024);
  let lines = 0;
  let errors = 0;
  const started = process.hrtime.bigint();
  for (const bytes of chunks) {
    let pos = 0;
    for (;;) {
      const end = bytes.indexOf(0x0a, pos);
      if (end < 0) break;
      if (parser.parse(bytes, pos, end, batch) !== undefined) errors++;
      lines++;
      pos = end + 1;
      if (batch.length === 1024) batch.take();
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (errors) throw new Error(`${errors} dataset lines failed to parse`);
  return lines / seconds;
}
