/** What a rejection or a throw gave, as an Error: itself when it is one, else an Error of its text (results that carry per-item failures hold Errors). */
export function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
