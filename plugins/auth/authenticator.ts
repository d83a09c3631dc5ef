/**
 * The authenticator the auth plugin registers: configured tokens (by SHA-256), basic
 * users (scrypt) and certificate subjects, each with its scopes.
 */
import crypto from 'node:crypto';
import type { Authenticator, Credentials, Principal, Scope } from '../../lib/auth';
import { sha256Hex, verifyPassword } from './secrets';

export interface TokenEntry {
  name: string;
  sha256: string;
  scopes: Scope[];
}
export interface UserEntry {
  name: string;
  password: string;
  scopes: Scope[];
}
export interface CertificateEntry {
  subject: string;
  scopes: Scope[];
}

/** Verified basic credentials kept so a collector's every request does not pay for scrypt. */
const MAX_CACHED = 1024;

export class ConfiguredAuthenticator implements Authenticator {
  private readonly tokens = new Map<string, Principal>();
  private readonly users = new Map<string, { password: string; principal: Principal }>();
  private readonly certificates = new Map<string, Principal>();
  /** `user \0 sha256(password)` → principal, for credentials scrypt already accepted */
  private readonly verified = new Map<string, Principal>();

  constructor(
    readonly realm: string,
    config: { tokens: TokenEntry[]; users: UserEntry[]; certificates: CertificateEntry[] },
  ) {
    const principal = (name: string, scopes: Scope[]): Principal => Object.freeze({ name, scopes: new Set(scopes) });
    for (const t of config.tokens) this.tokens.set(t.sha256.toLowerCase(), principal(t.name, t.scopes));
    for (const u of config.users) this.users.set(u.name, { password: u.password, principal: principal(u.name, u.scopes) });
    for (const c of config.certificates) this.certificates.set(c.subject, principal(c.subject, c.scopes));
  }

  async authenticate(credentials: Credentials): Promise<Principal | undefined> {
    switch (credentials.kind) {
      case 'bearer':
        // Looked up by the hash of what was sent: the timing tells nothing about a stored token.
        return this.tokens.get(sha256Hex(credentials.token));
      case 'certificate':
        return this.certificates.get(credentials.subject);
      case 'basic':
        return this.basic(credentials.user, credentials.password);
      default:
        return undefined;
    }
  }

  private async basic(user: string, password: string): Promise<Principal | undefined> {
    const key = `${user}\0${crypto.createHash('sha256').update(password).digest('base64')}`;
    const cached = this.verified.get(key);
    if (cached) return cached;
    const entry = this.users.get(user);
    if (!entry) {
      // The same work as a known user, so response time does not tell which users exist.
      await verifyPassword(password, DUMMY_HASH);
      return undefined;
    }
    if (!(await verifyPassword(password, entry.password))) return undefined;
    if (this.verified.size >= MAX_CACHED) this.verified.clear();
    this.verified.set(key, entry.principal);
    return entry.principal;
  }
}

/** A valid hash of a random password, verified against for unknown users. */
const DUMMY_HASH = `scrypt:${crypto.randomBytes(16).toString('base64')}:${crypto.randomBytes(32).toString('base64')}`;
