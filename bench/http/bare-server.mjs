// The baseline: Hono on @hono/node-server answering GET /v1/customers/:id with the JSON body
// captured from Billkit (BENCH_BODY), with no auth, rate limit or database.
import { serve } from "@hono/node-server"
import { Hono } from "hono"

const body = JSON.parse(process.env.BENCH_BODY ?? "{}")
const app = new Hono()
// c.json serialises per request, as Billkit must: the baseline pays for JSON too.
app.get("/v1/customers/:id", (c) => c.json(body))

const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
  console.log(`Bare Hono listening on http://127.0.0.1:${info.port}`)
})
process.once("SIGTERM", () => server.close(() => process.exit(0)))
