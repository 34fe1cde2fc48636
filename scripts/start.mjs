/**
 * `npm start`: build only the workspace packages whose sources changed since their last build,
 * then run the example server in this process's place, so a restart with nothing changed takes
 * about a second instead of rebuilding eight packages with their .d.ts (about 30 s).
 *
 * A package is current when the hash of its build inputs (src/, package.json, tsup.config.ts,
 * tsconfig.json and the shared tsconfig.base.json) equals the hash recorded after its last
 * build here (node_modules/.cache/billkit-build/). Ctrl-C stops the server gracefully and exits 0.
 */
import { spawn, spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const app = "@billkit/example-server"
const stamps = join(root, "node_modules", ".cache", "billkit-build")

/** Every workspace package by name (packages/* and examples/*). */
const workspace = new Map()
for (const group of ["packages", "examples"]) {
  for (const entry of readdirSync(join(root, group))) {
    const dir = join(root, group, entry)
    const manifest = join(dir, "package.json")
    if (!existsSync(manifest)) continue
    const pkg = JSON.parse(readFileSync(manifest, "utf8"))
    workspace.set(pkg.name, { name: pkg.name, dir, pkg })
  }
}

/** The app and the workspace packages it depends on at run time, dependencies first. */
const buildOrder = (name, seen = new Set(), order = []) => {
  if (seen.has(name)) return order
  seen.add(name)
  const { pkg } = workspace.get(name)
  for (const [dep, spec] of Object.entries(pkg.dependencies ?? {})) {
    if (String(spec).startsWith("workspace:") && workspace.has(dep)) buildOrder(dep, seen, order)
  }
  order.push(workspace.get(name))
  return order
}

const files = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : entry.isFile() ? [join(dir, entry.name)] : []
  )

const inputsHash = (dir) => {
  const hash = createHash("sha256")
  const inputs = [
    ...(existsSync(join(dir, "src")) ? files(join(dir, "src")) : []),
    ...["package.json", "tsup.config.ts", "tsconfig.json"].map((file) => join(dir, file)).filter(existsSync),
    join(root, "tsconfig.base.json")
  ].sort()
  for (const file of inputs) hash.update(relative(root, file)).update("\0").update(readFileSync(file)).update("\0")
  return hash.digest("hex")
}

const stampFile = (name) => join(stamps, `${name.replace("/", "+")}.sha256`)

const isCurrent = ({ name, dir }, hash) =>
  existsSync(join(dir, "dist")) &&
  readdirSync(join(dir, "dist")).length > 0 &&
  existsSync(stampFile(name)) &&
  readFileSync(stampFile(name), "utf8") === hash

const tsup = join(root, "node_modules", ".bin", process.platform === "win32" ? "tsup.cmd" : "tsup")

// `npm run build` builds everything, then records each built package's hash here
// (`--record-builds`), so that the first `npm start` after it builds nothing.
if (process.argv.includes("--record-builds")) {
  mkdirSync(stamps, { recursive: true })
  for (const target of buildOrder(app)) {
    if (existsSync(join(target.dir, "dist"))) writeFileSync(stampFile(target.name), inputsHash(target.dir))
  }
  process.exit(0)
}
// `--check`: exit 1, naming them, when `npm start` would build anything (tests use it).
if (process.argv.includes("--check")) {
  const stale = buildOrder(app).filter((target) => !isCurrent(target, inputsHash(target.dir)))
  if (stale.length > 0) console.error(`billkit: would build ${stale.map((target) => target.name).join(", ")}`)
  process.exit(stale.length > 0 ? 1 : 0)
}

for (const target of buildOrder(app)) {
  const hash = inputsHash(target.dir)
  if (isCurrent(target, hash)) continue
  const started = Date.now()
  process.stdout.write(`billkit: building ${target.name}… `)
  const result = spawnSync(tsup, [], { cwd: target.dir, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" })
  if (result.status !== 0) {
    process.stdout.write("failed\n")
    process.stderr.write(result.stderr ?? String(result.error))
    process.exit(1)
  }
  process.stdout.write(`${((Date.now() - started) / 1000).toFixed(1)} s\n`)
  mkdirSync(stamps, { recursive: true })
  writeFileSync(stampFile(target.name), hash)
}

// The server in its own process group: a Ctrl-C reaches this process (and npm, which forwards
// it here again), and the server gets exactly one SIGINT from us. A second one would mean
// "stop now" to it and end with exit code 1.
const { dir } = workspace.get(app)
const server = spawn(process.execPath, ["--enable-source-maps", join(dir, "dist", "main.js")], {
  cwd: dir,
  stdio: "inherit",
  detached: true
})
let forwarded = false
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    if (forwarded) return
    forwarded = true
    server.kill(signal)
  })
}
server.on("exit", (code, signal) => process.exit(code ?? (signal === null ? 0 : 1)))
