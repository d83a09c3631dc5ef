/** The `codec-decimal-float` plugin: registers the codec of codec.ts (a file of its own, so worker threads load it without the kernel). */
import { definePlugin } from '../../core';
import { decimalFloatCodec } from './codec';

export { decimalFloatCodec };

export default definePlugin({
  name: 'codec-decimal-float',
  provides: ['codec:decimal-float'],
  register({ hooks }) {
    hooks.codec.codecs.tap('codec-decimal-float', (codecs) => codecs.add(decimalFloatCodec.name, decimalFloatCodec, 'codec-decimal-float'));
  },
});
