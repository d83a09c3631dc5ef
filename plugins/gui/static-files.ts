/**
 * A fixed table of files served by URL: folders are listed once at start-up, so a
 * request can only ever reach a file that was in the table (no path from the URL ever
 * touches the file system, hence no `..` traversal).
 */
import fs from 'node:fs';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=UTF-8',
  '.mjs': 'text/javascript; charset=UTF-8',
  '.css': 'text/css; charset=UTF-8',
  '.json': 'application/json; charset=UTF-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.html': 'text/html; charset=UTF-8',
  '.txt': 'text/plain; charset=UTF-8',
};

export interface StaticFile {
  body: Buffer;
  type: string;
}

export class StaticFiles {
  private readonly files = new Map<string, StaticFile>();

  /** Serves `file` at `url`. */
  addFile(url: string, file: string): void {
    this.files.set(url, { body: fs.readFileSync(file), type: TYPES[path.extname(file)] ?? 'application/octet-stream' });
  }

  /** Serves every file under `dir` (recursively) at `prefix` + its relative path. */
  addDir(prefix: string, dir: string): void {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
      // package.json only tells Node (tests, tools) that the folder holds ES modules
      if (!entry.isFile() || entry.name === 'package.json') continue;
      const full = path.join(entry.parentPath, entry.name);
      this.addFile(prefix + path.relative(dir, full).split(path.sep).join('/'), full);
    }
  }

  get(url: string): StaticFile | undefined {
    return this.files.get(url);
  }
}
