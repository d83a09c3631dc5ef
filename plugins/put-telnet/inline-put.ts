/** The put command parsing on the main thread (put-telnet's `parseWorkers: 0`). */
import { BatchBuilder, type Logger, type WriteService } from '../../core';
import { PutLineParser } from '../../lib/opentsdb';
import type { TelnetCommand, TelnetConnection } from '../../lib/telnet';
import { putCommand, writeBatch, type Stats } from './put-command';

/** Parsing on this thread, into one BatchBuilder per connection. */
export function inlinePut(writer: WriteService, stats: Stats, log: Logger): TelnetCommand {
  const parser = new PutLineParser();
  const batches = new WeakMap<TelnetConnection, BatchBuilder>();
  // Lines of one connection arrive in runs: remember the last one's batch.
  let lastConnection: TelnetConnection | undefined;
  let lastBatch: BatchBuilder | undefined;
  const batchOf = (connection: TelnetConnection): BatchBuilder => {
    if (connection === lastConnection) return lastBatch!;
    let batch = batches.get(connection);
    if (!batch) batches.set(connection, (batch = new BatchBuilder(256)));
    lastConnection = connection;
    lastBatch = batch;
    return batch;
  };
  return putCommand({
    executeRaw(line, start, end, connection) {
      stats.lines++;
      const error = parser.parse(line, start, end, batchOf(connection));
      if (error !== undefined) {
        stats.errors++;
        connection.writeLine(error);
      }
    },
    endOfInput(connection) {
      const batch = connection === lastConnection ? lastBatch : batches.get(connection);
      if (!batch || batch.length === 0) return undefined;
      const points = batch.take();
      stats.points += points.length;
      stats.batches++;
      return writeBatch(writer, log, connection, points);
    },
  });
}
