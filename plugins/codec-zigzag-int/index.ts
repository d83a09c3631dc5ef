/** The `codec-zigzag-int` plugin: registers the codec of codec.ts (a file of its own, so worker threads load it without the kernel). */
import { definePlugin } from '../../core';
import { zigzagIntCodec } from './codec';

export { zigzagIntCodec };

export default definePlugin({
  name: 'codec-zigzag-int',
  provides: ['codec:zigzag-varint'],
  register({ hooks }) {
    hooks.codec.codecs.tap('codec-zigzag-int', (codecs) => codecs.add(zigzagIntCodec.name, zigzagIntCodec, 'codec-zigzag-int'));
  },
});
