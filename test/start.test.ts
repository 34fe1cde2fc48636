/**
 * `npm start` as a user runs it from a terminal: started, stopped with Ctrl-C (SIGINT to the
 * whole foreground process group: npm, scripts/start.mjs), started again. Ctrl-C must end with
 * exit code 0 and no error banner (npm's or pnpm's). The second start's time to `/healthz` 200 is
 * printed for docs/performance.md, never asserted. Needs a current build (`npm test` builds
 * first): a start that had to rebuild would clean dist/ under the other tests' feet.
 */
import { execFileSync, spawn } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const npm = join(dirname(process.execPath), process.platform === "win32" ? "npm.cmd" : "npm")

/** The runner's own database and keys must not reach the server. */
const { DATABASE_URL: _url, BILLKIT_API_KEY: _key, BILLKIT_ENCRYPTION_KEY: _sealing, ...inherited } = process.env

const startOnce = async (dataDir: string) => {
  const started = performance.now()
  // detached: its own process group, as a terminal gives a foreground job.
  const child = spawn(npm, ["start"], {
    cwd: root,
    detached: true,
    env: { ...inherited, PORT: "0", DATABASE_URL: `file:${join(dataDir, "billing.db")}`, BILLING_INTERVAL_SECONDS: "0" },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk))
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  const url = await new Promise<string>((resolve, reject) => {
    const look = () => {
      const found = /Billkit listening on (http:\/\/\S+)/.exec(output)?.[1]
      if (found !== undefined) resolve(found)
    }
    child.stdout.on("data", look)
    void exited.then((code) => reject(new Error(`npm start exited with ${code} before listening:\n${output}`)))
  })
  const health = await fetch(`${url}/healthz`)
  const seconds = (performance.now() - started) / 1000
  expect(health.status).toBe(200)
  process.kill(-child.pid!, "SIGINT") // Ctrl-C
  return { seconds, code: await exited, output }
}

describe("npm start", () => {
  it("starts, stops with Ctrl-C exiting 0 and without an error banner, and restarts", async () => {
    const stale = (() => {
      try {
        execFileSync(process.execPath, [join(root, "scripts", "start.mjs"), "--check"], { stdio: "pipe" })
        return ""
      } catch (error) {
        return String((error as { stderr?: Buffer }).stderr ?? error)
      }
    })()
    expect(stale, "build first (npm run build)").toBe("")

    const dataDir = mkdtempSync(join(tmpdir(), "billkit-start-"))
    const first = await startOnce(dataDir)
    expect(first.output).toMatch(/shown once\): sk_test_/)
    expect(first.output).toContain("SIGINT received")
    expect(first.output).not.toMatch(/ERR_PNPM|npm error|npm ERR!|Error/)
    expect(first.code).toBe(0)

    const second = await startOnce(dataDir)
    expect(second.output).not.toMatch(/building|ERR_PNPM|npm error|npm ERR!|Error/)
    expect(second.code).toBe(0)
    console.log(`npm start: restart to /healthz 200 in ${second.seconds.toFixed(2)} s (first start ${first.seconds.toFixed(2)} s)`)
  }, 180_000)
})
