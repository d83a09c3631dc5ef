/**
 * What the put command's two forms share (inline-put.ts, worker-put.ts): its stats, the
 * command around its byte paths, and writing a batch with OpenTSDB's storage error line.
 */
import { DsdbError, type Logger, type WriteInfo, type WriteService } from '../../core';
import type { TelnetCommand, TelnetConnection } from '../../lib/telnet';

/** One object for every batch: telnet writes are never `sync` (OpenTSDB's telnet put has no such flag). */
const WRITE_INFO: WriteInfo = Object.freeze({ source: 'telnet', sync: false });

/** The command's counters, reported by collectStats (`tsd.rpc.received type=put`, …). */
export interface Stats {
  lines: number;
  points: number;
  errors: number;
  batches: number;
}

const DESCRIPTION = 'put <metric> <timestamp> <value> <tagk=tagv> [...]: store a point';

/** `execute`, only reached when a session lacks the raw path: the same parser, the same answers. */
function executeViaRaw(put: TelnetCommand, words: string[], connection: TelnetConnection): void | Promise<void> {
  const line = Buffer.from(words.join(' '));
  put.executeRaw!(line, 0, line.length, connection);
  return put.endOfInput!(connection);
}

/** Writes one batch; a storage failure is answered on the connection, as OpenTSDB does (tsd.rpc.telnet.return_errors). */
export function writeBatch(writer: WriteService, log: Logger, connection: TelnetConnection, batch: Parameters<WriteService['write']>[0]): Promise<void> {
  return writer.write(batch, WRITE_INFO).then(
    () => undefined,
    (err: Error) => {
      if (!(err instanceof DsdbError && err.code === 'DSDB_ERR_NO_STORAGE')) log.error({ err }, 'storage write failed');
      connection.writeLine(`put: Storage error: ${err.message}`);
    },
  );
}

/** The put command around its byte paths: its description, the `write` scope, and `execute` through `executeRaw` and `endOfInput`. */
export function putCommand(paths: Pick<TelnetCommand, 'executeRaw' | 'executeRun' | 'endOfInput' | 'settle'>): TelnetCommand {
  const put: TelnetCommand = {
    description: DESCRIPTION,
    scope: 'write',
    execute: (words, connection) => executeViaRaw(put, words, connection),
    ...paths,
  };
  return put;
}
