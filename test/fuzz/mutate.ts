/**
 * Byte-level mutation of valid inputs (AFL's havoc stage in small): flip a bit, set an
 * "interesting" byte, insert, delete, duplicate or splice a run. Built from fast-check
 * arbitraries, so a failing input shrinks (fewer, smaller mutations) and replays from
 * the seed.
 */
import fc from 'fast-check';

/** Bytes parsers branch on: separators, quotes, signs, digits' edges, NUL, high bytes. */
const INTERESTING = [0x00, 0x0a, 0x0d, 0x20, 0x22, 0x2c, 0x2d, 0x2e, 0x30, 0x39, 0x3a, 0x3d, 0x5b, 0x5c, 0x5d, 0x7b, 0x7d, 0x7f, 0x80, 0xc3, 0xff];

type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; byte: number }
  | { op: 'insert'; at: number; bytes: number[] }
  | { op: 'delete'; at: number; length: number }
  | { op: 'duplicate'; at: number; length: number; times: number }
  | { op: 'truncate'; at: number };

const position = fc.nat({ max: 1 << 20 });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: position, bit: fc.nat({ max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: position, byte: fc.oneof(fc.constantFrom(...INTERESTING), fc.nat({ max: 255 })) }),
  fc.record({ op: fc.constant('insert' as const), at: position, bytes: fc.array(fc.oneof(fc.constantFrom(...INTERESTING), fc.nat({ max: 255 })), { minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: position, length: fc.integer({ min: 1, max: 32 }), times: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: position }),
);

function apply(input: Buffer, mutations: Mutation[]): Buffer {
  let b = Buffer.from(input);
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : m.at % (b.length + 1);
    switch (m.op) {
      case 'flip':
        if (at < b.length) b[at] = b[at]! ^ (1 << m.bit);
        break;
      case 'set':
        if (at < b.length) b[at] = m.byte;
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.length)]);
        break;
      case 'duplicate': {
        const run = b.subarray(at, at + m.length);
        b = Buffer.concat([b.subarray(0, at), ...Array<Buffer>(m.times).fill(run), b.subarray(at)]);
        break;
      }
      case 'truncate':
        b = b.subarray(0, at);
        break;
    }
  }
  return b;
}

/** `base` with 1 to 6 mutations applied. */
export function mutated(base: fc.Arbitrary<Buffer>): fc.Arbitrary<Buffer> {
  return fc.tuple(base, fc.array(mutation, { minLength: 1, maxLength: 6 })).map(([b, ms]) => apply(b, ms));
}

/** Any bytes, short or long. */
export const anyBytes: fc.Arbitrary<Buffer> = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
