import type { Handler } from "hono"

/** All an adapter needs from a Billkit instance. */
export interface BillkitHandler {
  readonly handler: (request: Request) => Promise<Response>
}

/**
 * Hono already speaks `Request → Response`, so this only hands over the raw request, whose URL
 * still holds the full path (Billkit matches it against its own `basePath`):
 * `app.all("/billing/*", toHonoHandler(billing))`.
 */
export const toHonoHandler =
  (billing: BillkitHandler): Handler =>
  (c) =>
    billing.handler(c.req.raw)
