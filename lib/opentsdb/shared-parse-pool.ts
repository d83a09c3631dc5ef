/**
 * One PutParsePool per daemon, shared by the transports that parse on worker threads
 * (put-telnet's lines, put-http's JSON bodies): one set of parse threads, not one per
 * plugin, since each thread costs its own V8 heap. The first plugin to ask makes it and
 * registers it in the container as `putParsePool`; it has as many worker slots as the
 * largest `size` asked for, and each transport spreads its jobs over its own `size` first
 * slots (so put-telnet's one thread is also put-http's first). Slot i parses on the
 * kernel's helper thread i (core/helper-threads.ts), started on its first job. The pool is closed when the kernel has closed.
 */
import { asValue } from 'awilix';
import type { DsdbContainer } from '../../core/container';
import type { KernelHooks } from '../../core/hooks';
import type { Logger } from '../../core/logger';
import { PutParsePool } from './put-parse-pool';

declare module '../../core/container' {
  interface Cradle {
    /** registered by the first transport that parses on worker threads (lib/opentsdb sharedPutParsePool) */
    putParsePool: PutParsePool;
  }
}

/** The daemon's parse pool, made (with `size` threads) on the first call. */
export function sharedPutParsePool(container: DsdbContainer, hooks: KernelHooks, log: Logger, size: number): PutParsePool {
  if (container.hasRegistration('putParsePool')) {
    const shared = container.resolve('putParsePool');
    shared.grow(size);
    return shared;
  }
  const pool = new PutParsePool(size, (err) => log.error({ err }, 'a put parse worker\'s thread died: its unanswered jobs are parsed on the main thread, a new thread takes the next ones'), container.resolve('helperThreads'));
  container.register('putParsePool', asValue(pool));
  hooks.kernel.closed.tapPromise('put-parse-pool', () => pool.close());
  return pool;
}
