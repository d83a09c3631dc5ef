/**
 * The part of Prometheus' remote-write schema (prompb/types.proto, remote.proto) DSDB
 * reads: series with labels and float samples. Field numbers match upstream; the
 * fields DSDB ignores (exemplars, native histograms, metadata) are left out, and
 * protobufjs skips them on the wire.
 */
import protobuf from 'protobufjs';

const SCHEMA = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
`;

export interface PromLabel {
  name: string;
  value: string;
}
export interface PromSample {
  value: number;
  timestamp: number | { toNumber(): number };
}
export interface PromTimeSeries {
  labels: PromLabel[];
  samples: PromSample[];
}
export interface PromWriteRequest {
  timeseries: PromTimeSeries[];
}

/** The WriteRequest message type (also what the benchmark encodes its remote_write bodies with). */
export const WriteRequest = protobuf.parse(SCHEMA).root.lookupType('prometheus.WriteRequest');

export function decodePromWriteRequest(bytes: Uint8Array): PromWriteRequest {
  return WriteRequest.decode(bytes) as unknown as PromWriteRequest;
}
