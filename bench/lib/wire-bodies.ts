/**
 * The dataset in the two binary write forms the comparison loads besides telnet and JSON:
 * Prometheus remote_write (a snappy-compressed prometheus.WriteRequest, one sample per
 * series per request, as a scraping sender batches them) and DSDB's protobuf `/api/put`
 * (dsdb.proto WriteRequest; integers as `intValue`, floats as `doubleValue`).
 */
import path from 'node:path';
import protobuf from 'protobufjs';
import snappy from 'snappyjs';
import { WriteRequest as PromWriteRequest } from '../../plugins/prometheus-remote-write/prompb';
import { points, type DatasetOptions, type DatasetPoint } from './dataset';

/** dsdb.proto at the repository root (bench/lib → dist/bench/lib, three levels up). */
const DsdbWriteRequest = protobuf.loadSync(path.resolve(__dirname, '..', '..', '..', 'dsdb.proto')).lookupType('dsdb.WriteRequest');

function* batches(options: DatasetOptions, batchSize: number): Generator<DatasetPoint[]> {
  let batch: DatasetPoint[] = [];
  for (const p of points(options)) {
    batch.push(p);
    if (batch.length === batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/** remote_write bodies of `batchSize` samples; labels sorted by name, as Prometheus sends them. */
export function remoteWriteBodies(options: DatasetOptions, batchSize = 5000): Buffer[] {
  const out: Buffer[] = [];
  for (const batch of batches(options, batchSize)) {
    const timeseries = batch.map((p) => ({
      labels: [
        { name: '__name__', value: p.metric },
        { name: 'dc', value: p.tags.dc },
        { name: 'host', value: p.tags.host },
        { name: 'rack', value: p.tags.rack },
      ],
      samples: [{ value: Number(p.value), timestamp: p.timestamp * 1000 }],
    }));
    const bytes = PromWriteRequest.encode(PromWriteRequest.fromObject({ timeseries })).finish();
    out.push(Buffer.from(snappy.compress(bytes)));
  }
  return out;
}

/** DSDB protobuf `/api/put` bodies (dsdb.WriteRequest) of `batchSize` points. */
export function protobufBodies(options: DatasetOptions, batchSize = 5000): Buffer[] {
  const out: Buffer[] = [];
  for (const batch of batches(options, batchSize)) {
    const pts = batch.map((p) => ({
      metric: p.metric,
      timestamp: p.timestamp,
      tags: p.tags,
      ...(p.kind === 'gauge-float' ? { doubleValue: Number(p.value) } : { intValue: Number(p.value) }),
    }));
    out.push(Buffer.from(DsdbWriteRequest.encode(DsdbWriteRequest.fromObject({ points: pts })).finish()));
  }
  return out;
}
