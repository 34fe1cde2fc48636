// Starting the two targets as child processes pinned to one core, and stopping them.
import { execFileSync, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

/** The built example server, found through the workspace dependency (dist/index.js → main.js). */
export const exampleServerMain = fileURLToPath(new URL("./main.js", import.meta.resolve("@billkit/example-server")))
export const bareServerMain = fileURLToPath(new URL("../bare-server.mjs", import.meta.url))
export const httpApiFloorMain = fileURLToPath(new URL("../httpapi-floor-server.mjs", import.meta.url))

const hasTaskset = (() => {
  try {
    execFileSync("taskset", ["-V"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
})()

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

/** Spawns `node [nodeArgs] script` (pinned to CPU 1) and resolves once it prints its URL. */
export const startChild = ({ script, nodeArgs = [], env = {}, cwd, listening }) =>
  new Promise((resolve, reject) => {
    const argv = [...nodeArgs, script]
    const child = hasTaskset
      ? spawn("taskset", ["-c", "1", process.execPath, ...argv], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] })
      : spawn(process.execPath, argv, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] })
    let stdout = ""
    const onExit = (code) => reject(new Error(`${script} exited with ${code} before listening:\n${stdout}`))
    child.once("exit", onExit)
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      stdout += chunk
      const url = listening.exec(stdout)?.[1]
      if (url === undefined) return
      child.off("exit", onExit)
      child.stdout.removeAllListeners("data")
      child.stdout.resume()
      resolve({
        url,
        stdout,
        stop: () =>
          new Promise((done) => {
            child.once("exit", (code) => done(code))
            child.kill("SIGTERM")
          })
      })
    })
  })
