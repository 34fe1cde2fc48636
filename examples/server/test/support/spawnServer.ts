/**
 * Runs the BUILT server (`dist/main.js`, what `pnpm start` runs) as a real child process and
 * reads what it prints: the URL from the "listening" line, the key from the "shown once" line.
 */
import { spawn, type ChildProcess } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

export const mainJs = fileURLToPath(new URL("../../dist/main.js", import.meta.url))

export interface SpawnedServer {
  readonly url: string
  /** The bootstrap key, if this start printed one. */
  readonly printedKey: string | undefined
  /** Everything written to stdout so far. */
  readonly stdout: () => string
  /** Sends the signal and resolves with the exit code once the process has exited. */
  readonly stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

export const tempDir = (): string => mkdtempSync(join(tmpdir(), "billkit-server-"))

const listeningLine = /Billkit listening on (http:\/\/\S+)/
const keyLine = /shown once\): (sk_test_[A-Za-z0-9]+)/

const exitOf = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once("exit", (code) => resolve(code)))

interface LaunchOptions {
  readonly cwd: string
  readonly env?: Record<string, string>
}

/** The test runner's own DATABASE_URL, BILLKIT_API_KEY or BILLKIT_ENCRYPTION_KEY must not leak into the server. */
const launch = (options: LaunchOptions) => {
  const { DATABASE_URL: _url, BILLKIT_API_KEY: _key, BILLKIT_ENCRYPTION_KEY: _sealing, ...inherited } = process.env
  const child = spawn(process.execPath, [mainJs], {
    cwd: options.cwd,
    env: { ...inherited, PORT: "0", ...options.env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const output = { stdout: "", stderr: "" }
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output.stdout += chunk))
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output.stderr += chunk))
  return { child, output }
}

/** Starts `node dist/main.js` in `cwd` with PORT=0 plus `env`; resolves once it listens. */
export const spawnServer = (options: LaunchOptions): Promise<SpawnedServer> => {
  const { child, output } = launch(options)

  const stop = (signal: NodeJS.Signals = "SIGTERM") => {
    const exited = exitOf(child)
    child.kill(signal)
    return exited
  }

  return new Promise((resolve, reject) => {
    const onData = () => {
      const url = listeningLine.exec(output.stdout)?.[1]
      if (url === undefined) return
      child.stdout.off("data", onData)
      child.off("exit", onExit)
      resolve({ url, printedKey: keyLine.exec(output.stdout)?.[1], stdout: () => output.stdout, stop })
    }
    const onExit = (code: number | null) =>
      reject(new Error(`server exited with ${code} before listening\nstdout: ${output.stdout}\nstderr: ${output.stderr}`))
    child.stdout.on("data", onData)
    child.once("exit", onExit)
  })
}

/** Runs the server expecting it to refuse to start; resolves with its exit code and output. */
export const runToExit = (options: LaunchOptions) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const { child, output } = launch(options)
    // "close", not "exit": by then stdout and stderr have been read to the end.
    child.once("close", (code) => resolve({ code, ...output }))
  })

/** A fetch bound to the server and a key; JSON in, parsed JSON out, status checked by the caller. */
export const apiClient = (url: string, key: string) => async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" })
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  return { status: response.status, body: (await response.json()) as any }
}
