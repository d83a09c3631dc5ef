/** Builds a PointBatch from plain points, for tests: the kernel's own helper (core/testing/batch.ts). */
export { pointBatch as batchOf } from '../../core';
