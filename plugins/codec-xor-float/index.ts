/** The `codec-xor-float` plugin: registers the codec of codec.ts (a file of its own, so worker threads load it without the kernel). */
import { definePlugin } from '../../core';
import { xorFloatCodec } from './codec';

export { xorFloatCodec };

export default definePlugin({
  name: 'codec-xor-float',
  provides: ['codec:xor-float'],
  register({ hooks }) {
    hooks.codec.codecs.tap('codec-xor-float', (codecs) => codecs.add(xorFloatCodec.name, xorFloatCodec, 'codec-xor-float'));
  },
});
