/**
 * OpenTSDB's telnet `put`, on the raw-bytes path of the telnet plugin: each line is
 * parsed into the connection's batch, and the batch is written to storage once per
 * received packet (the session's `endOfInput`), which also pauses a client that writes
 * faster than storage takes. No reply on success; errors are OpenTSDB's lines.
 */
import { BatchBuilder, definePlugin, DsdbError, Type, type WriteInfo, type WriteService } from '../../core';
import { PutLineParser } from '../../lib/opentsdb';
import { type TelnetCommand, type TelnetConnection, getTelnetHooks } from '../../lib/telnet';

/** One object for every batch: telnet writes are never `sync` (OpenTSDB's telnet put has no such flag). */
const WRITE_INFO: WriteInfo = Object.freeze({ source: 'telnet', sync: false });

export default definePlugin({
  name: 'put-telnet',
  dependencies: ['telnet'],
  options: Type.Object({}, { additionalProperties: false }),
  register({ hooks, container, log }) {
    const parser = new PutLineParser();
    // the kernel registers the writer before any plugin: resolved once, not per packet
    const writer: WriteService = container.resolve('writer');
    const batches = new WeakMap<TelnetConnection, BatchBuilder>();
    const stats = { lines: 0, points: 0, errors: 0, batches: 0 };
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

    const put: TelnetCommand = {
      description: 'put <metric> <timestamp> <value> <tagk=tagv> [...]: store a point',
      scope: 'write',
      execute(words, connection) {
        // Only reached when a session lacks the raw path; same parser, same answers.
        const line = Buffer.from(words.join(' '));
        put.executeRaw!(line, 0, line.length, connection);
        return put.endOfInput!(connection);
      },
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
        return writer.write(points, WRITE_INFO).then(
          () => undefined,
          (err: Error) => {
            // OpenTSDB answers storage failures on the connection (tsd.rpc.telnet.return_errors).
            if (!(err instanceof DsdbError && err.code === 'DSDB_ERR_NO_STORAGE')) log.error({ err }, 'storage write failed');
            connection.writeLine(`put: Storage error: ${err.message}`);
          },
        );
      },
    };

    getTelnetHooks(hooks).commands.tap('put-telnet', (commands) => commands.add('put', put, 'put-telnet'));
    hooks.kernel.collectStats.tap('put-telnet', (collector) => {
      collector.record('rpc.received', stats.lines, { type: 'put' });
      collector.record('rpc.errors', stats.errors, { type: 'put' });
      collector.record('put.points_written', stats.points, { type: 'telnet' });
      collector.record('put.batches_written', stats.batches, { type: 'telnet' });
    });
  },
});
