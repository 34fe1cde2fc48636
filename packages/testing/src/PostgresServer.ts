/**
 * A throwaway PostgreSQL server for a test run: initdb into a temporary directory, start it on a
 * free port with durability turned off, and delete everything on stop. Starts in a second or two.
 */
import { execFile, execFileSync } from "node:child_process"
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"

const run = promisify(execFile)

export interface PostgresServer {
  /** Connection URL of the `postgres` superuser's database, for creating test databases. */
  readonly url: string
  readonly stop: () => Promise<void>
}

export class PostgresNotFound extends Error {
  constructor() {
    super(
      "No PostgreSQL server binaries found (looked for `pg_config --bindir` and /usr/lib/postgresql/*/bin). " +
        "Install them (Debian/Ubuntu: `apt-get install -y postgresql`) or set BILLKIT_TEST_DATABASE_URL " +
        "to a server whose user may create databases."
    )
  }
}

const findBinDir = (): string => {
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
  throw new PostgresNotFound()
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

/** initdb refuses to run as root, so as root the server runs as the `postgres` system user. */
const asServerUser = (): ((bin: string, args: ReadonlyArray<string>) => Promise<unknown>) => {
  if (process.getuid?.() !== 0) return (bin, args) => run(bin, [...args])
  return (bin, args) => run("runuser", ["-u", "postgres", "--", bin, ...args])
}

const systemUser = (name: string): { uid: number; gid: number } => {
  const id = (flag: string) => Number(execFileSync("id", [flag, name], { encoding: "utf8" }).trim())
  return { uid: id("-u"), gid: id("-g") }
}

export const startPostgresServer = async (): Promise<PostgresServer> => {
  const bin = findBinDir()
  const exec = asServerUser()
  const dir = mkdtempSync(join(tmpdir(), "billkit-pg-"))
  if (process.getuid?.() === 0) {
    const { uid, gid } = systemUser("postgres")
    chownSync(dir, uid, gid)
  }
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
