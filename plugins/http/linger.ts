/**
 * A lingering close (nginx's `lingering_close`): a request refused before its body was read
 * has that body read and dropped before the refusal is sent. Why: closing a socket with
 * unread bytes in it makes the kernel send RST, and a client that writes its whole body
 * before it reads the answer (Python's urllib, many collectors) then sees a broken pipe or
 * a connection reset instead of the 503 or 413.
 */
import type { IncomingMessage } from 'node:http';

/** How long (ms) a refused request's body is read and dropped before the refusal is sent regardless (nginx's lingering_time default). */
export const LINGER_MS = 30_000;

/** Reads `request`'s body to its end and drops it; true when it ended within `limitMs`, false on timeout or when the client left. */
export function discardBody(request: IncomingMessage, limitMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const finish = (ended: boolean): void => {
      clearTimeout(timer);
      request.removeListener('end', onEnd);
      request.removeListener('close', onClose);
      resolve(ended);
    };
    const onEnd = (): void => finish(true);
    const onClose = (): void => finish(request.complete);
    const timer = setTimeout(() => finish(false), limitMs);
    if (request.complete) return finish(true);
    request.once('end', onEnd);
    request.once('close', onClose);
    request.resume();
  });
}
