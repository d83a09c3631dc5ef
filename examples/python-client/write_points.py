#!/usr/bin/env python3
"""Writes one point of every value kind to DSDB over raw TCP protobuf and prints the
acknowledgement as JSON. Usage: write_points.py [--host H] [--port P] [--metric M]"""
import argparse
import json

from dsdb_client import DsdbClient, JsonValue, point


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4242)
    parser.add_argument("--metric", default="python.example")
    args = parser.parse_args()
    m = args.metric
    points = [
        point(m, 1356998400, {"k": "int.max"}, 9223372036854775807),
        point(m, 1356998400, {"k": "int.min"}, -9223372036854775808),
        point(m, 1356998400, {"k": "int.2p53p1"}, 9007199254740993),
        point(m, 1356998400, {"k": "float"}, 0.1),
        point(m, 1356998400123, {"k": "float.ms"}, -2.5e-300),
        point(m, 1356998400, {"k": "string"}, 'spaces, "quotes", ünïcode ✓'),
        point(m, 1356998400, {"k": "json"}, JsonValue({"b": {"c": [1, "x y"]}, "a": True})),
        point(m, 1356998400, {}, 1),  # refused: OpenTSDB needs at least one tag
    ]
    with DsdbClient(args.host, args.port) as client:
        ack = client.write(points, sync=True)
    print(json.dumps({"id": ack.id, "written": ack.written, "failed": ack.failed, "errors": [{"index": e.index, "message": e.message} for e in ack.errors], "error": ack.error}))


if __name__ == "__main__":
    main()
