// What this plugin takes from the kernel's public API, in one place.
export { definePlugin, Type } from '../../core';
export type { Duplex } from 'node:stream';
