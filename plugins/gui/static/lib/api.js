// The daemon's public HTTP API, as any browser client uses it. Errors come back as
// OpenTSDB's `{"error":{"code","message","details"}}`, turned into ApiError here.

export class ApiError extends Error {
  constructor(status, message, details) {
    super(message);
    this.status = status;
    this.details = details;
  }
}

async function reply(response, parse = JSON.parse) {
  const text = await response.text();
  let body;
  try {
    body = text ? parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const error = body && body.error;
    throw new ApiError(response.status, (error && error.message) || `HTTP ${response.status}`, error && error.details);
  }
  return body;
}

export async function apiGet(path, init) {
  return reply(await fetch(path, init));
}

/** POSTs `body` as JSON; `parse` reads the answer (default JSON.parse). */
export async function apiPost(path, body, init, parse) {
  return reply(await fetch(path, { ...init, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }), parse);
}

/** /api/suggest: names of `type` (metrics, tagk, tagv) starting with `q`. */
export function suggest(type, q, max = 15) {
  const params = new URLSearchParams({ type, q, max: String(max) });
  return apiGet(`/api/suggest?${params}`);
}
