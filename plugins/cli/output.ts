/**
 * Buffered text output with backpressure: lines are joined into ~64 KiB writes, and a
 * write the stream cannot take waits for 'drain', so exporting a large store holds one
 * buffer in memory, not the whole output. `.gz` files are compressed.
 */
import fs from 'node:fs';
import { once } from 'node:events';
import zlib from 'node:zlib';
import { finished } from 'node:stream/promises';

const FLUSH_AT = 64 * 1024;

export class TextOutput {
  private parts: string[] = [];
  private size = 0;
  private readonly closeTarget: () => Promise<void>;

  private constructor(
    private readonly target: NodeJS.WritableStream,
    closeTarget?: () => Promise<void>,
  ) {
    this.closeTarget = closeTarget ?? (async () => undefined);
  }

  /** stdout when `file` is undefined or `-`; a `.gz` name is gzip-compressed. */
  static open(file: string | undefined, stdout: NodeJS.WritableStream): TextOutput {
    if (file === undefined || file === '-') return new TextOutput(stdout);
    const out = fs.createWriteStream(file);
    if (file.endsWith('.gz')) {
      const gz = zlib.createGzip();
      gz.pipe(out);
      return new TextOutput(gz, async () => {
        gz.end();
        await finished(out);
      });
    }
    return new TextOutput(out, async () => {
      out.end();
      await finished(out);
    });
  }

  /** Adds text; resolves at once unless a buffer went out and the stream is full. */
  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= FLUSH_AT) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!this.target.write(chunk)) await once(this.target, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    await this.closeTarget();
  }
}
