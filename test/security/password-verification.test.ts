/**
 * Password verification runs one scrypt at a time: anyone can ask for one (a wrong
 * password, an unknown user), and 64 at once held all of libuv's pool threads, so the
 * gzip bodies and `?sync` writes of authenticated clients waited seconds behind them.
 */
import crypto from 'node:crypto';
import { expect } from 'chai';
import { hashPassword, verifyPassword } from '../../plugins/auth/secrets';

describe('security: password verification takes turns', () => {
  it('runs concurrent verifications one scrypt at a time, each with its own right answer', async () => {
    const stored = await hashPassword('right');
    const original = crypto.scrypt;
    let running = 0;
    let most = 0;
    (crypto as { scrypt: unknown }).scrypt = (...args: unknown[]) => {
      const done = args[args.length - 1] as (err: Error | null, key?: Buffer) => void;
      running++;
      most = Math.max(most, running);
      (original as (...a: unknown[]) => void)(...args.slice(0, -1), (err: Error | null, key?: Buffer) => {
        running--;
        done(err, key);
      });
    };
    try {
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => verifyPassword(i % 2 === 0 ? 'right' : `wrong${i}`, stored)));
      expect(answers).to.deep.equal([true, false, true, false, true, false, true, false]);
      expect(most).to.equal(1);
    } finally {
      (crypto as { scrypt: unknown }).scrypt = original;
    }
  });
});
