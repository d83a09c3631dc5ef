/** Feeds the points of a decoded WriteRequest to a PutCollector (the same checks as /api/put). */
import { ValueKind } from '../../core';
import { canonicalJson, isJsonObject, newValueSlot, parseExactJson, type PutCollector, type ReceivedPoint } from '../../lib/opentsdb';
import { int64, type PointMessage, type WriteRequestMessage } from './schema';

/** Admits every point; returns the index and message of each refused one. */
export function admitWriteRequest(request: WriteRequestMessage, collector: PutCollector): { index: number; message: string }[] {
  const errors: { index: number; message: string }[] = [];
  const slot = newValueSlot();
  const received: ReceivedPoint = { metric: undefined, timestamp: undefined, tags: undefined, value: undefined };
  const points = request.points;
  for (let i = 0; i < points.length; i++) {
    const point = points[i]!;
    received.metric = point.metric;
    const ts = int64(point.timestamp);
    received.timestamp = ts >= -9007199254740991n && ts <= 9007199254740991n ? Number(ts) : ts.toString();
    received.tags = point.tags;
    received.value = undefined;
    const jsonError = setValue(point, slot);
    if (jsonError) {
      collector.rejectRaw(jsonError, received);
      errors.push({ index: i, message: jsonError });
      continue;
    }
    if (point.value !== undefined) received.value = slot;
    if (!collector.admit(received)) errors.push({ index: i, message: collector.lastError! });
  }
  return errors;
}

/** Fills `slot` from the oneof; returns a message when json_value is not a JSON object. */
function setValue(point: PointMessage, slot: ReturnType<typeof newValueSlot>): string | undefined {
  slot.text = undefined;
  slot.int = 0n;
  slot.float = 0;
  switch (point.value) {
    case 'intValue':
      slot.kind = ValueKind.Int;
      slot.int = int64(point.intValue);
      return undefined;
    case 'doubleValue':
      slot.kind = ValueKind.Float;
      slot.float = point.doubleValue!;
      return undefined;
    case 'stringValue':
      slot.kind = ValueKind.String;
      slot.text = point.stringValue!;
      return undefined;
    case 'jsonValue': {
      slot.kind = ValueKind.Json;
      try {
        const parsed = parseExactJson(point.jsonValue!);
        if (!isJsonObject(parsed)) return `Invalid JSON value: not an object: ${point.jsonValue}`;
        slot.text = canonicalJson(parsed);
        return undefined;
      } catch (err) {
        return `Invalid JSON value (${(err as Error).message}): ${point.jsonValue}`;
      }
    }
    default:
      return undefined;
  }
}
