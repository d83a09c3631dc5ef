/** What the Go and Java example clients (examples/go-client, examples/java-client) write: the same points over HTTP and raw TCP. */
import type { StoredPoint } from '../helpers/read-back';

const ONE_EACH: [string, number, 'int' | 'float', bigint | number][] = [
  ['int.max', 1356998400000, 'int', 9223372036854775807n],
  ['int.min', 1356998400000, 'int', -9223372036854775808n],
  ['int.2p53p1', 1356998400000, 'int', 9007199254740993n],
  ['int.ms', 1356998400456, 'int', -123456789012345678n],
  ['float', 1356998400000, 'float', 0.1],
  ['float.ms', 1356998400123, 'float', -2.5e-300],
  ['float.max', 1356998400000, 'float', Number.MAX_VALUE],
];

/** [via, k, timestamp ms, kind, value] for each point both transports wrote. */
export const EXPECTED_CLIENT_ROWS = ['http', 'tcp'].flatMap((via) => ONE_EACH.map(([k, ts, kind, value]) => [via, k, ts, kind, value]));

export function clientRows(points: StoredPoint[]): unknown[][] {
  return points.map((p) => [p.tags.via, p.tags.k, p.timestamp, p.kind, p.value]);
}
