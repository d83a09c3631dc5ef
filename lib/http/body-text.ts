/**
 * A request body as text: the http plugin hands routes their bodies raw (a Buffer; a
 * string from a test's inject). Anything else, or no body, is ''. The OpenTSDB endpoints
 * that read JSON parse this text themselves, with OpenTSDB's error messages.
 */
export function rawBodyText(body: unknown): string {
  return Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : '';
}
