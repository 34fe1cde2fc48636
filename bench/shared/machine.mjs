// The machine a bench ran on, for its results file.
import os from "node:os"

export const machine = () => ({
  cpu: os.cpus()[0]?.model ?? "unknown",
  cpus: os.cpus().length,
  memory_gb: Math.round(os.totalmem() / 2 ** 30),
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  node: process.version
})
