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

  it("can be imported and required by name", () => {
    const name = manifest.name as string
    const esm = execFileSync(process.execPath, ["--input-type=module", "-e", `const m = await import(${JSON.stringify(name)}); console.log(Object.keys(m).length)`], { cwd: root, encoding: "utf8" })
    const cjs = execFileSync(process.execPath, ["-e", `console.log(Object.keys(require(${JSON.stringify(name)})).length)`], { cwd: root, encoding: "utf8" })
    expect(Number(esm.trim())).toBeGreaterThan(0)
    expect(Number(cjs.trim())).toBe(Number(esm.trim()))
  })
})
