/**
 * The publishable packages as a user gets them: every non-private package under packages/*
 * packed with `pnpm pack` (workspace: ranges rewritten, only `files` included), and scratch
 * consumer projects that install those tarballs without the registry.
 *
 * "Install" here is what npm does with a tarball, done by hand so it stays offline: each
 * @billkit tarball is unpacked into the project's node_modules, and every other dependency the
 * packed manifests (or the project) declare is linked to the copy the workspace already
 * installed, with its exact pinned version checked. Only declared dependencies are linked, so
 * a package that imports something it does not declare fails here as it would for a user.
 */
import { execFile, execFileSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

const run = promisify(execFile)

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..")

interface Manifest {
  readonly name: string
  readonly version: string
  readonly private?: boolean
  readonly dependencies?: Record<string, string>
  readonly peerDependencies?: Record<string, string>
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>
  readonly exports?: Record<string, unknown>
}

const readManifest = (file: string): Manifest => JSON.parse(readFileSync(file, "utf8")) as Manifest

export interface Publishable {
  readonly name: string
  readonly dir: string
  readonly manifest: Manifest
}

/** Every package under packages/* that is not private: new packages are picked up as they come. */
export const publishablePackages = (): ReadonlyArray<Publishable> =>
  readdirSync(join(root, "packages"))
    .map((entry) => join(root, "packages", entry))
    .filter((dir) => existsSync(join(dir, "package.json")))
    .map((dir) => ({ dir, manifest: readManifest(join(dir, "package.json")) }))
    .filter(({ manifest }) => manifest.private !== true)
    .map(({ dir, manifest }) => ({ name: manifest.name, dir, manifest }))

export interface Packed extends Publishable {
  readonly tarball: string
  /** The manifest inside the tarball (workspace: ranges replaced by versions). */
  readonly packedManifest: Manifest
}

/**
 * The pnpm the repository pins (`packageManager`), as the README runs it: through npx, which keeps
 * it in npm's cache (pnpm is not a dependency: 21 MB that the README's install does not need).
 * Asked once per process; `pnpm pack` is what rewrites `workspace:` ranges.
 */
let pnpmBin: Promise<string> | undefined
const pnpm = (): Promise<string> => {
  if (pnpmBin !== undefined) return pnpmBin
  const { packageManager } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { packageManager: string }
  const npx = join(dirname(process.execPath), process.platform === "win32" ? "npx.cmd" : "npx")
  pnpmBin = run(npx, ["-y", "-p", packageManager, "-c", "command -v pnpm"], { cwd: root, encoding: "utf8" }).then(({ stdout }) => stdout.trim())
  return pnpmBin
}

const unpackedManifest = (tarball: string): Manifest =>
  JSON.parse(execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" })) as Manifest

/**
 * Packs every publishable package (from its built dist: run the build first) into a scratch
 * folder. Asynchronous on purpose: under load packing takes minutes, and a test worker blocked
 * that long misses vitest's own heartbeats ("Timeout calling onTaskUpdate").
 */
export const packAll = async (): Promise<ReadonlyArray<Packed>> => {
  const destination = mkdtempSync(join(tmpdir(), "billkit-packs-"))
  const packed: Array<Packed> = []
  for (const pkg of publishablePackages()) {
    if (!existsSync(join(pkg.dir, "dist"))) throw new Error(`${pkg.name} is not built: run \`npm run build\` first`)
    const { stdout } = await run(await pnpm(), ["pack", "--pack-destination", destination], { cwd: pkg.dir, encoding: "utf8" })
    const tarball = stdout.trim().split("\n").at(-1)!.trim()
    packed.push({ ...pkg, tarball, packedManifest: unpackedManifest(tarball) })
  }
  return packed
}

/** Where the workspace installed a third-party package: the real folder, with its own deps beside it. */
const workspaceCopy = (name: string): string => {
  const candidates = [
    join(root, "node_modules", name),
    ...["packages", "examples"].flatMap((group) =>
      readdirSync(join(root, group)).map((entry) => join(root, group, entry, "node_modules", name))
    )
  ]
  const found = candidates.find((candidate) => existsSync(join(candidate, "package.json")))
  if (found === undefined) throw new Error(`${name} is not installed anywhere in the workspace`)
  return realpathSync(found)
}

const isExact = (range: string) => /^\d+\.\d+\.\d+(-[\w.]+)?$/.test(range)

const link = (nodeModules: string, name: string, range: string | undefined) => {
  const target = join(nodeModules, name)
  if (existsSync(target)) return
  const source = workspaceCopy(name)
  const { version } = readManifest(join(source, "package.json"))
  if (range !== undefined && isExact(range) && version !== range) {
    throw new Error(`${name}: declared ${range}, the workspace has ${version}`)
  }
  mkdirSync(dirname(target), { recursive: true })
  symlinkSync(source, target, "dir")
}

/**
 * A scratch project with the given package.json and files, the named @billkit packages (and the
 * @billkit packages they depend on) installed from the tarballs, and `extra` third-party
 * packages linked from the workspace (typescript, @types/node, frameworks).
 */
export const consumerProject = (options: {
  readonly packed: ReadonlyArray<Packed>
  readonly billkit: ReadonlyArray<string>
  readonly extra: ReadonlyArray<string>
  readonly files: Record<string, string>
}): string => {
  const dir = mkdtempSync(join(tmpdir(), "billkit-consumer-"))
  const nodeModules = join(dir, "node_modules")
  mkdirSync(nodeModules)
  const byName = new Map(options.packed.map((pkg) => [pkg.name, pkg]))
  const install = (name: string) => {
    const target = join(nodeModules, name)
    if (existsSync(target)) return
    const pkg = byName.get(name)
    if (pkg === undefined) throw new Error(`${name} is not a packed package`)
    mkdirSync(target, { recursive: true })
    execFileSync("tar", ["-xzf", pkg.tarball, "-C", target, "--strip-components=1"])
    const manifest = pkg.packedManifest
    const peers = Object.entries(manifest.peerDependencies ?? {}).filter(
      ([peer]) => manifest.peerDependenciesMeta?.[peer]?.optional !== true
    )
    for (const [dep, range] of [...Object.entries(manifest.dependencies ?? {}), ...peers]) {
      if (byName.has(dep)) {
        if (range !== byName.get(dep)!.packedManifest.version) throw new Error(`${name} wants ${dep}@${range}`)
        install(dep)
      } else {
        link(nodeModules, dep, range)
      }
    }
  }
  for (const name of options.billkit) install(name)
  for (const name of options.extra) link(nodeModules, name, undefined)
  for (const [file, content] of Object.entries(options.files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true })
    writeFileSync(join(dir, file), content)
  }
  return dir
}
