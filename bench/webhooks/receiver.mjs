// The bench's receiver, in a process of its own so that the worker's CPU time is its own: answers
// 200 at once, and tells the parent (IPC) when a quarter of the expected deliveries has arrived.
import { createServer } from "node:http"

let expected = 0
let received = 0
let quarter = 1
const server = createServer((req, res) => {
  req.resume().on("end", () => {
    received++
    res.writeHead(200, { "content-type": "text/plain" }).end("ok")
    if (expected > 0 && quarter <= 4 && received >= Math.ceil((expected * quarter) / 4)) process.send({ quarter: quarter++ })
  })
})
process.on("message", (m) => {
  if (m.expect !== undefined) {
    expected = m.expect
    received = 0
    quarter = 1
    process.send({ ready: true })
  }
  if (m.stats) {
    const cpu = process.cpuUsage()
    process.send({ received, cpuSeconds: (cpu.user + cpu.system) / 1e6 })
  }
  if (m.stop) server.close(() => process.exit(0))
})
server.keepAliveTimeout = 30_000
server.listen(0, "127.0.0.1", () => process.send({ port: server.address().port }))
