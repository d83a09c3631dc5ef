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

/** One line for an error JSON's message and details, for a person (see core's errorText). */
export { errorText as apiErrorText } from '../../core/errors';
