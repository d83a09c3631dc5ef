/**
 * JSON-Schema validation (ajv, as fastify uses) with errors turned into ConfigErrors
 * that name the config file and the exact key.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { ConfigError } from './errors';

const ajv = new Ajv({ allErrors: false, useDefaults: true, strict: false });
const compiled = new WeakMap<object, ValidateFunction>();

/** Validates `value` in place (defaults are filled in) or throws a ConfigError. */
export function validateOrThrow(schema: TSchema, value: unknown, file: string, keyPrefix: string): void {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(value)) return;
  const error = validate.errors![0]!;
  throw new ConfigError(file, keyOf(error, keyPrefix), problemOf(error));
}

function keyOf(error: ErrorObject, prefix: string): string {
  const path = error.instancePath
    .split('/')
    .filter(Boolean)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
    .join('');
  let key = prefix + path;
  if (error.keyword === 'required') key += `.${(error.params as { missingProperty: string }).missingProperty}`;
  if (error.keyword === 'additionalProperties') {
    key += `.${(error.params as { additionalProperty: string }).additionalProperty}`;
  }
  return key.replace(/^\./, '') || '(root)';
}

function problemOf(error: ErrorObject): string {
  switch (error.keyword) {
    case 'required':
      return 'is required but missing';
    case 'additionalProperties':
      return 'is not a known option';
    case 'type':
      return `must be ${(error.params as { type: string }).type}`;
    default:
      return error.message ?? 'is invalid';
  }
}
