/**
 * Every publishable package, packed as it would be published, passes publint (strict, every
 * suggestion counts) and Are the Types Wrong (node10, node16 from CJS and ESM, bundler).
 * Offline: both read the tarball; attw runs with --no-definitely-typed so it fetches nothing.
 */
import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { promisify } from "node:util"
import { publint } from "publint"
import { formatMessage } from "publint/utils"
import { beforeAll, describe, expect, it } from "vitest"
import { packAll, publishablePackages, root, type Packed } from "./packages.js"

const run = promisify(execFile)
const attw = join(root, "node_modules", ".bin", "attw")

let packed: ReadonlyArray<Packed> = []
beforeAll(async () => {
  packed = await packAll()
}, 300_000)

const tarballOf = (name: string) => packed.find((pkg) => pkg.name === name)!

describe.concurrent.each(publishablePackages().map((pkg) => pkg.name))("%s", (name) => {
  it("packs dist, package.json, README and LICENSE only, with no workspace: ranges left", () => {
    const { packedManifest } = tarballOf(name)
    const ranges = { ...packedManifest.dependencies, ...packedManifest.peerDependencies }
    expect(Object.values(ranges).filter((range) => range.startsWith("workspace:"))).toEqual([])
  })

  it("passes publint", async () => {
    const { tarball, packedManifest } = tarballOf(name)
    const data = readFileSync(tarball)
    const { messages } = await publint({
      pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer },
      strict: true,
      level: "suggestion"
    })
    expect(messages.map((message) => `${message.type}: ${formatMessage(message, packedManifest) ?? message.code}`)).toEqual([])
  })

  it("passes Are the Types Wrong", async () => {
    const { tarball } = tarballOf(name)
    const { stdout } = await run(attw, [tarball, "--no-definitely-typed", "--format", "json"], { maxBuffer: 64 * 1024 * 1024 }).catch(
      (error: { stdout?: string }) => ({ stdout: error.stdout ?? "" })
    )
    const report = JSON.parse(stdout) as { analysis: { problems: ReadonlyArray<unknown> } }
    expect(report.analysis.problems).toEqual([])
  }, 240_000)
})
