/** A yes/no question on stderr, answered by a line on stdin (a terminal or a pipe). */
import readline from 'node:readline';

export async function confirm(question: string, stdin: NodeJS.ReadableStream, stderr: NodeJS.WritableStream): Promise<boolean> {
  const rl = readline.createInterface({ input: stdin, output: stderr, terminal: false });
  stderr.write(`${question} [y/N] `);
  try {
    for await (const line of rl) return /^\s*y(es)?\s*$/i.test(line);
    return false; // stdin ended without an answer: no
  } finally {
    rl.close();
  }
}
