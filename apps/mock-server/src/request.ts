// What the mock reads off a request before any route does: the method the client sent (a HEAD
// the app answers as a GET stays a HEAD) and the raw path. Apart from routes/, so that the
// runtime adapters use it without importing the routes.

// GET requests the app made from HEAD ones (see `headAsGet`): weakly held, so a request that has
// been answered leaves nothing behind.
const fromHead = new WeakSet<Request>()

/**
 * The GET request the app dispatches for a HEAD one (it answers HEAD as GET without a body),
 * remembered as a HEAD, so that the journal, the refusal texts and AK/SK verification (which
 * signs the method) see the method the client sent: see {@link clientMethod}.
 *
 * @example
 * const response = await dispatch(headAsGet(request))
 * clientMethod(headAsGet(request)) // 'HEAD'
 */
export function headAsGet(request: Request): Request {
  const get = new Request(request, { method: 'GET' })
  fromHead.add(get)
  return get
}

/**
 * The method the client sent: `HEAD` for a request the app rewrote to GET, else the request's.
 *
 * @example
 * clientMethod(c.req.raw) // 'HEAD' for `curl -I`
 */
export function clientMethod(request: Request): string {
  const method = request.method
  return method === 'GET' && fromHead.has(request) ? 'HEAD' : method
}

/** The raw (still percent-encoded) path of a request URL, without query or fragment. */
export function rawPath(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2)
  if (start < 0) return '/'
  let end = url.length
  const q = url.indexOf('?', start)
  if (q >= 0) end = q
  const h = url.indexOf('#', start)
  if (h >= 0 && h < end) end = h
  return url.slice(start, end)
}
