// The floor of Billkit's stack: Hono on @hono/node-server handing the request to an Effect HttpApi
// web handler (`HttpApiBuilder.toWebHandler`, tracing off as in Billkit) whose one endpoint returns
// the same JSON (BENCH_BODY) with no auth, rate limit, database or schema work. Billkit can be no
// faster than this; the gap between it and bare Hono is what the Effect HTTP layer costs.
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, HttpServer } from "@effect/platform"
import { serve } from "@hono/node-server"
import { Effect, Layer, Schema } from "effect"
import { Hono } from "hono"

const body = JSON.parse(process.env.BENCH_BODY ?? "{}")
const id = HttpApiSchema.param("id", Schema.String)
const Api = HttpApi.make("floor").add(
  HttpApiGroup.make("customers").add(HttpApiEndpoint.get("retrieve")`/v1/customers/${id}`.addSuccess(Schema.Unknown))
)
const Customers = HttpApiBuilder.group(Api, "customers", (handlers) => handlers.handle("retrieve", () => Effect.succeed(body)))
const web = HttpApiBuilder.toWebHandler(
  Layer.mergeAll(HttpApiBuilder.api(Api).pipe(Layer.provide(Customers)), HttpServer.layerContext, Layer.setTracerEnabled(false))
)

const app = new Hono()
app.all("*", (c) => web.handler(c.req.raw))
const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
  console.log(`HttpApi floor listening on http://127.0.0.1:${info.port}`)
})
process.once("SIGTERM", () => server.close(() => process.exit(0)))
