/**
 * OpenTSDB's telnet `put`, on the raw-bytes path of the telnet plugin: each line is
 * parsed into the connection's batch, and the batch is written to storage once per
 * received packet (the session's `endOfInput`), which also pauses a client that writes
 * faster than storage takes. No reply on success; errors are OpenTSDB's lines.
 */
import { BatchBuilder, definePlugin, PutLineParser, Type, type TelnetCommand, type TelnetConnection } from '../../core';

export default definePlugin({
  name: 'put-telnet',
  dependencies: ['telnet'],
  options: Type.Object({}, { additionalProperties: false }),
  register({ hooks, container, log }) {
    const parser = new PutLineParser();
    const batches = new WeakMap<TelnetConnection, BatchBuilder>();
    const inFlight = new Set<Promise<void>>();
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
        if (!container.hasRegistration('storage')) {
          connection.writeLine('put: Storage error: no storage engine is configured');
          return undefined;
        }
        const write = container
          .resolve('storage')
          .write(points)
          .then(
            () => undefined,
            (err: Error) => {
              // OpenTSDB answers storage failures on the connection (tsd.rpc.telnet.return_errors).
              log.error({ err }, 'storage write failed');
              connection.writeLine(`put: Storage error: ${err.message}`);
            },
          )
          .finally(() => inFlight.delete(write));
        inFlight.add(write);
        return write;
      },
    };

    hooks.telnet.commands.tap('put-telnet', (commands) => commands.add('put', put, 'put-telnet'));
    hooks.kernel.stopping.tapPromise('put-telnet', async () => {
      // Storage closes after this: let accepted points reach it first.
      await Promise.all([...inFlight]);
    });
    hooks.kernel.collectStats.tap('put-telnet', (collector) => {
      collector.record('rpc.received', stats.lines, { type: 'put' });
      collector.record('rpc.errors', stats.errors, { type: 'put' });
      collector.record('put.points_written', stats.points, { type: 'telnet' });
      collector.record('put.batches_written', stats.batches, { type: 'telnet' });
    });
  },
});
