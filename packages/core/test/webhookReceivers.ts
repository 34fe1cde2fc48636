/**
 * Real HTTP receivers on 127.0.0.1 for the webhook tests. Each verifies every request with the
 * `standardwebhooks` verifier, exactly as a user's app would, and records what it got.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Webhook } from "standardwebhooks"

export type Behaviour = "ok" | "error" | "hang" | "close" | "slow"

export interface Received {
  readonly headers: Record<string, string>
  readonly body: string
  /** The parsed payload when some secret verified it, else undefined. */
  readonly verified: Array<unknown>
}

export interface Receiver {
  readonly url: string
  readonly received: Array<Received>
  /** Secrets to verify with (each tried on its own); set after the endpoint is created. */
  secrets: Array<string>
  behaviour: Behaviour
  slowMs: number
  readonly close: () => Promise<void>
}

export const startReceiver = async (behaviour: Behaviour = "ok"): Promise<Receiver> => {
  const sockets = new Set<import("node:net").Socket>()
  const receiver: Receiver = {
    url: "",
    received: [],
    secrets: [],
    behaviour,
    slowMs: 400,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = ""
    req.setEncoding("utf8").on("data", (d: string) => (body += d)).on("end", () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]))
      const verified = receiver.secrets.map((secret) => {
        try {
          return new Webhook(secret).verify(body, headers)
        } catch {
          return undefined
        }
      })
      receiver.received.push({ headers, body, verified })
      switch (receiver.behaviour) {
        case "ok":
          res.writeHead(200, { "content-type": "text/plain" }).end("thanks")
          return
        case "error":
          res.writeHead(500, { "content-type": "text/plain" }).end("x".repeat(100_000))
          return
        case "hang":
          return // never answers
        case "close":
          req.socket.destroy()
          return
        case "slow":
          setTimeout(() => res.writeHead(200).end("slowly"), receiver.slowMs)
          return
      }
    })
  })
  server.on("connection", (s) => {
    sockets.add(s)
    s.on("close", () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()))
  ;(receiver as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`
  return receiver
}
