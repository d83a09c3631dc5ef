/**
 * `auth`: who may read, write and administer. Registers the `authenticator` service
 * (lib/auth) with the configured API tokens, HTTP basic users and TLS client certificate
 * subjects, each with scopes; the protocol plugins (http, telnet, protobuf) ask it once
 * per request or connection. Not loaded by default: without it every protocol is open.
 * Options, the route → scope map and examples: docs/security.md.
 */
import { asValue } from 'awilix';
import { ConfigError, definePlugin, Type } from '../../core';
import { SCOPES } from '../../lib/auth';
import { authCommand } from './auth-command';
import { ConfiguredAuthenticator } from './authenticator';
import { isPasswordHash } from './secrets';

const ScopeList = Type.Array(Type.Union(SCOPES.map((s) => Type.Literal(s))), { minItems: 1, uniqueItems: true });

export default definePlugin({
  name: 'auth',
  provides: ['service:authenticator'],
  options: Type.Object(
    {
      /** `WWW-Authenticate` realm (what a browser's login prompt shows) */
      realm: Type.String({ default: 'dsdb', pattern: '^[^"\\\\]*$' }),
      /** API tokens: `Authorization: Bearer <token>`, telnet `auth <token>`, protobuf `authorization` */
      tokens: Type.Array(
        Type.Object(
          {
            /** who the token belongs to (logs) */
            name: Type.String({ minLength: 1 }),
            /** SHA-256 of the token, hex (`dsdb auth token`; `printf %s "$TOKEN" | sha256sum`) */
            sha256: Type.String({ pattern: '^[0-9a-fA-F]{64}$' }),
            scopes: ScopeList,
          },
          { additionalProperties: false },
        ),
        { default: [] },
      ),
      /** HTTP basic users (also telnet `auth <user> <password>`) */
      users: Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1, pattern: '^[^:\\s]+$' }),
            /** `scrypt:<salt>:<key>` from `dsdb auth password` */
            password: Type.String(),
            scopes: ScopeList,
          },
          { additionalProperties: false },
        ),
        { default: [] },
      ),
      /** TLS client certificates (verified by the tls plugin's `ca`), by subject CN */
      certificates: Type.Array(
        Type.Object({ subject: Type.String({ minLength: 1 }), scopes: ScopeList }, { additionalProperties: false }),
        { default: [] },
      ),
    },
    { additionalProperties: false },
  ),
  register({ container, hooks, log, configFile, configKey }, options) {
    options.users.forEach((user, i) => {
      if (!isPasswordHash(user.password)) {
        throw new ConfigError(configFile, `${configKey}.users[${i}].password`, 'must be a hash from `dsdb auth password` (scrypt:<salt>:<key>), never the password itself');
      }
    });
    hooks.kernel.starting.tap('auth', () => {
      if (options.tokens.length + options.users.length + options.certificates.length === 0) {
        log.warn('auth is on with no tokens, users or certificates: every request that needs a scope is refused');
      }
    });
    container.register('authenticator', asValue(new ConfiguredAuthenticator(options.realm, options)));
    hooks.cli.commands.tap('auth', (commands) => commands.add('auth', authCommand, 'auth'));
  },
});
