/** A webhook receiver on a loopback port that accepts every delivery (200), for seeded data. */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"

const running: Array<Server> = []

export const startReceiver = (): Promise<string> =>
  new Promise((resolve) => {
    const server = createServer((request, response) => {
      request.resume()
      request.on("end", () => response.writeHead(200, { "content-type": "text/plain" }).end("ok"))
    })
    running.push(server)
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`))
  })

export const stopReceivers = async (): Promise<void> => {
  await Promise.all(running.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))))
}
