/**
 * /api/tree and its endpoints (OpenTSDB 2.4.1's TreeRpc): trees, rules, bulk rules,
 * branches, test, collisions and not-matched — same methods, status codes and messages.
 * A request that changes nothing answers 304 with no body, as OpenTSDB does.
 */
import { setTag } from '../../core';
import { noContent, withErrors } from '../../lib/http';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import { allows } from '../../lib/auth';
import { ApiError, hexBinaryUid } from '../../lib/opentsdb';
import { newRoot, Branch, type Leaf } from './branch';
import { TreeBuilder, StateError } from './builder';
import { treeIdHex } from './java';
import { blankRule, mergeRule, ruleAt, ruleJson, ruleText, treeJson, validateRule, type RuleInput, type Tree, type TreeDefinition } from './model';
import { attachPath } from './processor';
import { bodyText, parseJson, qs, ruleFromJson, ruleFromQuery, stringMap, treeIdParam, treeInput, tsuidsInput, type Query } from './input';
import { lookupSeries, type MetaRecordsView } from './series-meta';
import type { TreeStore } from './store';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;
/** A descriptive route schema (summary and tag for the OpenAPI description; nothing validated). */
const describe = (summary: string): FastifySchema =>
  ({ summary, tags: ['tree'], response: withErrors({ 200: { description: 'OpenTSDB\'s tree JSON' }, 204: noContent, 304: { ...noContent, description: 'Not modified: nothing changed' } }) }) as FastifySchema;
const unsupported = () => new ApiError(400, 'Unsupported HTTP request method');

export interface TreeRouteDeps {
  store: () => TreeStore;
  records: () => MetaRecordsView;
}

/**
 * HttpQuery.getAPIMethod: a GET may name another method with `?method_override=` (405 for an
 * empty or unknown one). A change asked that way needs the admin scope, as the method it names.
 */
function apiMethod(request: FastifyRequest): string {
  if (request.method !== 'GET') return request.method;
  const override = qs(request.query as Query, 'method_override');
  if (override === undefined) return 'GET';
  if (override === '') throw new ApiError(405, 'Missing method override value');
  const method = override.toUpperCase();
  if (!['GET', 'POST', 'PUT', 'DELETE'].includes(method)) throw new ApiError(405, 'Unknown or unsupported method override value');
  if (method !== 'GET' && !allows(request.principal, 'admin')) throw new ApiError(403, 'Forbidden', 'changing trees needs the admin scope');
  return method;
}

/** Tree.fetchTree's id check: "Invalid Tree ID" (400, as IllegalArgumentException). */
function checkTreeId(treeId: number): void {
  if (treeId < 1 || treeId > 65535) throw new ApiError(400, 'Invalid Tree ID', 'Invalid Tree ID');
}

async function fetchTree(store: TreeStore, treeId: number): Promise<Tree> {
  checkTreeId(treeId);
  const tree = await store.tree(treeId);
  if (!tree) throw new ApiError(404, `Unable to locate tree: ${treeId}`);
  return tree;
}

function notModified(reply: FastifyReply): FastifyReply {
  return reply.code(304).send();
}

async function handleTree(request: FastifyRequest, reply: FastifyReply, store: TreeStore): Promise<unknown> {
  const input = treeInput(request);
  const method = apiMethod(request);
  if (method === 'GET') {
    if (input.treeId === 0) return (await store.trees()).map(treeJson);
    return treeJson(await fetchTree(store, input.treeId));
  }
  if (method === 'POST' || method === 'PUT') {
    const overwrite = method === 'PUT';
    if (input.treeId > 0) {
      const stored = await fetchTree(store, input.treeId);
      if (Object.keys(input.changes).length === 0) return notModified(reply);
      const def: TreeDefinition = { ...stored };
      const target = def as unknown as Record<string, unknown>;
      const blank: Record<string, unknown> = { name: '', description: '', notes: '', strictMatch: false, enabled: false, storeFailures: false };
      for (const field of ['name', 'description', 'notes', 'strictMatch', 'enabled', 'storeFailures'] as const) {
        if (field in input.changes) target[field] = input.changes[field];
        else if (overwrite) target[field] = blank[field];
      }
      await store.putDefinition(def);
      return treeJson(await fetchTree(store, input.treeId));
    }
    // createNewTree: the next id after the highest one, claimed with putIfAbsent
    if (!input.changes.name) throw new ApiError(400, 'Tree was missing the name', 'Tree was missing the name');
    for (;;) {
      const max = (await store.definitions()).reduce((m, d) => Math.max(m, d.treeId), 0);
      const treeId = max + 1;
      if (treeId > 65535) throw new ApiError(500, 'Exhausted all Tree IDs');
      const def: TreeDefinition = { treeId, name: '', description: '', notes: '', strictMatch: false, enabled: false, storeFailures: false, created: input.stamped ? Math.floor(Date.now() / 1000) : 0, ...input.changes };
      if (await store.createDefinition(def)) return treeJson(await fetchTree(store, treeId));
    }
  }
  if (method === 'DELETE') {
    let definition = false;
    const text = bodyText(request);
    if (text !== undefined) definition = (stringMap(text).definition ?? '').toLowerCase() === 'true';
    else definition = (qs(request.query as Query, 'definition') ?? '').toLowerCase() === 'true';
    await fetchTree(store, input.treeId);
    await store.deleteTree(input.treeId, definition);
    return reply.code(204).send();
  }
  throw unsupported();
}

/** TreeRule.syncToStorage: merge (POST) or replace (PUT) the stored rule; false when nothing changed. */
async function syncRule(store: TreeStore, input: RuleInput, changed: boolean, overwrite: boolean): Promise<boolean> {
  checkTreeId(input.treeId);
  if (!changed) return false;
  if (input.order < 0) throw new ApiError(400, 'Invalid rule order', 'Invalid rule order');
  const existing = await store.rule(input.treeId, input.level, input.order);
  let rule;
  if (!existing) rule = { ...blankRule(input.treeId, input.level, input.order), ...input.changes };
  else {
    rule = existing;
    if (!mergeRule(rule, input, overwrite)) return false;
  }
  validateRule(rule);
  await store.putRule(rule);
  return true;
}

async function handleRule(request: FastifyRequest, reply: FastifyReply, store: TreeStore): Promise<unknown> {
  const text = bodyText(request);
  const { input, changed } = text !== undefined ? ruleFromJson(parseJson(text)) : ruleFromQuery(request.query as Query);
  const tree = await fetchTree(store, input.treeId);
  const method = apiMethod(request);
  if (method === 'GET') {
    const rule = ruleAt(tree, input.level, input.order);
    if (!rule) throw new ApiError(404, `Unable to locate rule: ${ruleText({ ...input, type: input.changes.type })}`);
    return ruleJson(rule);
  }
  if (method === 'POST' || method === 'PUT') {
    if (!(await syncRule(store, input, changed, method === 'PUT'))) return notModified(reply);
    return ruleJson((await store.rule(input.treeId, input.level, input.order))!);
  }
  if (method === 'DELETE') {
    if (!ruleAt(tree, input.level, input.order)) throw new ApiError(404, `Unable to locate rule: ${ruleText({ ...input, type: input.changes.type })}`);
    await store.deleteRule(input.treeId, input.level, input.order);
    return reply.code(204).send();
  }
  throw unsupported();
}

async function handleRules(request: FastifyRequest, reply: FastifyReply, store: TreeStore): Promise<unknown> {
  const text = bodyText(request);
  let rules: Array<{ input: RuleInput; changed: boolean }> | undefined;
  let treeId: number;
  if (text !== undefined) {
    const json = parseJson(text);
    if (!Array.isArray(json)) throw new ApiError(400, 'Unable to parse the given JSON', 'Expected an array of tree rules');
    rules = json.map(ruleFromJson);
    if (rules.length === 0) throw new ApiError(400, 'Missing tree rules');
    treeId = rules[0].input.treeId;
    if (rules.some((r) => r.input.treeId !== treeId)) throw new ApiError(400, 'All rules must belong to the same tree');
  } else {
    treeId = treeIdParam(request.query as Query, false);
  }
  await fetchTree(store, treeId);
  const method = apiMethod(request);
  if (method === 'POST' || method === 'PUT') {
    if (!rules || rules.length === 0) throw new ApiError(400, 'Missing tree rules');
    if (method === 'PUT') await store.deleteAllRules(treeId);
    // a rule that changes nothing is skipped (OpenTSDB answers 500 "No changes detected in the rule")
    for (const r of rules) await syncRule(store, r.input, r.changed, method === 'PUT');
    return reply.code(204).send();
  }
  if (method === 'DELETE') {
    await store.deleteAllRules(treeId);
    return reply.code(204).send();
  }
  throw unsupported();
}

async function handleBranch(request: FastifyRequest, store: TreeStore, records: MetaRecordsView): Promise<unknown> {
  if (apiMethod(request) !== 'GET') throw unsupported();
  const query = request.query as Query;
  const treeId = treeIdParam(query, false);
  const hex = qs(query, 'branch');
  let branchId: string;
  if (hex === undefined || hex === '') {
    if (treeId < 1) throw new ApiError(400, 'Missing or invalid branch and tree IDs');
    if (treeId > 65535) throw new ApiError(400, 'Missing or invalid tree ID', 'Missing or invalid tree ID');
    branchId = treeIdHex(treeId);
  } else {
    if (hex.length < 4) throw new ApiError(400, 'Branch ID was too short', 'Branch ID was too short');
    branchId = hexBinaryUid(hex).toUpperCase();
  }
  const stored = (branchId.length - 4) % 8 === 0 ? await store.branch(branchId) : undefined;
  if (!stored) throw new ApiError(404, `Unable to locate branch '${branchId}' for tree '${parseInt(branchId.slice(0, 4), 16)}'`);
  const branch = fromStored(parseInt(branchId.slice(0, 4), 16), stored.path, stored.displayName);
  for (const child of await store.children(branchId)) branch.addChild(fromStored(branch.treeId, child.path, child.displayName));
  for (const leaf of await store.leaves(branchId)) {
    const named = await nameLeaf(records, leaf.tsuid, leaf.displayName);
    if (named) {
      if (!branch.leaves) branch.leaves = new Map();
      branch.leaves.set(branch.leaves.size, named);
    }
  }
  return branch.toJson();
}

function fromStored(treeId: number, path: Record<string, string>, displayName: string): Branch {
  const b = new Branch(treeId);
  b.displayName = displayName;
  b.path = new Map(Object.entries(path).map(([d, n]) => [Number(d), n] as [number, string]).sort((x, y) => x[0] - y[0]));
  return b;
}

/** Leaf.parseFromStorage with the UID names loaded; undefined when a UID has no name (skipped, as OpenTSDB does). */
async function nameLeaf(records: MetaRecordsView, tsuid: string, displayName: string): Promise<Leaf | undefined> {
  const metric = await records.uids.getName('metric', tsuid.slice(0, 6));
  if (metric === undefined) return undefined;
  const tags: Record<string, string> = {};
  for (let i = 6; i + 12 <= tsuid.length; i += 12) {
    const k = await records.uids.getName('tagk', tsuid.slice(i, i + 6));
    const v = await records.uids.getName('tagv', tsuid.slice(i + 6, i + 12));
    if (k === undefined || v === undefined) return undefined;
    setTag(tags, k, v);
  }
  return { displayName, tsuid, metric, tags };
}

/** UniqueId.stringToUid's check of a TSUID: 400 `contains illegal character for hexBinary: X`. */
function checkHex(tsuids: string[]): void {
  for (const tsuid of tsuids) hexBinaryUid(tsuid);
}

async function handleTest(request: FastifyRequest, store: TreeStore, records: MetaRecordsView): Promise<unknown> {
  const { treeId, tsuids } = tsuidsInput(request);
  if (treeId === undefined) throw new ApiError(400, 'Missing or invalid Tree ID');
  const tree = await fetchTree(store, treeId);
  if (!tsuids || tsuids.length === 0) throw new ApiError(400, 'Missing or empty TSUID list');
  if (!['GET', 'POST', 'PUT'].includes(apiMethod(request))) throw unsupported();
  checkHex(tsuids);
  // One builder and one root for the whole request, as TreeRpc's: every result refers to the
  // same root, so each shows the tree as the last TSUID processed left it (OpenTSDB's answer).
  const builder = new TreeBuilder(tree);
  const root = newRoot(tree.treeId);
  const results: Record<string, unknown> = {};
  for (const tsuid of tsuids) {
    const found = await lookupSeries(records, tsuid);
    if (found.kind === 'no-meta') {
      results[tsuid] = { branch: null, meta: null, messages: ['Unable to locate TSUID meta data'] };
      continue;
    }
    if (found.kind === 'no-uid') {
      results[tsuid] = { branch: null, meta: null, messages: [`TSUID was missing a UID name: ${found.message}`] };
      continue;
    }
    // OpenTSDB's resetState clears the root's branches but not its leaves (it clears a copy of
    // them), so leaves left on the root by earlier TSUIDs of the request stay
    root.branches = undefined;
    let result;
    try {
      result = builder.build(found.view, root);
    } catch (e) {
      if (e instanceof StateError) throw new ApiError(500, e.message);
      throw e;
    }
    if (result.branch) attachPath(root, result.branch);
    results[tsuid] = { branch: root, meta: found.json, messages: result.messages };
  }
  for (const r of Object.values(results) as Array<{ branch: Branch | null }>) if (r.branch) (r as Record<string, unknown>).branch = r.branch.toJson();
  return results;
}

async function handleFailures(request: FastifyRequest, store: TreeStore, kind: 'collision' | 'notmatched'): Promise<unknown> {
  const { treeId, tsuids } = tsuidsInput(request);
  if (treeId === undefined) throw new ApiError(400, 'Missing or invalid Tree ID');
  await fetchTree(store, treeId);
  if (!['GET', 'POST', 'PUT'].includes(apiMethod(request))) throw unsupported();
  if (tsuids) checkHex(tsuids);
  return store.failures(kind, treeId, tsuids);
}

const ENDPOINTS: Record<string, string> = {
  '': 'Trees: list, read, create, edit, delete (definition=true also drops the definition and rules)',
  branch: 'A branch of a tree (its child branches and leaves), by branch id or the tree root',
  rule: 'One rule of a tree at (level, order): read, create, edit, delete',
  rules: 'Every rule of a tree at once: add/merge (POST), replace (PUT), delete',
  test: 'Runs TSUIDs through a tree without storing anything: the branch each would land on and the rule messages',
  collisions: 'TSUIDs that would have taken a leaf held by another TSUID',
  notmatched: 'TSUIDs that failed strict matching',
};

export function registerTreeRoutes(app: FastifyInstance, deps: TreeRouteDeps): void {
  const handle = async (request: FastifyRequest, reply: FastifyReply, endpoint: string): Promise<unknown> => {
    const store = deps.store();
    switch (endpoint.toLowerCase()) {
      case '':
        return handleTree(request, reply, store);
      case 'branch':
        return handleBranch(request, store, deps.records());
      case 'rule':
        return handleRule(request, reply, store);
      case 'rules':
        return handleRules(request, reply, store);
      case 'test':
        return handleTest(request, store, deps.records());
      case 'collisions':
        return handleFailures(request, store, 'collision');
      case 'notmatched':
        return handleFailures(request, store, 'notmatched');
      default:
        throw new ApiError(404, 'This endpoint is not supported');
    }
  };
  // changing trees is metadata administration, as changing annotations
  const scope = { GET: 'read', POST: 'admin', PUT: 'admin', DELETE: 'admin' } as const;
  app.route({
    method: [...METHODS],
    url: '/api/tree',
    config: { scope: { ...scope } },
    schema: describe(ENDPOINTS['']),
    handler: (request, reply) => handle(request, reply, ''),
  });
  for (const endpoint of Object.keys(ENDPOINTS).filter((e) => e !== '')) {
    // test, collisions and notmatched only read, whatever the method
    const readOnly = endpoint === 'test' || endpoint === 'collisions' || endpoint === 'notmatched' || endpoint === 'branch';
    app.route({
      method: [...METHODS],
      url: `/api/tree/${endpoint}`,
      config: { scope: readOnly ? ('read' as const) : { ...scope } },
      schema: describe(ENDPOINTS[endpoint]),
      handler: (request, reply) => handle(request, reply, endpoint),
    });
  }
  app.route({
    method: [...METHODS],
    url: '/api/tree/:endpoint',
    config: { scope: 'read' },
    schema: describe('Any other /api/tree endpoint: 404 "This endpoint is not supported"'),
    handler: async () => {
      throw new ApiError(404, 'This endpoint is not supported');
    },
  });
}

