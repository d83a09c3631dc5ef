/**
 * Authentication on every HTTP request when an authenticator is registered (the auth
 * plugin): `Authorization: Bearer <token>` or `Basic <user:password>`, else a verified
 * TLS client certificate. No or wrong credentials: 401 with `WWW-Authenticate` and
 * OpenTSDB's error JSON; a principal without the route's scope: 403. The scope is the
 * route's `config.scope` (lib/auth RouteScope); a route that declares none needs
 * `admin`, and an unknown path needs any valid principal before it is told 404.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { throttledLog } from '../../core';
import { allows, certificateCredentials, effectiveMethod, parseAuthorization, requiredScope, type Authenticator, type Principal, type RequiredScope } from '../../lib/auth';
import { errorBody } from './errors';

/** How often a refusal of wrong credentials is logged at most (with how many since). */
const REFUSALS_LOGGED_EVERY_MS = 60_000;

export function installAuthentication(app: FastifyInstance, authenticator: Authenticator): void {
  // any client can send wrong credentials: at most a line a minute, the path without its query
  const logRefusal = throttledLog(REFUSALS_LOGGED_EVERY_MS, (fields) => app.log.info(fields, 'HTTP requests with invalid credentials refused'));
  const challenge = [`Basic realm="${authenticator.realm}", charset="UTF-8"`, `Bearer realm="${authenticator.realm}"`];
  const unauthorized = (reply: FastifyReply, message: string, details: string) =>
    reply.code(401).header('www-authenticate', challenge).send(errorBody(401, message, details));

  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request, reply) => {
    // a GET that names another method (?method_override=delete) needs that method's scope
    const scope: RequiredScope | 'any' = request.is404 ? 'any' : requiredScope(request.routeOptions.config?.scope, effectiveMethod(request.method, request.query));
    if (scope === 'none') return;
    let principal: Principal | undefined;
    const header = request.headers.authorization;
    if (header !== undefined) {
      const credentials = parseAuthorization(header);
      if (!credentials) return unauthorized(reply, 'Authentication required', 'the Authorization header is neither "Bearer <token>" nor "Basic <base64 user:password>"');
      principal = await authenticator.authenticate(credentials);
      if (!principal) {
        logRefusal({ kind: credentials.kind, path: request.url.split('?')[0]!.slice(0, 200), remote: request.ip });
        return unauthorized(reply, 'Invalid credentials', 'the token or user and password given are not accepted');
      }
    } else {
      const certificate = certificateCredentials(request.raw.socket);
      principal = certificate && (await authenticator.authenticate(certificate));
      if (!principal) return unauthorized(reply, 'Authentication required', 'send Authorization: Bearer <token> or Basic credentials');
    }
    request.principal = principal;
    if (scope !== 'any' && !allows(principal, scope)) return forbidden(request, reply, principal, scope);
  });
}

function forbidden(request: FastifyRequest, reply: FastifyReply, principal: Principal, scope: RequiredScope): FastifyReply {
  return reply.code(403).send(errorBody(403, 'Forbidden', `${principal.name} lacks the ${scope} scope this request needs (${effectiveMethod(request.method, request.query)} ${request.url.split('?')[0]})`));
}
