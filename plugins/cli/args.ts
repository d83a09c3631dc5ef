/** Flag parsing for the subcommands: node's parseArgs, with bad usage as exit code 2. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliExit } from '../../core';

export type FlagSpec = NonNullable<ParseArgsConfig['options']>;


export function parseFlags<T extends FlagSpec>(args: string[], options: T): { values: { [K in keyof T]?: T[K]['type'] extends 'boolean' ? (T[K]['multiple'] extends true ? boolean[] : boolean) : T[K]['multiple'] extends true ? string[] : string }; positionals: string[] } {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true }) as never;
  } catch (err) {
    throw new CliExit(`${(err as Error).message} (see --help)`, 2);
  }
}

/** A positive integer flag, or the default. */
export function intFlag(value: string | undefined, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new CliExit(`--${name} must be an integer ≥ ${min}, not "${value}"`, 2);
  return n;
}

/** `--url http://host:port` without a trailing slash. */
export function baseUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^https?:\/\/[^/]+/.test(value)) throw new CliExit(`--url must look like http://host:port, not "${value}"`, 2);
  return value.replace(/\/+$/, '');
}
