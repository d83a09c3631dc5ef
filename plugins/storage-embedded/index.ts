/**
 * `storage-embedded`: the default storage engine, `embedded`. Data lives in `dataDir`
 * (relative to the config file's folder); see docs/storage-format.md for the files and
 * docs/configuration of each option below.
 */
import path from 'node:path';
import { definePlugin, Type } from '../../core';
import { DEFAULT_ANSWER_TIMEOUT_MS } from '../../lib/chunks';
import { DEFAULT_CODECS } from './codec-set';
import { EmbeddedEngine } from './engine';
import { fsckCommand } from './fsck-command';

const codecList = (names: string[]) => Type.Array(Type.String(), { default: names, minItems: 1 });

export const EmbeddedOptionsSchema = Type.Object(
  {
    dataDir: Type.String({ default: './data', description: 'data directory, relative to the config file folder' }),
    flushIntervalMs: Type.Integer({ default: 1000, minimum: 1, maximum: 60_000, description: 'writes without sync are fsynced at least this often' }),
    headMaxPoints: Type.Integer({ default: 2_000_000, minimum: 1, description: 'cut the in-memory head into a block past this many points; while a cut runs, writes that find the new head this full wait for it' }),
    headCompression: Type.Boolean({ default: false, description: 'keep all but each series\' newest points of the head compressed (~2.5 bytes a regular point instead of 17): less memory under load for about 15% of the ingest rate' }),
    blockDurationMs: Type.Integer({ default: 2 * 3600_000, minimum: 1000, description: 'cut the head into a block at least this often' }),
    chunkMaxPoints: Type.Integer({ default: 4096, minimum: 16, description: 'points per chunk at most' }),
    compactBlocks: Type.Integer({ default: 4, minimum: 2, description: 'merge the newest run of similar-sized blocks once it has this many' }),
    compactIdleMs: Type.Integer({ default: 10_000, minimum: 1, description: 'after this long without a write, merge the newest blocks (up to idleCompactMaxPoints) into one' }),
    idleCompactMaxPoints: Type.Integer({ default: 20_000_000, minimum: 0, description: 'points an idle merge rewrites at most (0: no idle merges)' }),
    cutHoldBackMs: Type.Integer({
      default: 60_000,
      minimum: 0,
      description: "a background cut leaves each series' points within this many ms of its newest (at most a quarter) in the head, so that late points do not overlap the block (0: cut everything)",
    }),
    encodeOnWorker: Type.Boolean({ default: true, description: "background block cuts and compactions encode chunks on a worker thread, off the thread that takes writes (false: on that thread)" }),
    encodeAnswerTimeoutMs: Type.Integer({
      default: DEFAULT_ANSWER_TIMEOUT_MS,
      minimum: 1,
      description: 'the encode thread is ended as hung when it answers no slice for this long while slices wait (their points are then encoded on the storage thread)',
    }),
    slicePoints: Type.Integer({ default: 100_000, minimum: 1, description: 'points per slice of background block cuts and compactions (bounds the ingest pause)' }),
    summaryCacheBytes: Type.Integer({
      default: 64 * 2 ** 20,
      minimum: 0,
      description: 'memory (bytes, counted as the objects and arrays take it) for per-chunk downsampling results and series answers kept for repeated queries (0: none); oldest out first',
    }),
    retentionMs: Type.Integer({ default: 0, minimum: 0, description: 'drop points older than this (0: keep forever)' }),
    codecs: Type.Object(
      {
        timestamp: codecList(DEFAULT_CODECS.timestamp),
        int: codecList(DEFAULT_CODECS.int),
        float: codecList(DEFAULT_CODECS.float),
        string: codecList(DEFAULT_CODECS.string),
        json: codecList(DEFAULT_CODECS.json),
      },
      { default: {}, description: 'codec names to write with, by preference; the first that accepts a chunk is used' },
    ),
  },
  { additionalProperties: false },
);

export default definePlugin({
  name: 'storage-embedded',
  provides: ['storage:embedded'],
  options: EmbeddedOptionsSchema,
  register({ hooks, container, baseDir }, options) {
    let engine: EmbeddedEngine | undefined;
    hooks.storage.engines.tap('storage-embedded', (engines) => {
      engines.add(
        'embedded',
        {
          create: ({ logger }) =>
            (engine = new EmbeddedEngine({ ...options, dataDir: path.resolve(baseDir, options.dataDir) }, container.resolve('codecs'), logger, container.resolve('helperThreads'))),
        },
        'storage-embedded',
      );
    });
    // `dsdb fsck`: checks this engine's files directly (docs/cli.md)
    hooks.cli.commands.tap('storage-embedded', (commands) => {
      commands.add('fsck', fsckCommand(path.resolve(baseDir, options.dataDir), options.codecs as never, () => container.resolve('codecs')), 'storage-embedded');
    });
    // `stats` (telnet, /api/stats): tsd.storage.* figures, including WAL truncations found at start-up.
    hooks.kernel.collectStats.tap('storage-embedded', (collector) => {
      if (!engine?.isOpen) return;
      for (const [name, value] of Object.entries(engine.statsNow())) if (value !== undefined) collector.record(`storage.${name}`, value, { engine: 'embedded' });
    });
  },
});
