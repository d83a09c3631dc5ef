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
  throw new ConfigError(file, keyOf(error, keyPrefix), oneOfProblem(validate.errors!, error) ?? problemOf(error));
}

/**
 * A union of literals (TypeBox's `Type.Union([Type.Literal…])`, an `anyOf` of `const`s) fails
 * with one error a literal: ajv's first says only "must be equal to constant". This lists
 * every allowed value at the failing key instead: `must be one of: "info", "debug", …`.
 */
function oneOfProblem(errors: ErrorObject[], first: ErrorObject): string | undefined {
  if (first.keyword === 'enum') return `must be one of: ${(first.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  if (first.keyword !== 'const') return undefined;
  const allowed = errors.filter((e) => e.keyword === 'const' && e.instancePath === first.instancePath).map((e) => JSON.stringify((e.params as { allowedValue: unknown }).allowedValue));
  return allowed.length > 1 ? `must be one of: ${allowed.join(', ')}` : `must be ${allowed[0]}`;
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
