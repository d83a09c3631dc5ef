/** Plugin lists for tests, derived from the defaults so a new default codec reaches every test. */
import { DEFAULT_PLUGINS } from '../../core';

/** The chunk codec plugins the embedded engine writes with by default. */
export const CODEC_PLUGINS: string[] = DEFAULT_PLUGINS.filter((p): p is string => typeof p === 'string' && p.startsWith('codec-'));
