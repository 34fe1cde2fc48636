/**
 * The packed tarballs in scratch consumer projects, the way users compile against them: strict,
 * `skipLibCheck: false` (so Billkit's .d.ts files are checked too), ESM and CJS, with
 * moduleResolution node16 and bundler. Each project type-checks an import of every publishable
 * package and, where the output runs under Node as is, runs a real request through the handler.
 */
import { execFile } from "node:child_process"
import { join } from "node:path"
import { promisify } from "node:util"
import { beforeAll, describe, expect, it } from "vitest"
import { consumerProject, packAll, publishablePackages, type Packed } from "./packages.js"

const run = promisify(execFile)

let packed: ReadonlyArray<Packed> = []
beforeAll(async () => {
  packed = await packAll()
}, 300_000)

const publishable = publishablePackages()
const names = publishable.map((pkg) => pkg.name)
/** Test helpers only load inside a vitest run: their types are checked, their code not run. */
const typesOnly = new Set(publishable.filter((pkg) => pkg.manifest.peerDependencies?.vitest !== undefined).map((pkg) => pkg.name))

/**
 * One namespace import per package (so every .d.ts is loaded and checked), then a request. A CJS
 * project leaves the test helpers out: vitest 3 is ESM-only, and its own .d.cts says so (TS1479).
 */
const program = (cjs: boolean) => [
  ...names.flatMap((name, i) =>
    cjs && typesOnly.has(name) ? [] : [`import ${typesOnly.has(name) ? "type " : ""}* as package${i} from "${name}"`]
  ),
  `import { billkit, makeMemoryStorage } from "@billkit/core"`,
  ``,
  `export type TestHelpers = [${names.flatMap((name, i) => (typesOnly.has(name) && !cjs ? [`typeof package${i}`] : [])).join(", ")}]`,
  `const loaded: ReadonlyArray<object> = [${names.flatMap((name, i) => (typesOnly.has(name) ? [] : [`package${i}`])).join(", ")}]`,
  `void loaded`,
  ``,
  `async function main(): Promise<void> {`,
  `  const billing = billkit({ storage: makeMemoryStorage() })`,
  `  const { apiKey } = await billing.bootstrap()`,
  `  const response = await billing.handler(`,
  `    new Request("http://localhost/v1/customers", { headers: { authorization: \`Bearer \${apiKey}\` } })`,
  `  )`,
  `  const body = (await response.json()) as { data: ReadonlyArray<unknown> }`,
  `  console.log(\`customers \${response.status} \${body.data.length}\`)`,
  `  await billing.dispose()`,
  `}`,
  `main().catch((error: unknown) => {`,
  `  console.error(error)`,
  `  process.exitCode = 1`,
  `})`,
  ``
].join("\n")

const variants = [
  { name: "ESM, node16", type: "module", module: "node16", moduleResolution: "node16" },
  { name: "CJS, node16", type: "commonjs", module: "node16", moduleResolution: "node16" },
  { name: "ESM, bundler", type: "module", module: "esnext", moduleResolution: "bundler" }
] as const

// One after another: each check reads every .d.ts of effect and Billkit (about 900 files), and
// running them side by side only makes them fight for the same cores.
describe("consumer projects on the packed tarballs", () => {
  it.each(variants)("$name: type-checks with skipLibCheck false and runs", async (variant) => {
    const dir = consumerProject({
      packed,
      // @billkit/testing's peers (vitest, pg, kysely …) come along as declared.
      billkit: names,
      extra: ["typescript", "@types/node", "pg", "kysely", "better-sqlite3", "@types/better-sqlite3", "@types/pg"],
      files: {
        "package.json": JSON.stringify({ name: "consumer", private: true, type: variant.type }),
        "tsconfig.json": JSON.stringify({
          compilerOptions: {
            strict: true,
            skipLibCheck: false,
            target: "es2022",
            lib: ["es2022", "dom"],
            module: variant.module,
            moduleResolution: variant.moduleResolution,
            types: ["node"],
            outDir: "dist"
          },
          include: ["src"]
        }),
        "src/main.ts": program(variant.type === "commonjs")
      }
    })
    const tsc = await run(process.execPath, [join(dir, "node_modules", "typescript", "bin", "tsc"), "-p", dir], {
      cwd: dir
    }).catch((error: { stdout?: string }) => ({ stdout: `tsc failed:\n${error.stdout ?? String(error)}` }))
    expect(tsc.stdout).toBe("")
    const { stdout } = await run(process.execPath, [join(dir, "dist", "main.js")], { cwd: dir })
    expect(stdout).toBe("customers 200 0\n")
  }, 600_000)
})
