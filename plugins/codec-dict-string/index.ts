/** The `codec-dict-string` plugin: registers the codec of codec.ts (a file of its own, so worker threads load it without the kernel). */
import { definePlugin } from '../../core';
import { dictStringCodec } from './codec';

export { dictStringCodec };

export default definePlugin({
  name: 'codec-dict-string',
  provides: ['codec:dict-string'],
  register({ hooks }) {
    hooks.codec.codecs.tap('codec-dict-string', (codecs) => codecs.add(dictStringCodec.name, dictStringCodec, 'codec-dict-string'));
  },
});
