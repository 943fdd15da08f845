// Calls to Turnpike's JSON API from its pages. Failures come back as values
// ({ ok: false, status, code, message }), so a page can explain them instead of breaking.

/** GETs `path` and returns `{ ok: true, body }` or `{ ok: false, status, code, message }`. */
export async function getJson(path) {
  let res;
  try {
    res = await fetch(path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  } catch (err) {
    return { ok: false, status: 0, code: 'network', message: String(err && err.message ? err.message : err) };
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    // A non-JSON answer (a proxy's error page, say) is described by its status alone.
  }
  if (res.ok) return { ok: true, body };
  const error = body && body.error ? body.error : {};
  return { ok: false, status: res.status, code: error.code ?? 'http', message: error.message ?? res.statusText };
}
