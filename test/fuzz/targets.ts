/**
 * The fuzz targets: for each input language, an input arbitrary (grammar + mutation of
 * valid inputs and of the captured client bytes), a direct check (the parser or decoder
 * called in-process, fast) and an end-to-end check (the same bytes sent to a running
 * daemon). Oracles: no exception escapes a parser except the protocol's own 4xx error,
 * no 5xx and no hang end to end, and, where cheap, a round-trip property.
 */
import fc from 'fast-check';
import { BatchBuilder, NEED_MORE_BYTES, ValueKind, type Aggregator, type KernelHooks, type Registry } from '../../core';
import { ApiError, PutCollector, PutLineParser, putJsonFormat } from '../../lib/opentsdb';
import { parseQueryBody } from '../../plugins/query/parse-json';
import { parseQueryString } from '../../plugins/query/parse-uri';
import { decodeWriteRequest, int64 } from '../../plugins/protobuf/schema';
import { admitWriteRequest } from '../../plugins/protobuf/admit';
import { decodePromWriteRequest } from '../../plugins/prometheus-remote-write/prompb';
import { mapSeries } from '../../plugins/prometheus-remote-write/map-series';
import { snappyUncompress } from '../../plugins/prometheus-remote-write/snappy';
import { MAX_HEAD_BYTES } from '../../core/detection';
import { anyBytes, mutated } from './mutate';
import * as g from './grammar';
import { PUT_JSON_SEEDS, REMOTE_WRITE_SEEDS, TELNET_SEEDS } from './seeds';
import type { FuzzDaemon } from './daemon';

/** What the direct checks need from an in-process kernel (the real registries and taps). */
export interface DirectContext {
  aggregators: Registry<Aggregator>;
  hooks: KernelHooks;
}

export interface FuzzTarget<T> {
  name: string;
  input: fc.Arbitrary<T>;
  /** throws when an oracle fails; returns normally for any answer the protocol allows */
  direct(input: T, context: DirectContext): void;
  /** the same input through a running daemon; throws when an oracle fails */
  e2e(input: T, daemon: FuzzDaemon): Promise<void>;
}

/** An error a parser may throw: the protocol's own 4xx (anything else would be a 500). */
function expectClientError(err: unknown, where: string): void {
  const status = (err as { statusCode?: number }).statusCode;
  if (err instanceof ApiError && status !== undefined && status >= 400 && status < 500) return;
  throw new Error(`${where}: threw ${(err as Error)?.name}: ${(err as Error)?.message} (status ${status}), not a 4xx ApiError`);
}

function expectNot5xx(status: number, body: string, where: string): void {
  if (status >= 500) throw new Error(`${where}: HTTP ${status}: ${body.slice(0, 300)}`);
}

const asText = (b: Buffer) => b.toString('latin1');

// ---- telnet put ------------------------------------------------------------------------

type TelnetInput = { kind: 'valid'; put: g.ValidPut } | { kind: 'bytes'; line: Buffer };

const telnetBytes = fc.oneof(
  g.loosePutLine.map((s) => Buffer.from(s)),
  mutated(fc.oneof(fc.constantFrom(...TELNET_SEEDS), g.validPut.map((p) => Buffer.from(g.putLine(p))))),
  anyBytes.map((b) => Buffer.concat([Buffer.from('put '), b])),
);

const telnetParser = new PutLineParser();
const telnetBatch = new BatchBuilder(256);

export const telnetTarget: FuzzTarget<TelnetInput> = {
  name: 'telnet',
  input: fc.oneof(
    { weight: 1, arbitrary: g.validPut.map((put) => ({ kind: 'valid' as const, put })) },
    { weight: 4, arbitrary: telnetBytes.map((line) => ({ kind: 'bytes' as const, line })) },
  ),
  direct(input) {
    if (telnetBatch.length > 200) telnetBatch.take();
    if (input.kind === 'valid') {
      const line = Buffer.from(g.putLine(input.put));
      const before = telnetBatch.length;
      const error = telnetParser.parse(line, 0, line.length, telnetBatch);
      if (error !== undefined) throw new Error(`valid line refused: ${error}`);
      if (telnetBatch.length !== before + 1) throw new Error('valid line added no point');
      checkStoredValue(telnetBatch, before, input.put);
      return;
    }
    // as the session does: one line at a time, a line that starts with `put `
    const bytes = input.line;
    let start = 0;
    while (start <= bytes.length) {
      let end = bytes.indexOf(0x0a, start);
      if (end < 0) end = bytes.length;
      const lineEnd = end > start && bytes[end - 1] === 0x0d ? end - 1 : end;
      if (lineEnd - start >= 3 && bytes[start] === 0x70 && bytes[start + 1] === 0x75 && bytes[start + 2] === 0x74 && (lineEnd - start === 3 || bytes[start + 3] === 0x20)) {
        const error = telnetParser.parse(bytes, start, lineEnd, telnetBatch);
        if (error !== undefined && !error.startsWith('put: ')) throw new Error(`error line not in OpenTSDB's form: ${error}`);
      }
      start = end + 1;
    }
  },
  async e2e(input, daemon) {
    const line = input.kind === 'valid' ? Buffer.from(g.putLine(input.put)) : input.line;
    await daemon.telnetLine(line);
  },
};

/** The round-trip property: the stored point is the line's value at the line's time. */
function checkStoredValue(batch: BatchBuilder, i: number, put: g.ValidPut): void {
  const ms = put.timestamp < 2 ** 32 ? put.timestamp * 1000 : put.timestamp;
  if (batch.timestamps[i] !== ms) throw new Error(`timestamp ${put.timestamp} stored as ${batch.timestamps[i]}`);
  const series = batch.series[batch.seriesIndex[i]!]!;
  if (series.metric !== put.metric || JSON.stringify(sortKeys(series.tags)) !== JSON.stringify(sortKeys(put.tags))) throw new Error(`series ${JSON.stringify(series)} for ${JSON.stringify(put)}`);
  if (put.value.includes('.')) {
    if (batch.kinds[i] !== ValueKind.Float || batch.floats[i] !== Number(put.value)) throw new Error(`value ${put.value} stored as kind ${batch.kinds[i]} ${batch.floats[i]}`);
  } else if (batch.kinds[i] !== ValueKind.Int || batch.ints[i] !== BigInt(put.value)) throw new Error(`value ${put.value} stored as kind ${batch.kinds[i]} ${batch.ints[i]}`);
}

function sortKeys(tags: Record<string, string>): [string, string][] {
  return Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

// ---- /api/put JSON -----------------------------------------------------------------------

type PutJsonInput = { kind: 'valid'; puts: g.ValidPut[] } | { kind: 'bytes'; body: Buffer };

export const putJsonTarget: FuzzTarget<PutJsonInput> = {
  name: 'put-json',
  input: fc.oneof(
    { weight: 1, arbitrary: fc.array(g.validPut, { minLength: 1, maxLength: 4 }).map((puts) => ({ kind: 'valid' as const, puts })) },
    {
      weight: 4,
      arbitrary: fc
        .oneof(g.loosePutJson.map((s) => Buffer.from(s)), mutated(fc.oneof(fc.constantFrom(...PUT_JSON_SEEDS), g.loosePutJson.map((s) => Buffer.from(s)))), anyBytes)
        .map((body) => ({ kind: 'bytes' as const, body })),
    },
  ),
  direct(input) {
    const body = input.kind === 'valid' ? Buffer.from(g.putJson(input.puts)) : input.body;
    const collector = new PutCollector(new BatchBuilder(16), true);
    try {
      putJsonFormat.decode(body, collector);
    } catch (err) {
      if (input.kind === 'valid') throw new Error(`valid body refused: ${(err as Error).message}`);
      return expectClientError(err, 'putJsonFormat.decode');
    }
    if (collector.batch.length !== collector.success) throw new Error(`${collector.success} points counted, ${collector.batch.length} in the batch`);
    if (input.kind === 'valid') {
      if (collector.failed !== 0) throw new Error(`valid points refused: ${JSON.stringify(collector.errors)}`);
      input.puts.forEach((p, i) => {
        const ms = p.timestamp < 2 ** 32 ? p.timestamp * 1000 : p.timestamp;
        if (collector.batch.timestamps[i] !== ms) throw new Error(`timestamp ${p.timestamp} stored as ${collector.batch.timestamps[i]}`);
      });
    }
  },
  async e2e(input, daemon) {
    const body = input.kind === 'valid' ? Buffer.from(g.putJson(input.puts)) : input.body;
    const res = await daemon.http('POST', '/api/put?details', body, 'application/json');
    expectNot5xx(res.status, res.text, 'POST /api/put');
    if (input.kind === 'valid' && res.status !== 200) throw new Error(`valid body answered ${res.status}: ${res.text}`);
  },
};

// ---- /api/query JSON and GET m= ---------------------------------------------------------

export const queryJsonTarget: FuzzTarget<Buffer> = {
  name: 'query-json',
  input: fc.oneof(g.looseQueryJson.map((s) => Buffer.from(s)), mutated(g.looseQueryJson.map((s) => Buffer.from(s))), anyBytes),
  direct(body, { aggregators }) {
    try {
      parseQueryBody(body, aggregators);
    } catch (err) {
      expectClientError(err, 'parseQueryBody');
    }
  },
  async e2e(body, daemon) {
    const res = await daemon.http('POST', '/api/query', body, 'application/json');
    expectNot5xx(res.status, res.text, `POST /api/query ${asText(body).slice(0, 200)}`);
  },
};

type QueryString = Record<string, string | string[]>;

export const queryGetTarget: FuzzTarget<QueryString> = {
  name: 'query-get',
  input: fc.oneof(
    g.looseQueryString,
    fc.tuple(g.looseQueryString, mutated(g.mText.map((s) => Buffer.from(s)))).map(([qs, m]) => ({ ...qs, m: m.toString('utf8') })),
  ),
  direct(qs, { aggregators }) {
    try {
      parseQueryString(qs, aggregators);
    } catch (err) {
      expectClientError(err, `parseQueryString ${JSON.stringify(qs)}`);
    }
  },
  async e2e(qs, daemon) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(qs)) for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
    const res = await daemon.http('GET', `/api/query?${params}`);
    expectNot5xx(res.status, res.text, `GET /api/query?${params}`);
  },
};

// ---- protobuf (HTTP and raw TCP) ----------------------------------------------------------

const protoBytes = fc.oneof(g.protoWriteRequest, mutated(g.protoWriteRequest), anyBytes);

function protobufDirect(bytes: Buffer): void {
  let request;
  try {
    request = decodeWriteRequest(bytes);
  } catch {
    return; // answered `Unable to parse the given protobuf` (400) / an error ack
  }
  const collector = new PutCollector(new BatchBuilder(16), true);
  const errors = admitWriteRequest(request, collector);
  if (collector.success + collector.failed !== request.points.length) throw new Error(`${request.points.length} points, ${collector.success} admitted + ${collector.failed} refused`);
  if (errors.length !== collector.failed) throw new Error(`${collector.failed} refused, ${errors.length} errors listed`);
  int64(request.id as never);
}

export const protobufHttpTarget: FuzzTarget<Buffer> = {
  name: 'protobuf-http',
  input: protoBytes,
  direct: protobufDirect,
  async e2e(bytes, daemon) {
    const res = await daemon.http('POST', '/api/put?details', bytes, 'application/x-protobuf');
    expectNot5xx(res.status, res.text, 'POST /api/put (protobuf)');
  },
};

export const protobufTcpTarget: FuzzTarget<Buffer> = {
  name: 'protobuf-tcp',
  input: protoBytes,
  direct: protobufDirect,
  async e2e(bytes, daemon) {
    await daemon.protobufFrame(bytes);
  },
};

// ---- Prometheus remote_write ---------------------------------------------------------------

const MAX_UNCOMPRESSED = 32 * 1024 * 1024;

export const remoteWriteTarget: FuzzTarget<Buffer> = {
  name: 'remote-write',
  input: fc.oneof(
    g.promWriteRequest.map(g.snappyCompress),
    mutated(g.promWriteRequest).map(g.snappyCompress),
    mutated(fc.oneof(fc.constantFrom(...REMOTE_WRITE_SEEDS), g.promWriteRequest.map(g.snappyCompress))),
    anyBytes,
  ),
  direct(body) {
    let message;
    try {
      message = decodePromWriteRequest(snappyUncompress(body, MAX_UNCOMPRESSED));
    } catch {
      return; // 400 `Unable to decode the remote write request` or 413
    }
    const batch = new BatchBuilder(16);
    for (const series of message.timeseries) {
      const mapped = mapSeries(series.labels, 16);
      if (mapped.error !== undefined) continue;
      const index = batch.seriesOf(mapped.metric, mapped.tags);
      for (const sample of series.samples) {
        const ts = typeof sample.timestamp === 'number' ? sample.timestamp : sample.timestamp.toNumber();
        if (Number.isFinite(sample.value)) batch.pushFloat(index, ts, sample.value);
      }
    }
  },
  async e2e(body, daemon) {
    const res = await daemon.http('POST', '/api/v1/write', body, 'application/x-protobuf', { 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' });
    expectNot5xx(res.status, res.text, 'POST /api/v1/write');
  },
};

// ---- protocol detection ------------------------------------------------------------------

export const detectionTarget: FuzzTarget<Buffer> = {
  name: 'detection',
  input: fc.oneof(g.connectionHead, mutated(g.connectionHead), anyBytes),
  direct(head, { hooks }) {
    // every prefix, as the bytes arrive one at a time, then the bounded wait's final call
    for (let n = 1; n <= Math.min(head.length, MAX_HEAD_BYTES); n++) {
      const result = hooks.net.detectProtocol.call(head.subarray(0, n), { final: n >= MAX_HEAD_BYTES, secure: false });
      if (n >= MAX_HEAD_BYTES && result === NEED_MORE_BYTES) throw new Error(`still undecided after ${MAX_HEAD_BYTES} bytes`);
      if (result !== undefined && result !== NEED_MORE_BYTES && typeof result.accept !== 'function') throw new Error('a match without accept');
    }
    if (head.length > 0) hooks.net.detectProtocol.call(head.subarray(0, MAX_HEAD_BYTES), { final: true, secure: false });
  },
  async e2e(head, daemon) {
    await daemon.rawConnection(head);
  },
};

export const TARGETS: FuzzTarget<any>[] = [telnetTarget, putJsonTarget, queryJsonTarget, queryGetTarget, protobufHttpTarget, protobufTcpTarget, remoteWriteTarget, detectionTarget];
