// What this plugin takes from the kernel's public API, in one place.
export { ConfigError, definePlugin, Type } from '../../core';
export type { Duplex } from 'node:stream';
