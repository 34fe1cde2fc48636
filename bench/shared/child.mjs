// Benches' child processes: a server started, awaited until it listens, and stopped.
import { execFileSync, spawn } from "node:child_process"

export const hasTaskset = (() => {
  try {
    execFileSync("taskset", ["-V"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
})()

/**
 * Spawns `node [nodeArgs] script` (pinned to CPU 1 unless `pin` is false, or taskset is missing)
 * and resolves once it prints its URL (`listening`'s first group), with all it printed so far.
 */
export const startChild = ({ script, nodeArgs = [], env = {}, cwd, listening, pin = true }) =>
  new Promise((resolve, reject) => {
    const argv = [...nodeArgs, script]
    const child = pin && hasTaskset
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
        pid: child.pid,
        stop: () =>
          new Promise((done) => {
            child.once("exit", (code) => done(code))
            child.kill("SIGTERM")
          })
      })
    })
  })
