/**
 * Riak's sibling format: a GET (or a PUT with `returnbody`) of an object with siblings
 * answers `300 Multiple Choices` with a `multipart/mixed` body, one part per sibling,
 * each with its own headers (`X-Riak-Meta-*`, `x-riak-index-*`, `X-Riak-Deleted` for a
 * tombstone) and its binary value. Parsed on the bytes, never as text: values are chunks.
 */

export interface Part {
  /** header names lower-cased */
  headers: Map<string, string>;
  body: Buffer;
}

/** The boundary of a `multipart/mixed; boundary=…` content type, or undefined. */
export function boundaryOf(contentType: string | null): string | undefined {
  const m = /boundary="?([^";]+)"?/i.exec(contentType ?? '');
  return m?.[1];
}

/**
 * The parts of a multipart body (RFC 2046): delimiters are CRLF "--boundary", the last
 * one followed by "--". Throws a RangeError on a body that does not follow it.
 */
export function parseMultipart(body: Buffer, boundary: string): Part[] {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // The first delimiter may open the body without the CRLF before it.
  const padded = Buffer.concat([Buffer.from('\r\n'), body]);
  const parts: Part[] = [];
  let at = padded.indexOf(delimiter);
  if (at < 0) throw new RangeError('multipart body without its boundary');
  for (;;) {
    const afterDelimiter = at + delimiter.length;
    if (padded[afterDelimiter] === 0x2d && padded[afterDelimiter + 1] === 0x2d) return parts; // "--": the end
    const headersStart = padded.indexOf('\r\n', afterDelimiter) + 2;
    const next = padded.indexOf(delimiter, headersStart);
    if (headersStart < 2 || next < 0) throw new RangeError('multipart body ends inside a part');
    const headerEnd = padded.indexOf('\r\n\r\n', headersStart - 2);
    const headers = new Map<string, string>();
    let bodyStart: number;
    if (headerEnd < 0 || headerEnd >= next) bodyStart = next; // a part with headers only
    else {
      for (const line of padded.subarray(headersStart, headerEnd).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        // Riak repeats index headers once per term: keep them all, comma-separated as HTTP does.
        headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
      }
      bodyStart = headerEnd + 4;
    }
    parts.push({ headers, body: Buffer.from(padded.subarray(bodyStart, next)) });
    at = next;
  }
}
