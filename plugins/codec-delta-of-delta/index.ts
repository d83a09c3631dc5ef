/** The `codec-delta-of-delta` plugin: registers the codec of codec.ts (a file of its own, so worker threads load it without the kernel). */
import { definePlugin } from '../../core';
import { deltaOfDeltaCodec } from './codec';

export { deltaOfDeltaCodec };

export default definePlugin({
  name: 'codec-delta-of-delta',
  provides: ['codec:delta-of-delta'],
  register({ hooks }) {
    hooks.codec.codecs.tap('codec-delta-of-delta', (codecs) => codecs.add(deltaOfDeltaCodec.name, deltaOfDeltaCodec, 'codec-delta-of-delta'));
  },
});
