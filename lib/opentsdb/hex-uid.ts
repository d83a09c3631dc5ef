/**
 * UniqueId.stringToUid's parse of a hex UID, TSUID or branch id in OpenTSDB 2.4.1: an odd
 * length gets a leading 0, then DatatypeConverter.parseHexBinary refuses any character that
 * is no hex digit with a 400 "contains illegal character for hexBinary: <the padded text>"
 * (message and details, as the real server answers). Used where OpenTSDB parses such text
 * from a request: /api/query TSUIDs, /api/tree branch ids and test TSUIDs.
 */
import { ApiError } from './api-error';

const HEX = /^[0-9a-fA-F]*$/;

/** `text` padded to an even length with a leading 0; throws ApiError 400 when it holds a non-hex character. */
export function hexBinaryUid(text: string): string {
  const padded = text.length % 2 !== 0 ? `0${text}` : text;
  if (!HEX.test(padded)) {
    const message = `contains illegal character for hexBinary: ${padded}`;
    throw new ApiError(400, message, message);
  }
  return padded;
}
