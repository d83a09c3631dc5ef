/**
 * The telnet `put` command: each line is parsed with OpenTSDB's rules, checks and error
 * lines (lib/opentsdb's PutLineParser), and the points go to the kernel's writer once per
 * received packet (the session's `endOfInput`), which also pauses a client that writes
 * faster than storage takes. No reply on success; errors are OpenTSDB's lines.
 *
 * With `parseWorkers` > 0 (the default: 1) the lines are parsed on worker threads
 * (lib/opentsdb's PutParsePool) while this thread writes: a packet's put lines are handed
 * over as bytes, and the parsed batches are written one after another per connection, in
 * the order their lines came, so order and last-write-wins per series are as without
 * workers. Up to `maxPacketsInFlight` jobs per connection (a packet, or the packets that
 * came while two were in flight, gathered: worker-put.ts), and `maxBytesInFlight` bytes of
 * their lines, are parsed ahead; beyond, the connection waits. A line that is not a `put` waits until the puts before it are
 * written (`settle`), so it sees them.
 *
 * With workers, the session hands over a packet's lines from its first `put` on at once
 * (`executeRun`): they are copied to the worker unsplit, and the worker checks each as
 * the session would (a `put`, no longer than `maxLineLength`). At the first line that
 * is not, it stops; once the lines before it are written, that line and everything
 * handed over after it go back to the session (`replay`), which runs them as it runs any
 * line: the later packets' parsed batches are dropped unwritten and their lines run again.
 */
import { definePlugin, Type, type WriteService } from '../../core';
import { sharedPutParsePool } from '../../lib/opentsdb';
import { getTelnetHooks } from '../../lib/telnet';
import { inlinePut } from './inline-put';
import type { Stats } from './put-command';
import { workerPut } from './worker-put';

export default definePlugin({
  name: 'put-telnet',
  dependencies: ['telnet'],
  options: Type.Object(
    {
      /** worker threads that parse put lines (0: parse on the main thread) */
      parseWorkers: Type.Integer({ minimum: 0, maximum: 64, default: 1 }),
      /**
       * packets per connection parsed ahead of the one being written. 16, not 8: one
       * connection's pipeline then rides out a pause of either thread (a collection, a
       * cut) without the other idling; +1–17% points/s over one connection in 5 A/B pairs,
       * peak RSS unchanged (docs/performance.md, thirty-seventh session). Each holds a
       * socket read, or the reads gathered into one job (256 KiB or a read more), and its
       * parsed batch; maxBytesInFlight bounds their bytes together.
       */
      maxPacketsInFlight: Type.Integer({ minimum: 1, maximum: 1024, default: 16 }),
      /**
       * bytes of lines per connection handed to the parse threads and not yet written; beyond,
       * the connection is paused. 2 MiB, not 1: at 1 MiB (four gathered 256 KiB jobs) the two
       * threads took turns (the storage thread waited for parse answers while the parse thread
       * waited for lines the storage thread had not read yet): one connection's load was
       * slower in 10 of 11 alternating pairs (6–10% at the medians), with no peak RSS
       * difference beyond the runs' ±30 MiB spread (docs/performance.md, fifty-second session).
       */
      maxBytesInFlight: Type.Integer({ minimum: 64 * 1024, maximum: 2 ** 30, default: 2 * 2 ** 20 }),
    },
    { additionalProperties: false },
  ),
  register({ hooks, container, log }, options) {
    // the kernel registers the writer before any plugin: resolved once, not per packet
    const writer: WriteService = container.resolve('writer');
    const stats: Stats = { lines: 0, points: 0, errors: 0, batches: 0 };
    const put = options.parseWorkers > 0 ? workerPut(writer, stats, log, sharedPutParsePool(container, hooks, log, options.parseWorkers), options.parseWorkers, options.maxPacketsInFlight, options.maxBytesInFlight, hooks) : inlinePut(writer, stats, log);

    getTelnetHooks(hooks).commands.tap('put-telnet', (commands) => commands.add('put', put, 'put-telnet'));
    hooks.kernel.collectStats.tap('put-telnet', (collector) => {
      collector.record('rpc.received', stats.lines, { type: 'put' });
      collector.record('rpc.errors', stats.errors, { type: 'put' });
      collector.record('put.points_written', stats.points, { type: 'telnet' });
      collector.record('put.batches_written', stats.batches, { type: 'telnet' });
    });
  },
});
