/**
 * Every package's built output loads through its own `exports` map, with `import` and with
 * `require`, the way a consumer's Node resolves it (a package may import itself by name).
 * Runs after `pnpm build`, as `pnpm test` does.
 */
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"

const packagesDir = new URL("../../", import.meta.url).pathname
const packages = readdirSync(packagesDir).filter((dir) => existsSync(join(packagesDir, dir, "package.json")))

describe.each(packages)("package %s", (dir) => {
  const root = join(packagesDir, dir)
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
  const entry = manifest.exports["."]

  it("ships ESM, CJS and type declarations", () => {
    for (const file of [entry.import.default, entry.import.types, entry.require.default, entry.require.types]) {
      expect(existsSync(join(root, file)), `${manifest.name}: ${file}`).toBe(true)
    }
  })

  it("resolves by name to its ESM and CJS builds", () => {
    const name = JSON.stringify(manifest.name)
    const node = (args: Array<string>) => execFileSync(process.execPath, args, { cwd: root, encoding: "utf8" }).trim()
    expect(node(["--input-type=module", "-e", `console.log(import.meta.resolve(${name}))`])).toBe(`file://${join(root, entry.import.default)}`)
    expect(node(["-e", `console.log(require.resolve(${name}))`])).toBe(join(root, entry.require.default))
  })

  // The conformance suite needs a running vitest to load; resolving it is what a consumer checks.
  if (manifest.name === "@billkit/testing") return
  it("can be imported and required by name", () => {
    const name = manifest.name as string
    const esm = execFileSync(process.execPath, ["--input-type=module", "-e", `const m = await import(${JSON.stringify(name)}); console.log(Object.keys(m).length)`], { cwd: root, encoding: "utf8" })
    const cjs = execFileSync(process.execPath, ["-e", `console.log(Object.keys(require(${JSON.stringify(name)})).length)`], { cwd: root, encoding: "utf8" })
    expect(Number(esm.trim())).toBeGreaterThan(0)
    expect(Number(cjs.trim())).toBe(Number(esm.trim()))
  })
})
