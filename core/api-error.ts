/**
 * An error meant for a client, with the status and details OpenTSDB's error JSON carries
 * (`{"error":{"code","message","details"}}`). Route handlers throw it; the HTTP plugin
 * formats it; other protocols may map it to their own error form.
 */
export class ApiError extends Error {
  readonly statusCode: number;
  readonly details?: string;
  constructor(statusCode: number, message: string, details?: string) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = statusCode;
    this.details = details;
  }
}

/**
 * One line for an error JSON's message and details, for a person (the CLI over `--url`):
 * the details are left out when they repeat the message (OpenTSDB's NoSuchUniqueName
 * carries the same text in both) or say nothing more ("Bad request: Deleting …" keeps both).
 */
export function apiErrorText(error: { message?: unknown; details?: unknown }, join: (message: string, details: string) => string = (m, d) => `${m}: ${d}`): string {
  const message = error.message === undefined || error.message === null ? '' : String(error.message);
  const details = error.details === undefined || error.details === null ? '' : String(error.details);
  if (!details || message.includes(details)) return message;
  if (!message || details.includes(message)) return details;
  return join(message, details);
}
