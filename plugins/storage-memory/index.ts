/**
 * `storage-memory`: provides the `memory` storage engine (nothing persisted). For tests
 * and scratch daemons; the embedded engine is the default for real data.
 */
import { definePlugin } from '../../core';
import { MemoryEngine } from './engine';

export default definePlugin({
  name: 'storage-memory',
  provides: ['storage:memory'],
  register({ hooks }) {
    hooks.storage.engines.tap('storage-memory', (engines) => {
      engines.add('memory', { create: () => new MemoryEngine() }, 'storage-memory');
    });
  },
});
