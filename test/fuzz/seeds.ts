/**
 * Seeds for mutation: the real client bytes captured in test/fixtures/clients (netdata,
 * collectd, the Go and npm OpenTSDB clients, Prometheus remote_write bodies), split into
 * the units each target reads (a telnet line, an /api/put body, a remote_write body).
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/daemon';

const CLIENTS = path.join(REPO_ROOT, 'test', 'fixtures', 'clients');

function captures(ext: string): string[] {
  return fs
    .readdirSync(CLIENTS)
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => path.join(CLIENTS, f));
}

/** Every `put` line of the telnet captures. */
export const TELNET_SEEDS: Buffer[] = captures('.txt')
  .flatMap((file) => fs.readFileSync(file, 'latin1').split('\n'))
  .filter((line) => line.startsWith('put '))
  .slice(0, 400)
  .map((line) => Buffer.from(line.replace(/\r$/, ''), 'latin1'));

/** The bodies of the HTTP `POST /api/put` captures (a capture is requests separated by `----`). */
export const PUT_JSON_SEEDS: Buffer[] = captures('.txt')
  .flatMap((file) => fs.readFileSync(file, 'utf8').split(/\n----\n?/))
  .filter((request) => request.startsWith('POST /api/put'))
  .map((request) => request.slice(request.indexOf('\n\n') + 2))
  .filter((body) => body.trim().length > 0)
  .map((body) => Buffer.from(body));

/** Snappy-compressed prometheus.WriteRequest bodies as Prometheus sent them. */
export const REMOTE_WRITE_SEEDS: Buffer[] = captures('.bin').map((file) => fs.readFileSync(file));
