import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { canonicalJson, parseExactJson, type ExactJson } from '../../lib/opentsdb';
import { exchange } from '../helpers/clients';
import { scratchDir, spawnDaemon, type SpawnedDaemon } from '../helpers/daemon';
import { encodeRequest, frame, PREAMBLE, sendFrames } from '../helpers/protobuf-client';
import { CODEC_PLUGINS } from '../helpers/plugins';

const CODECS = CODEC_PLUGINS;
const PLUGINS = ['http', 'telnet', 'put-telnet', 'put-http', 'protobuf', 'storage-embedded', ...CODECS, 'aggregators-opentsdb', 'aggregators-discrete', 'query'];

async function killHard(daemon: SpawnedDaemon): Promise<void> {
  daemon.child.kill('SIGKILL');
  await daemon.exited;
}

/** dps of each series of `metric`, by its `k` tag, values as exact JSON text. */
async function query(port: number, metric: string): Promise<Record<string, Record<string, string>>> {
  const res = await fetch(`http://127.0.0.1:${port}/api/query`, {
    method: 'POST',
    body: JSON.stringify({ start: 1356998300, end: 1356998500, msResolution: true, queries: [{ aggregator: 'none', metric, tags: { k: '*' } }] }),
  });
  const out: Record<string, Record<string, string>> = {};
  for (const r of parseExactJson(await res.text()) as { tags: { k: string }; dps: Record<string, ExactJson> }[]) {
    out[r.tags.k] = Object.fromEntries(Object.entries(r.dps).map(([ts, v]) => [ts, canonicalJson(v)]));
  }
  return out;
}

describe('sync writes survive a hard kill (embedded engine, real process) @integration', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = scratchDir('write-sync');
    fs.writeFileSync(path.join(dir, 'dsdb.config.cjs'), `module.exports = ${JSON.stringify({ port: 0, host: '127.0.0.1', logLevel: 'info', plugins: PLUGINS })};\n`);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps what /api/put?sync and a sync protobuf frame acknowledged, and what telnet wrote before a graceful stop', async () => {
    let daemon = await spawnDaemon([], dir);
    try {
      const body = '[{"metric":"durable","timestamp":1356998400,"value":9223372036854775807,"tags":{"k":"http"}},{"metric":"durable","timestamp":1356998400,"value":"\\"a string\\"","tags":{"k":"http.s"}}]';
      const res = await fetch(`http://127.0.0.1:${daemon.port}/api/put?sync`, { method: 'POST', body });
      expect(res.status).to.equal(204);
      const request = encodeRequest({ id: 9, sync: true, points: [{ metric: 'durable', timestamp: 1356998400250, tags: { k: 'tcp' }, jsonValue: '{"b":1,"a":2}' }] });
      const { acks } = await sendFrames(daemon.port, [Buffer.concat([PREAMBLE, frame(request)])], 1);
      expect(acks[0]).to.deep.include({ id: '9', written: 1 });
      await killHard(daemon);

      daemon = await spawnDaemon([], dir);
      expect(await query(daemon.port, 'durable')).to.deep.equal({
        http: { '1356998400000': '9223372036854775807' },
        'http.s': { '1356998400000': '"a string"' },
        tcp: { '1356998400250': '{"a":2,"b":1}' },
      });
      // telnet has no sync: its points are durable once the daemon stopped gracefully
      expect((await exchange(daemon.port, ['put durable 1356998401 -9223372036854775808 k=telnet\n'])).data).to.equal('');
      daemon.child.kill('SIGTERM');
      expect(await daemon.exited).to.equal(0);
      daemon = await spawnDaemon([], dir);
      expect((await query(daemon.port, 'durable')).telnet).to.deep.equal({ '1356998401000': '-9223372036854775808' });
    } finally {
      if (daemon.child.exitCode === null) await killHard(daemon);
    }
  });
});
