/** The `codec-compact-json` plugin: registers the codec of codec.ts (a file of its own, so worker threads load it without the kernel). */
import { definePlugin } from '../../core';
import { compactJsonCodec } from './codec';

export { compactJsonCodec };

export default definePlugin({
  name: 'codec-compact-json',
  provides: ['codec:compact-json'],
  register({ hooks }) {
    hooks.codec.codecs.tap('codec-compact-json', (codecs) => codecs.add(compactJsonCodec.name, compactJsonCodec, 'codec-compact-json'));
  },
});
