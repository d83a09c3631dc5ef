import { expect } from 'chai';
import { throttledLog } from '../../core';

describe('kernel: throttledLog', () => {
  it('writes the first event at once, then at most one line a period with how many happened since', async () => {
    const lines: Record<string, unknown>[] = [];
    const note = throttledLog(40, (fields) => lines.push(fields));
    note({ remote: 'a' });
    for (let i = 0; i < 999; i++) note({ remote: 'b' });
    expect(lines).to.deep.equal([{ remote: 'a', times: 1 }]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    note({ remote: 'c' });
    expect(lines).to.deep.equal([
      { remote: 'a', times: 1 },
      { remote: 'c', times: 1000 },
    ]);
  });
});
