/** lib/opentsdb/shared-bytes.ts: copies into shared memory, and the pool of lent shared buffers. */
import { expect } from 'chai';
import { copyIntoShared, isShared, sharedBuffer, SharedBufferPool } from '../../lib/opentsdb/shared-bytes';

describe('shared bytes for the parse workers', () => {
  it('copies a range into shared memory at an offset, and tells shared bytes from others', () => {
    const target = sharedBuffer(16);
    copyIntoShared(target, 3, Buffer.from('abcdefgh'), 2, 6);
    expect(target.subarray(3, 7).toString()).to.equal('cdef');
    expect(target[2]).to.equal(0);
    expect(target[7]).to.equal(0);
    copyIntoShared(target, 0, Buffer.from('xyz'), 1, 1); // empty range: nothing written
    expect(target[0]).to.equal(0);
    expect(isShared(target)).to.equal(true);
    expect(isShared(Buffer.from('a'))).to.equal(false);
  });

  it('lends a shared copy, gives a released buffer to the next body that fits, and a new one to a larger body', () => {
    const pool = new SharedBufferPool(2, 1 << 20, 1024);
    const first = pool.lend(Buffer.from('first body'));
    expect(isShared(first)).to.equal(true);
    expect(first.subarray(0, 10).toString()).to.equal('first body');
    expect(first.length).to.equal(1024);
    pool.release(first);
    const again = pool.lend(Buffer.from('second'));
    expect(again).to.equal(first);
    expect(again.subarray(0, 6).toString()).to.equal('second');
    const large = pool.lend(Buffer.alloc(3000, 0x61));
    expect(large).to.not.equal(first);
    expect(large.length).to.equal(4096);
    pool.release(again);
    pool.release(large);
    // the smallest spare that fits
    expect(pool.lend(Buffer.alloc(100))).to.equal(first);
    expect(pool.lend(Buffer.alloc(2000))).to.equal(large);
  });

  it('keeps at most maxSpare buffers, the larger ones, and none over maxKeptBytes', () => {
    const pool = new SharedBufferPool(2, 8192, 1024);
    const lent = [pool.lend(Buffer.alloc(10)), pool.lend(Buffer.alloc(2000)), pool.lend(Buffer.alloc(5000)), pool.lend(Buffer.alloc(9000))];
    expect(lent.map((b) => b.length)).to.deep.equal([1024, 2048, 8192, 16384]);
    for (const b of lent) pool.release(b);
    expect(pool.spareCount).to.equal(2);
    // the 16 KiB one was over the bound; of the others the two largest stayed
    expect(pool.lend(Buffer.alloc(5000))).to.equal(lent[2]);
    expect(pool.lend(Buffer.alloc(1500))).to.equal(lent[1]);
    expect(pool.spareCount).to.equal(0);
  });
});
