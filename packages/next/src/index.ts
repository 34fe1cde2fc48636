/** All an adapter needs from a Billkit instance. */
export interface BillkitHandler {
  readonly handler: (request: Request) => Promise<Response>
}

type RouteHandler = (request: Request) => Promise<Response>

/**
 * The exports of a catch-all route, e.g. `app/api/billing/[...path]/route.ts` with
 * `basePath: "/api/billing"`: `export const { GET, POST, PUT, PATCH, DELETE, OPTIONS, HEAD } = toNextJsHandler(billing)`.
 * Next passes a `NextRequest`, which is a `Request` with the full URL, so it goes through as is.
 */
export const toNextJsHandler = (
  billing: BillkitHandler
): Record<"GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" | "HEAD", RouteHandler> => {
  // A fresh arrow drops Next's second argument (`{ params }`); Billkit routes by URL alone.
  const handle: RouteHandler = (request) => billing.handler(request)
  return { GET: handle, POST: handle, PUT: handle, PATCH: handle, DELETE: handle, OPTIONS: handle, HEAD: handle }
}
