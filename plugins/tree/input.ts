/**
 * Reading /api/tree requests as TreeRpc and HttpJsonSerializer do: a JSON body when there is
 * one, else the query string; with OpenTSDB's messages for what is missing or malformed.
 */
import type { FastifyRequest } from 'fastify';
import { ApiError, firstJsonValueText } from '../../lib/opentsdb';
import { javaSplit } from './java';
import { RE2JS } from 're2js';
import { javaInt, parseRuleType, compileRegex, type RuleInput, type TreeChanges } from './model';

/** `tsuids=a,b`'s separator (`String.split(",")`) */
const COMMA = RE2JS.compile(',');

export type Query = Record<string, string | string[] | undefined>;

/** The raw body text, or undefined when the request has none. */
export function bodyText(request: FastifyRequest): string | undefined {
  const body = request.body;
  if (Buffer.isBuffer(body)) return body.length > 0 ? body.toString('utf8') : undefined;
  if (typeof body === 'string') return body.length > 0 ? body : undefined;
  if (body !== undefined && body !== null) return JSON.stringify(body);
  return undefined;
}

/** One query-string value (the http plugin has reduced a repeated one to its last, as OpenTSDB's getQueryStringParam). */
export function qs(query: Query, name: string): string | undefined {
  const v = query[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

function parseError(e: unknown): ApiError {
  return new ApiError(400, 'Unable to parse the given JSON', (e as Error).message);
}

/** JSON.parse of a body with OpenTSDB's 400 "Unable to parse the given JSON"; Jackson reads the first value and ignores the rest (firstJsonValueText). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(firstJsonValueText(text));
  } catch (e) {
    throw parseError(e);
  }
}

/** Jackson's HashMap<String,String>: an object of scalars (numbers and booleans become text; null stays null). */
export function stringMap(text: string): Record<string, string | null> {
  const json = parseJson(text);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ApiError(400, 'Unable to parse the given JSON', 'Expected a JSON object');
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(json)) {
    if (v === null) out[k] = null;
    else if (typeof v === 'object') throw new ApiError(400, 'Unable to parse the given JSON', `Cannot deserialize a String from an ${Array.isArray(v) ? 'array' : 'object'} (field "${k}")`);
    else out[k] = String(v);
  }
  return out;
}

/** TreeRpc.parseTreeId: `treeid`, required or 0. */
export function treeIdParam(query: Query, required: boolean): number {
  const text = qs(query, 'treeid');
  if (text === undefined) {
    if (required) throw new ApiError(400, 'Missing parameter <code>treeid</code>');
    return 0;
  }
  try {
    return javaInt(text);
  } catch (e) {
    throw new ApiError(400, "Unable to parse 'tree' value", (e as Error).message);
  }
}

export interface TreeInput {
  treeId: number;
  changes: TreeChanges;
  /** true when read from the query string (OpenTSDB's `new Tree(id)` stamps `created` = now; a body's `new Tree()` leaves 0) */
  stamped: boolean;
}

function setTreeString(changes: TreeChanges, field: 'name' | 'description' | 'notes', value: string): void {
  // Tree's setters mark a string changed only when it differs from the blank default
  if (value !== '') changes[field] = value;
  else delete changes[field];
}

/** A tree from the body (parseTreeV1: keys case-insensitive, nulls skipped) or the query string (parseTree). */
export function treeInput(request: FastifyRequest): TreeInput {
  const text = bodyText(request);
  const changes: TreeChanges = {};
  if (text !== undefined) {
    let treeId = 0;
    for (const [key, value] of Object.entries(stringMap(text))) {
      if (value === null) continue;
      const k = key.toLowerCase();
      if (k === 'treeid') {
        try {
          treeId = javaInt(value);
        } catch {
          throw new ApiError(400, "Unable to parse 'tree' value");
        }
      } else if (k === 'name' || k === 'description' || k === 'notes') setTreeString(changes, k, value);
      else if (k === 'enabled') changes.enabled = value.toLowerCase() === 'true';
      else if (k === 'strictmatch') changes.strictMatch = value.toLowerCase() === 'true';
      else if (k === 'storefailures') changes.storeFailures = value.toLowerCase() === 'true';
    }
    return { treeId, changes, stamped: false };
  }
  const query = request.query as Query;
  const treeId = treeIdParam(query, false);
  for (const field of ['name', 'description', 'notes'] as const) {
    const v = qs(query, field);
    if (v !== undefined) setTreeString(changes, field, v);
  }
  const flag = (name: string, field: 'strictMatch' | 'enabled' | 'storeFailures') => {
    const v = qs(query, name);
    if (v !== undefined) changes[field] = v.toLowerCase() === 'true';
  };
  flag('strict_match', 'strictMatch');
  flag('enabled', 'enabled');
  flag('store_failures', 'storeFailures');
  return { treeId, changes, stamped: true };
}

const RULE_STRINGS = ['field', 'customField', 'regex', 'separator', 'description', 'notes', 'displayFormat'] as const;

/**
 * A rule from a JSON object as Jackson fills a TreeRule through its setters: a field counts
 * as set when it differs from the default; `level`/`order` other than 0 count too.
 * Returns the input and whether anything was set (OpenTSDB's `changed` map).
 */
export function ruleFromJson(json: unknown): { input: RuleInput; changed: boolean } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ApiError(400, 'Unable to parse the given JSON', 'Expected a tree rule object');
  const o = json as Record<string, unknown>;
  const int = (name: string): number => {
    const v = o[name];
    if (v === undefined || v === null) return 0;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^[+-]?\d+$/.test(v.trim()) ? Number(v) : NaN;
    if (!Number.isInteger(n)) throw new ApiError(400, 'Unable to parse the given JSON', `Cannot read "${name}" as an integer: ${JSON.stringify(v)}`);
    // TreeRule's fields are Java ints: Jackson refuses a number past them
    if (n > 2147483647 || n < -2147483648) throw new ApiError(400, 'Unable to parse the given JSON', `Numeric value (${String(v)}) out of range of int`);
    return n;
  };
  const level = int('level');
  if (level < 0) throw new ApiError(400, 'Negative levels are not allowed', 'Negative levels are not allowed');
  const input: RuleInput = { treeId: int('treeId'), level, order: int('order'), changes: {} };
  let changed = level !== 0 || input.order !== 0;
  if (o.type !== undefined && o.type !== null) {
    try {
      input.changes.type = parseRuleType(String(o.type));
    } catch (e) {
      throw new ApiError(400, 'Unable to parse the given JSON', (e as Error).message);
    }
    changed = true;
  }
  for (const field of RULE_STRINGS) {
    const v = o[field];
    if (v === undefined || v === null) continue;
    if (typeof v === 'object') throw new ApiError(400, 'Unable to parse the given JSON', `Cannot read "${field}" as a string`);
    const text = String(v);
    if (text === '') continue;
    if (field === 'regex') checkRegex(text, () => new ApiError(400, 'Unable to parse the given JSON', `Invalid regex: ${text}`));
    input.changes[field] = text;
    changed = true;
  }
  const idx = int('regexGroupIdx');
  if (idx !== 0) {
    input.changes.regexGroupIdx = idx;
    changed = true;
  }
  return { input, changed };
}

function checkRegex(regex: string, error: () => ApiError): void {
  try {
    compileRegex(regex);
  } catch (e) {
    const err = error();
    throw new ApiError(err.statusCode, err.message, (e as Error).message);
  }
}

/** TreeRpc.parseRule: a rule from the query string, in OpenTSDB's order of checks. */
export function ruleFromQuery(query: Query): { input: RuleInput; changed: boolean } {
  const treeId = treeIdParam(query, true);
  const changes: RuleInput['changes'] = {};
  const type = qs(query, 'type');
  if (type !== undefined) {
    try {
      changes.type = parseRuleType(type);
    } catch (e) {
      throw new ApiError(400, "Unable to parse the 'type' parameter", (e as Error).message);
    }
  }
  const strings: Array<[string, (typeof RULE_STRINGS)[number]]> = [
    ['field', 'field'],
    ['custom_field', 'customField'],
    ['regex', 'regex'],
    ['separator', 'separator'],
    ['description', 'description'],
    ['notes', 'notes'],
  ];
  for (const [param, field] of strings) {
    const v = qs(query, param);
    if (v === undefined || v === '') continue;
    if (field === 'regex') checkRegex(v, () => new ApiError(400, "Unable to parse the 'regex' parameter"));
    changes[field] = v;
  }
  const idx = qs(query, 'regex_group_idx');
  if (idx !== undefined) {
    try {
      const n = javaInt(idx);
      if (n !== 0) changes.regexGroupIdx = n;
    } catch (e) {
      throw new ApiError(400, "Unable to parse the 'regex_group_idx' parameter", (e as Error).message);
    }
  }
  const format = qs(query, 'display_format');
  if (format !== undefined && format !== '') changes.displayFormat = format;
  const position = (name: 'level' | 'order'): number => {
    const v = qs(query, name);
    if (v === undefined) throw new ApiError(400, `Missing parameter <code>${name}</code>`);
    try {
      return javaInt(v);
    } catch (e) {
      throw new ApiError(400, `Unable to parse the '${name}' parameter`, (e as Error).message);
    }
  };
  const level = position('level');
  if (level < 0) throw new ApiError(400, 'Negative levels are not allowed', 'Negative levels are not allowed');
  const order = position('order');
  const input: RuleInput = { treeId, level, order, changes };
  return { input, changed: Object.keys(changes).length > 0 || level !== 0 || order !== 0 };
}

/** parseTreeTSUIDsListV1 / parseTSUIDsList: `{treeId, tsuids}` from the body or `treeid` and comma-separated `tsuids`. */
export function tsuidsInput(request: FastifyRequest): { treeId: number | undefined; tsuids: string[] | undefined } {
  const text = bodyText(request);
  if (text !== undefined) {
    const json = parseJson(text);
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ApiError(400, 'Unable to parse the given JSON', 'Expected a JSON object');
    const o = json as Record<string, unknown>;
    const treeId = o.treeId;
    if (treeId !== undefined && treeId !== null && !Number.isInteger(treeId)) throw new ApiError(400, 'Missing or invalid Tree ID');
    const list = o.tsuids;
    if (list !== undefined && list !== null && (!Array.isArray(list) || list.some((t) => typeof t !== 'string'))) throw new ApiError(400, 'Unable to convert the given data to a list');
    return { treeId: (treeId as number | null | undefined) ?? undefined, tsuids: (list as string[] | null | undefined) ?? undefined };
  }
  const query = request.query as Query;
  const treeId = treeIdParam(query, true);
  const list = qs(query, 'tsuids');
  return { treeId, tsuids: list === undefined ? undefined : javaSplit(list, COMMA) };
}
