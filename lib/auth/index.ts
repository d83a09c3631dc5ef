/**
 * The authentication contract every protocol plugin consults, and the `auth` plugin
 * fulfils. The auth plugin registers an `authenticator` in the container; each protocol
 * plugin reads its own protocol's credentials (HTTP `Authorization`, the telnet `auth`
 * command, the raw-TCP protobuf `authorization` field, a verified TLS client
 * certificate), asks the authenticator who they prove, and checks the scope the route
 * or command declares — once per request, connection or auth command, never per point.
 * Without an authenticator (no auth plugin loaded) every protocol stays open, as before.
 * Route → scope map and options: docs/security.md.
 */
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { DsdbContainer } from '../../core';

/**
 * What a principal may do. `read`: queries, lookups, suggestions, stats, the GUI.
 * `write`: storing points (telnet put, /api/put, protobuf, remote_write). `admin`:
 * deleting data, changing annotations, configuration and cache routes; it implies the
 * other two.
 */
export type Scope = 'read' | 'write' | 'admin';
export const SCOPES: readonly Scope[] = ['read', 'write', 'admin'];

/**
 * What a route or command requires: a scope, or `none` for what anyone may do (the
 * version, `help`, `exit`, `auth` itself). A route may map methods to scopes
 * (`{ GET: 'read', DELETE: 'admin' }`); HEAD takes GET's. Declaring nothing means
 * `admin`: with auth on, a route nobody thought about is closed, not open.
 */
export type RequiredScope = Scope | 'none';
export type RouteScope = RequiredScope | Readonly<Partial<Record<'GET' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS', RequiredScope>>>;

/** Who a request or connection acts as. */
export interface Principal {
  /** the token's, user's or certificate subject's configured name (for logs) */
  readonly name: string;
  readonly scopes: ReadonlySet<Scope>;
}

/** Credentials as a protocol received them. */
export type Credentials =
  | { kind: 'bearer'; token: string }
  | { kind: 'basic'; user: string; password: string }
  /** the subject CN of a client certificate the tls plugin verified against its `ca` */
  | { kind: 'certificate'; subject: string };

/** The service the auth plugin registers as `authenticator`. */
export interface Authenticator {
  /** for `WWW-Authenticate: Basic realm="…"` */
  readonly realm: string;
  /**
   * The principal `credentials` prove, or undefined when they prove nothing (unknown
   * token or user, wrong password, certificate subject not configured). Never rejects.
   */
  authenticate(credentials: Credentials): Promise<Principal | undefined>;
}

declare module '../../core/container' {
  interface Cradle {
    /** registered by the auth plugin; absent when authentication is off */
    authenticator: Authenticator;
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** the scope a request to this route needs when auth is on (RouteScope; undeclared: admin) */
    scope?: RouteScope;
  }
  interface FastifyRequest {
    /** who sent the request, when auth is on (set before the handler runs) */
    principal?: Principal;
  }
}

/**
 * The principal of every request and connection while auth is off: it holds every scope.
 * A handler that needs a scope beyond its route's (a body asking to delete) checks
 * `allows(request.principal, …)`; with auth on a request without a principal is refused.
 */
export const ANYONE: Principal = Object.freeze({ name: 'anyone (auth off)', scopes: new Set<Scope>(SCOPES) });

/** The registered authenticator, or undefined when auth is off. Resolve it once (at `kernel.starting`), not per request. */
export function getAuthenticator(container: DsdbContainer): Authenticator | undefined {
  return container.hasRegistration('authenticator') ? container.resolve('authenticator') : undefined;
}

/** Whether `principal` holds `scope` (`admin` holds every scope). */
export function allows(principal: Principal | undefined, scope: RequiredScope): boolean {
  if (scope === 'none') return true;
  return principal !== undefined && (principal.scopes.has(scope) || principal.scopes.has('admin'));
}

/**
 * The method a request acts as. OpenTSDB's HttpQuery.getAPIMethod lets a GET name another
 * with `?method_override=post|put|delete` (any case), and the uid-meta, annotation and
 * tree endpoints change data that way: the scope a request needs and the cross-origin
 * check follow the method named, never the GET. Given more than once, the first value
 * naming a change counts (a route may read either one).
 */
export function effectiveMethod(method: string, query: unknown): string {
  if (method !== 'GET' && method !== 'HEAD') return method;
  const raw = (query as Record<string, unknown> | null | undefined)?.method_override;
  for (const value of Array.isArray(raw) ? raw : [raw]) {
    if (typeof value !== 'string') continue;
    const upper = value.toUpperCase();
    if (upper === 'POST' || upper === 'PUT' || upper === 'DELETE') return upper;
  }
  return method;
}

/** The scope `declared` asks of `method`; undeclared (or a method it does not list) is `admin`. */
export function requiredScope(declared: RouteScope | undefined, method: string): RequiredScope {
  if (declared === undefined) return 'admin';
  if (typeof declared === 'string') return declared;
  const key = (method === 'HEAD' ? 'GET' : method) as keyof typeof declared;
  return declared[key] ?? 'admin';
}

/**
 * Reads an HTTP `Authorization` value (RFC 7617 Basic, RFC 6750 Bearer); the same text
 * is what the raw-TCP protobuf `authorization` field carries. Returns undefined for a
 * scheme it does not know or a malformed value.
 */
export function parseAuthorization(value: string): Credentials | undefined {
  const space = value.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = value.slice(0, space).toLowerCase();
  const rest = value.slice(space + 1).trim();
  if (scheme === 'bearer') return rest ? { kind: 'bearer', token: rest } : undefined;
  if (scheme !== 'basic') return undefined;
  const decoded = Buffer.from(rest, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { kind: 'basic', user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * The credentials of a connection's verified TLS client certificate: its subject CN,
 * when the connection is TLS and the certificate passed the tls plugin's `ca` check
 * (a certificate that did not pass never gets this far). Undefined otherwise.
 */
export function certificateCredentials(socket: Duplex | undefined): Credentials | undefined {
  if (!(socket instanceof tls.TLSSocket) || !socket.authorized) return undefined;
  const subject = socket.getPeerCertificate()?.subject?.CN;
  const cn = Array.isArray(subject) ? subject[0] : subject;
  return cn ? { kind: 'certificate', subject: cn } : undefined;
}
