/**
 * The in-memory head of one series: the points written since the last block was cut.
 * It is the kernel's SortedPoints (sorted growable columns, last write wins); the engine
 * sizes a new head from what the series' previous head reached.
 */
export { SortedPoints as HeadSeries } from '../../core';
