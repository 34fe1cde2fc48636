// The real Billkit core mounted in a real Hono app on @hono/node-server, called over HTTP.
import type { AddressInfo } from "node:net"
import { serve } from "@hono/node-server"
import { Hono } from "hono"
import { toHonoHandler } from "@billkit/hono"
import { mountConformance } from "@billkit/testing"

mountConformance("hono", "/billing", async (billing) => {
  const app = new Hono()
  app.all("/billing/*", toHonoHandler(billing))
  app.get("/health", (c) => c.text("host ok"))
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => {
      resolve({ origin: `http://127.0.0.1:${info.port}`, close: () => new Promise((done) => server.close(() => done())) })
    })
  })
})

