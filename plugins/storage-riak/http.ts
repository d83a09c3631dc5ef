/**
 * A small client for Riak KV's HTTP API (docs.riak.com "HTTP API"), on Node's fetch:
 * fetch / store objects with their vclock and siblings, secondary-index queries with
 * pagination, bucket properties, ping. No npm client fits: the maintained ones speak
 * protobuf, and the HTTP ones were last published for Riak 1.x. Several node URLs are
 * used round-robin (a load balancer in front of a cluster is one URL).
 *
 * Errors: a node that cannot be reached, or answers 5xx (a failed quorum, a timeout, a
 * node shutting down), throws a RiakUnavailable; other answers that the caller did not
 * expect throw a plain Error with Riak's own message.
 */

import { boundaryOf, parseMultipart } from './multipart';

export class RiakUnavailable extends Error {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Riak is unreachable (${reason})`, options);
  }
}

/** One version of an object: a sibling, or the whole object when it has none. */
export interface Sibling {
  value: Buffer;
  /** X-Riak-Meta-* headers, names lower-cased without the prefix */
  meta: Map<string, string>;
  etag: string;
  deleted: boolean;
}

/** A fetched object: its causal context and every sibling (one when there was no conflict). */
export interface RiakObject {
  vclock?: string;
  siblings: Sibling[];
}

export interface StoreOptions {
  vclock?: string;
  contentType?: string;
  /** secondary indexes: index name (with _bin / _int) → terms */
  indexes?: Record<string, readonly (string | number)[]>;
  meta?: Record<string, string>;
  /** answer the stored object (and any siblings a concurrent writer left): one round trip for the next write's vclock */
  returnBody?: boolean;
}

export interface Quorum {
  r?: string;
  w?: string;
  dw?: string;
}

export interface IndexQuery {
  /** exact match when `end` is absent */
  start: string | number;
  end?: string | number;
  returnTerms?: boolean;
  /** page size; results are sorted by term, then key, when paged */
  maxResults?: number;
}

/** A 2i result: the key, and the term when `returnTerms`. */
export interface IndexEntry {
  key: string;
  term?: string;
}

const enc = encodeURIComponent;

export class RiakHttp {
  private next = 0;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly urls: readonly string[],
    private readonly quorum: Quorum,
    private readonly timeoutMs: number,
    /** requests in flight at once: the rest wait (a batch fans out per chunk) */
    private readonly concurrency: number,
  ) {}

  private async request(path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
    if (this.active >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    const base = this.urls[this.next++ % this.urls.length]!;
    try {
      const res = await fetch(base + path, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
      // While a node starts (or stops), its web server is up before (or after) the KV service
      // routes: every path answers webmachine's HTML 404. Riak's own "not found" is text/plain.
      // Taking it for "no such object" would acknowledge a PUT that stored nothing.
      if (res.status === 404 && /html/i.test(res.headers.get('content-type') ?? '')) {
        await res.arrayBuffer().catch(() => undefined);
        throw new RiakUnavailable(`${init.method ?? 'GET'} ${path.split('?')[0]} answered the web server's 404: the KV service is not serving`);
      }
      if (res.status >= 500) {
        const text = await res.text().catch(() => '');
        throw new RiakUnavailable(`${init.method ?? 'GET'} ${path.split('?')[0]} answered ${res.status}: ${text.trim().slice(0, 200)}`);
      }
      return res;
    } catch (err) {
      if (err instanceof RiakUnavailable) throw err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? ((err as Error).name === 'TimeoutError' ? `no answer in ${this.timeoutMs} ms` : (cause?.message ?? (err as Error).message));
      throw new RiakUnavailable(`${base}: ${reason}`, { cause: err });
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  private quorumQuery(which: (keyof Quorum)[]): string {
    const q = which.filter((k) => this.quorum[k] !== undefined).map((k) => `${k}=${enc(this.quorum[k]!)}`);
    return q.join('&');
  }

  private static async fail(res: Response, what: string): Promise<never> {
    throw new Error(`Riak: ${what} answered ${res.status}: ${(await res.text().catch(() => '')).trim().slice(0, 300)}`);
  }

  async ping(): Promise<void> {
    const res = await this.request('/ping');
    if (res.status !== 200) await RiakHttp.fail(res, 'ping');
    await res.arrayBuffer();
  }

  async setBucketProps(bucket: string, props: Record<string, unknown>): Promise<void> {
    const res = await this.request(`/buckets/${enc(bucket)}/props`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ props }) });
    if (res.status !== 204) await RiakHttp.fail(res, `setting the properties of bucket ${bucket}`);
  }

  /** The object at bucket/key with all its siblings, or undefined when it does not exist. */
  async fetch(bucket: string, key: string): Promise<RiakObject | undefined> {
    const q = this.quorumQuery(['r']);
    const res = await this.request(`/buckets/${enc(bucket)}/keys/${enc(key)}${q ? '?' + q : ''}`, { headers: { accept: 'multipart/mixed, */*;q=0.5' } });
    return this.objectOf(res, `GET ${bucket}/${key}`);
  }

  /** Stores a value; with `returnBody`, answers the object as stored (siblings included). */
  async store(bucket: string, key: string, value: Uint8Array | string, options: StoreOptions = {}): Promise<RiakObject | undefined> {
    const headers = RiakHttp.storeHeaders(options);
    const q = [this.quorumQuery(['w', 'dw']), options.returnBody ? 'returnbody=true' : ''].filter(Boolean).join('&');
    const res = await this.request(`/buckets/${enc(bucket)}/keys/${enc(key)}${q ? '?' + q : ''}`, { method: 'PUT', headers, body: value });
    if (!options.returnBody) {
      if (res.status !== 204 && res.status !== 200) await RiakHttp.fail(res, `PUT ${bucket}/${key}`);
      await res.arrayBuffer();
      return undefined;
    }
    if (res.status === 404) await RiakHttp.fail(res, `PUT ${bucket}/${key}`);
    return this.objectOf(res, `PUT ${bucket}/${key}`);
  }

  /**
   * Stores a value only if the key holds no object (`If-None-Match: *`, checked by the node
   * that takes the request just before it writes: not atomic against a concurrent writer,
   * see storage-riak/meta-store.ts). Answers 'exists' (412), or the object as stored, with
   * the siblings a concurrent writer left.
   */
  async create(bucket: string, key: string, value: Uint8Array | string, options: Omit<StoreOptions, 'vclock' | 'returnBody'> = {}): Promise<RiakObject | 'exists'> {
    const headers = { ...RiakHttp.storeHeaders(options), 'if-none-match': '*' };
    const q = [this.quorumQuery(['w', 'dw']), 'returnbody=true'].filter(Boolean).join('&');
    const res = await this.request(`/buckets/${enc(bucket)}/keys/${enc(key)}?${q}`, { method: 'PUT', headers, body: value });
    if (res.status === 412) {
      await res.arrayBuffer();
      return 'exists';
    }
    if (res.status === 404) await RiakHttp.fail(res, `PUT ${bucket}/${key}`);
    const stored = await this.objectOf(res, `PUT ${bucket}/${key}`);
    if (!stored) throw new Error(`Riak: PUT ${bucket}/${key} answered no object`);
    return stored;
  }

  private static storeHeaders(options: StoreOptions): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/octet-stream', accept: 'multipart/mixed, */*;q=0.5' };
    if (options.vclock) headers['x-riak-vclock'] = options.vclock;
    for (const [name, terms] of Object.entries(options.indexes ?? {})) if (terms.length > 0) headers[`x-riak-index-${name}`] = terms.join(', ');
    for (const [name, v] of Object.entries(options.meta ?? {})) headers[`x-riak-meta-${name}`] = v;
    return headers;
  }

  async remove(bucket: string, key: string, vclock?: string): Promise<boolean> {
    const headers: Record<string, string> = vclock ? { 'x-riak-vclock': vclock } : {};
    const res = await this.request(`/buckets/${enc(bucket)}/keys/${enc(key)}`, { method: 'DELETE', headers });
    await res.arrayBuffer();
    if (res.status === 404) return false;
    if (res.status !== 204) await RiakHttp.fail(res, `DELETE ${bucket}/${key}`);
    return true;
  }

  private async objectOf(res: Response, what: string): Promise<RiakObject | undefined> {
    if (res.status === 404) {
      await res.arrayBuffer();
      return undefined;
    }
    const vclock = res.headers.get('x-riak-vclock') ?? undefined;
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status === 200) {
      const meta = new Map<string, string>();
      res.headers.forEach((v, k) => {
        if (k.startsWith('x-riak-meta-')) meta.set(k.slice(12), v);
      });
      return { vclock, siblings: [{ value: body, meta, etag: res.headers.get('etag') ?? '', deleted: res.headers.get('x-riak-deleted') === 'true' }] };
    }
    if (res.status === 300) {
      const boundary = boundaryOf(res.headers.get('content-type'));
      if (!boundary) throw new Error(`Riak: ${what} answered 300 without a multipart body (${res.headers.get('content-type')})`);
      const siblings = parseMultipart(body, boundary).map((part): Sibling => {
        const meta = new Map<string, string>();
        for (const [k, v] of part.headers) if (k.startsWith('x-riak-meta-')) meta.set(k.slice(12), v);
        return { value: part.body, meta, etag: part.headers.get('etag') ?? '', deleted: part.headers.get('x-riak-deleted') === 'true' };
      });
      return { vclock, siblings };
    }
    throw new Error(`Riak: ${what} answered ${res.status}: ${body.toString('utf8').trim().slice(0, 300)}`);
  }

  /**
   * Every entry of a secondary-index query, page by page (`maxResults` per page, following
   * Riak's continuation). Stops after `limit` entries.
   */
  async index(bucket: string, index: string, query: IndexQuery, limit = Infinity): Promise<IndexEntry[]> {
    const out: IndexEntry[] = [];
    const page = Math.min(query.maxResults ?? 10000, limit);
    let continuation: string | undefined;
    const range = query.end === undefined ? enc(String(query.start)) : `${enc(String(query.start))}/${enc(String(query.end))}`;
    do {
      const params = new URLSearchParams();
      if (query.returnTerms) params.set('return_terms', 'true');
      if (Number.isFinite(page)) params.set('max_results', String(page));
      if (continuation) params.set('continuation', continuation);
      const res = await this.request(`/buckets/${enc(bucket)}/index/${enc(index)}/${range}?${params}`);
      if (res.status !== 200) await RiakHttp.fail(res, `the ${index} query on ${bucket}`);
      const body = (await res.json()) as { keys?: string[]; results?: Record<string, string>[]; continuation?: string };
      if (body.keys) for (const key of body.keys) out.push({ key });
      if (body.results) for (const r of body.results) for (const [term, key] of Object.entries(r)) out.push({ key, term });
      continuation = body.continuation;
    } while (continuation && out.length < limit);
    if (out.length > limit) out.length = limit;
    return out;
  }
}
