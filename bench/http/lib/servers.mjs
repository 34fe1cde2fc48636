// Starting the two targets as child processes pinned to one core, and stopping them.
import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { hasTaskset, startChild } from "../../shared/child.mjs"

export { startChild }

/** The built example server, found through the workspace dependency (dist/index.js → main.js). */
export const exampleServerMain = fileURLToPath(new URL("./main.js", import.meta.resolve("@billkit/example-server")))
export const bareServerMain = fileURLToPath(new URL("../bare-server.mjs", import.meta.url))
export const httpApiFloorMain = fileURLToPath(new URL("../httpapi-floor-server.mjs", import.meta.url))

/**
 * 2 cores: the server under test gets core 1, this process (autocannon) core 0, so the load
 * generator never steals the server's CPU. Returns a description for the results file.
 */
export const pinSelf = () => {
  if (!hasTaskset) return "not pinned (no taskset): server and load generator share all cores"
  // -a: every thread of this process, not just the main one.
  execFileSync("taskset", ["-a", "-pc", "0", String(process.pid)], { stdio: "ignore" })
  return "server child pinned to CPU 1, autocannon (this process) to CPU 0, with taskset"
}
