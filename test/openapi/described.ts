/**
 * Checks real requests and answers against an OpenAPI 3.1 document with ajv (JSON Schema
 * 2020-12, as OpenAPI 3.1's schema objects are): the operation exists, the query
 * parameters and JSON body are described and valid, and the answer's status, media type
 * and JSON body are among the documented responses.
 */
import Ajv2020 from 'ajv/dist/2020';

type Json = Record<string, any>;

const pointer = (parts: string[]): string => parts.map((p) => encodeURIComponent(p.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

export class Described {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });

  constructor(readonly doc: Json) {
    // the whole document is addressable, so `$ref`s into components resolve
    this.ajv.addSchema(doc, 'openapi.json');
  }

  /** The path template of `doc.paths` that `path` matches (exact first, then `{param}`s). */
  template(path: string): string | undefined {
    if (this.doc.paths[path]) return path;
    return Object.keys(this.doc.paths).find((t) => new RegExp(`^${t.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '.+')}$`).test(path));
  }

  private validate(parts: string[], value: unknown): string[] {
    const check = this.ajv.compile({ $ref: `openapi.json#/${pointer(parts)}` });
    return check(value) ? [] : (check.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message} ${JSON.stringify(e.params)}`);
  }

  /** Problems with a request: unknown operation, a query parameter not described or invalid, a JSON body not matching. */
  checkRequest(method: string, url: URL, body?: unknown): string[] {
    const template = this.template(url.pathname);
    const m = method.toLowerCase();
    if (!template || !this.doc.paths[template][m]) return [`${method} ${url.pathname}: no such operation`];
    const op = this.doc.paths[template][m];
    const problems: string[] = [];
    const params: Json[] = op.parameters ?? [];
    for (const name of new Set(url.searchParams.keys())) {
      const i = params.findIndex((p) => p.in === 'query' && p.name === name);
      if (i < 0) {
        problems.push(`query parameter ${name} is not described`);
        continue;
      }
      const values = url.searchParams.getAll(name);
      const value = params[i]!.schema?.type === 'array' ? values : values[0];
      problems.push(...this.validate(['paths', template, m, 'parameters', String(i), 'schema'], value).map((p) => `query ${name}: ${p}`));
    }
    for (const p of params) if (p.in === 'query' && p.required && !url.searchParams.has(p.name)) problems.push(`query parameter ${p.name} is required`);
    if (body !== undefined) {
      if (!op.requestBody?.content?.['application/json']) problems.push('no JSON request body is described');
      else problems.push(...this.validate(['paths', template, m, 'requestBody', 'content', 'application/json', 'schema'], body).map((p) => `body: ${p}`));
    }
    return problems.map((p) => `${method} ${url.pathname}${url.search}: ${p}`);
  }

  /** Problems with an answer: status not documented, media type not documented, JSON body not matching. */
  checkResponse(method: string, url: URL, status: number, contentType: string | null, text: string): string[] {
    const template = this.template(url.pathname);
    const m = method.toLowerCase();
    const op = template ? this.doc.paths[template][m] : undefined;
    if (!op) return [`${method} ${url.pathname}: no such operation`];
    const key = [String(status), `${Math.floor(status / 100)}XX`, 'default'].find((k) => op.responses?.[k]);
    const where = `${method} ${url.pathname}${url.search} → ${status}`;
    if (!key) return [`${where}: status not documented (${Object.keys(op.responses ?? {}).join(', ')})`];
    const content: Json | undefined = op.responses[key].content;
    if (!content) return text === '' ? [] : [`${where}: a body where none is documented: ${text.slice(0, 200)}`];
    const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
    const documented = Object.keys(content).find((t) => t === media || t === '*/*' || (t.endsWith('/*') && media.startsWith(t.slice(0, -1))));
    if (!documented) return [`${where}: media type ${media} not documented (${Object.keys(content).join(', ')})`];
    if (!media.endsWith('json')) return [];
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return [`${where}: not JSON: ${text.slice(0, 200)}`];
    }
    return this.validate(['paths', template!, m, 'responses', key, 'content', documented, 'schema'], json).map((p) => `${where}: ${p}`);
  }
}
