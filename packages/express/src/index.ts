import type { IncomingMessage, ServerResponse } from "node:http"
import { Readable } from "node:stream"
import { pipeline } from "node:stream/promises"
import type { ReadableStream as NodeReadableStream } from "node:stream/web"

/** All an adapter needs from a Billkit instance. */
export interface BillkitHandler {
  readonly handler: (request: Request) => Promise<Response>
}

/** What Express adds to Node's request; each field is optional so plain `node:http` works too. */
type NodeRequest = IncomingMessage & { originalUrl?: string; protocol?: string; body?: unknown }

/**
 * Mounts Billkit in Express (4 or 5) or a plain `node:http` server:
 * `app.all("/billing/*splat", toExpressHandler(billing))`.
 */
export const toExpressHandler =
  (billing: BillkitHandler) =>
  async (req: NodeRequest, res: ServerResponse, next?: (error?: unknown) => void): Promise<void> => {
    try {
      const response = await billing.handler(toWebRequest(req, res))
      await writeWebResponse(response, res)
    } catch (error) {
      if (next) return next(error)
      res.statusCode = 500
      res.end()
    }
  }

const toWebRequest = (req: NodeRequest, res: ServerResponse): Request => {
  const protocol = req.protocol ?? ("encrypted" in req.socket ? "https" : "http")
  // originalUrl keeps the mount path that `app.use("/billing", …)` strips, so basePath still matches.
  const url = new URL(req.originalUrl ?? req.url ?? "/", `${protocol}://${req.headers.host ?? "localhost"}`)
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith(":") || value === undefined) continue // HTTP/2 pseudo-headers
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item)
  }
  const abort = new AbortController()
  // Lets Billkit stop early when the client goes away before the response is written.
  res.once("close", () => res.writableFinished || abort.abort())
  const init: RequestInit & { duplex?: "half" } = { method: req.method, headers, signal: abort.signal }
  if (req.method !== "GET" && req.method !== "HEAD") {
    init.body = requestBody(req, headers)
    init.duplex = "half" // required by Node's fetch for a streamed body
  }
  return new Request(url, init)
}

/**
 * The body is streamed as it arrives. If a body parser (e.g. `express.json()`) ran first, the
 * stream is already drained, so `req.body` is sent instead: Buffers and strings as they are,
 * anything else re-serialized as JSON. Re-serialized JSON is equal but not byte-identical,
 * which breaks signature checks such as Stripe webhooks: mount Billkit before body parsers.
 */
const requestBody = (req: NodeRequest, headers: Headers): BodyInit | null => {
  if (!req.readableEnded || req.body === undefined) return Readable.toWeb(req) as ReadableStream
  headers.delete("content-length")
  headers.delete("transfer-encoding")
  if (typeof req.body === "string") return req.body
  if (Buffer.isBuffer(req.body)) return new Uint8Array(req.body) // express.raw()
  headers.set("content-type", "application/json")
  return JSON.stringify(req.body)
}

const writeWebResponse = async (response: Response, res: ServerResponse): Promise<void> => {
  res.statusCode = response.status
  for (const [name, value] of response.headers) if (name !== "set-cookie") res.setHeader(name, value)
  // Each cookie must stay its own header line; joined with commas they would be corrupted.
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) res.setHeader("set-cookie", cookies)
  if (response.body === null) return void res.end()
  await pipeline(Readable.fromWeb(response.body as NodeReadableStream), res)
}
