/**
 * How the auth plugin stores secrets: API tokens as the SHA-256 of the token (hex; a
 * token is random, so a fast hash is enough), passwords as salted scrypt
 * (`scrypt:<salt base64>:<key base64>`, N=16384 r=8 p=1, 32-byte key), so the config
 * file never holds a usable secret. `dsdb auth token` and `dsdb auth password` make them.
 */
import crypto from 'node:crypto';

const SCRYPT = { N: 16384, r: 8, p: 1 } as const;
const KEY_BYTES = 32;

export function sha256Hex(text: string): string {
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A new random token (32 bytes, base64url): what a client sends as `Bearer <token>`. */
export function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export function isPasswordHash(text: string): boolean {
  return /^scrypt:[A-Za-z0-9+/]+=*:[A-Za-z0-9+/]+=*$/.test(text);
}

function scrypt(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    // async: runs on libuv's thread pool, so wrong passwords cannot stall the event loop
    crypto.scrypt(password, salt, KEY_BYTES, SCRYPT, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  return `scrypt:${salt.toString('base64')}:${(await scrypt(password, salt)).toString('base64')}`;
}

/**
 * The verifications queued: they run one at a time. Each scrypt takes one of libuv's four
 * pool threads and 16 MiB for ~50 ms, and anyone can ask for one (a wrong password, an
 * unknown user's dummy run): 64 at once held the whole pool, so gzip bodies and `?sync`
 * writes of authenticated clients waited seconds behind them, and took 1 GiB. In a queue
 * they wait behind each other instead (a cached login costs none: authenticator.ts).
 */
let verifications: Promise<unknown> = Promise.resolve();

function scryptInTurn(password: string, salt: Buffer): Promise<Buffer> {
  const turn = verifications.then(() => scrypt(password, salt));
  verifications = turn.catch(() => undefined);
  return turn;
}

/** Whether `password` matches `stored` (a hashPassword result), in constant time; verifications run one at a time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [, salt, key] = stored.split(':');
  const expected = Buffer.from(key!, 'base64');
  const actual = await scryptInTurn(password, Buffer.from(salt!, 'base64'));
  return actual.length === expected.length && crypto.timingSafeEqual(actual, expected);
}
