// The real Billkit core mounted in a real Express server, called over HTTP.
import { once } from "node:events"
import type { AddressInfo } from "node:net"
import express from "express"
import { toExpressHandler } from "@billkit/express"
import { mountConformance } from "@billkit/testing"

mountConformance("express", "/billing", async (billing) => {
  const app = express()
  app.all("/billing/*splat", toExpressHandler(billing))
  app.get("/health", (_req, res) => void res.send("host ok"))
  const server = app.listen(0, "127.0.0.1")
  await once(server, "listening")
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections()
      await new Promise((done) => server.close(done))
    }
  }
})

