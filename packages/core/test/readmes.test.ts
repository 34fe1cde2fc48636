/**
 * Every package's README runs as written: its "## Smallest use" ```js block is written into the
 * package's folder (so `@billkit/...` imports resolve, through node_modules or the package's
 * self-reference, to the built dist) and run with node; it must exit 0 and print the line the
 * README states after the block ("Prints: `…`"). Every relative link in a README must resolve.
 *
 * The snippets run against dist/, so build first (`npm test` does; or `npm run build`).
 */
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, type TestDatabase } from "@billkit/testing"

const root = fileURLToPath(new URL("../../../", import.meta.url))

interface ReadmeCase {
  /** The package folder, relative to the repository root. */
  readonly dir: string
  /**
   * How the snippet runs: `node` runs it as a script, `vitest` as a test file of its own,
   * `none` (the example server, whose README shows shell commands) not at all.
   */
  readonly run: "node" | "vitest" | "none"
  /** Where the snippet is written, when not `dir`: the folder whose node_modules has its imports. */
  readonly runIn?: string
  /** The snippet reads DATABASE_URL: it gets an empty database of its own. */
  readonly postgres?: boolean
}

const cases: ReadonlyArray<ReadmeCase> = [
  { dir: "packages/core", run: "node" },
  // kysely and pg are peers of @billkit/sql; packages/postgres has them installed, packages/sql has not.
  { dir: "packages/sql", run: "node", runIn: "packages/postgres", postgres: true },
  { dir: "packages/sqlite", run: "node" },
  { dir: "packages/postgres", run: "node", postgres: true },
  { dir: "packages/express", run: "node" },
  { dir: "packages/hono", run: "node" },
  { dir: "packages/next", run: "node" },
  { dir: "packages/testing", run: "vitest" },
  { dir: "packages/stripe", run: "node" },
  { dir: "packages/client", run: "node" },
  { dir: "examples/server", run: "none" }
]

const readReadme = (dir: string): string => readFileSync(join(root, dir, "README.md"), "utf8")

/** The text under `## <title>`, up to the next `## ` heading. */
const section = (markdown: string, title: string): string => {
  const start = markdown.indexOf(`\n## ${title}\n`)
  if (start === -1) throw new Error(`no "## ${title}" section`)
  const rest = markdown.slice(start + title.length + 5)
  const end = rest.search(/^## /m)
  return end === -1 ? rest : rest.slice(0, end)
}

interface Snippet {
  readonly code: string
  /** The backticked text of the "Prints…: `…`" line after the block. */
  readonly prints: string
}

const snippetOf = (markdown: string): Snippet => {
  const smallest = section(markdown, "Smallest use")
  const block = /^```js\n([\s\S]*?)^```$/m.exec(smallest)
  if (block === null) throw new Error('no ```js block under "## Smallest use"')
  const after = smallest.slice(block.index + block[0].length)
  const prints = /^Prints[^`\n]*`([^`]+)`/m.exec(after)
  if (prints === null) throw new Error("no \"Prints: `…`\" line after the snippet")
  return { code: block[1]!, prints: prints[1]! }
}

/** Bare specifiers the snippet imports (`node:` built-ins left out), as package names. */
const importedPackages = (code: string): Array<string> => {
  const names = new Set<string>()
  for (const match of code.matchAll(/^import\s[^"']*["']([^"']+)["']/gm)) {
    const specifier = match[1]!
    if (specifier.startsWith("node:") || specifier.startsWith(".")) continue
    const parts = specifier.split("/")
    names.add(specifier.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!)
  }
  return [...names]
}

/** Whether `name` resolves from `dir`: the package itself (self-reference) or in its node_modules. */
const resolvable = (dir: string, name: string): boolean => {
  const own = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) as { name: string }
  return own.name === name || existsSync(join(root, dir, "node_modules", name, "package.json"))
}

/** Relative link targets (`[text](target)`), without their `#anchor`. */
const relativeLinks = (markdown: string): Array<string> =>
  [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1]!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith("#"))
    .map((target) => target.replace(/#.*$/, ""))

interface Ran {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const runNode = (args: ReadonlyArray<string>, cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Ran> =>
  new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.once("error", reject)
    child.once("close", (code) => resolvePromise({ code, stdout, stderr }))
  })

/** This run's environment without vitest's own variables, so a nested vitest starts afresh. */
const cleanEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("VITEST") && name !== "NODE_OPTIONS") env[name] = value
  }
  return { ...env, ...extra }
}

// eslint-disable-next-line no-control-regex
const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "").replace(/[ \t]+/g, " ")

describe("package READMEs", () => {
  const databases: Array<TestDatabase> = []
  beforeAll(() => {
    for (const { dir } of cases) {
      if (!existsSync(join(root, dir, "dist"))) throw new Error(`${dir}/dist is missing: build first (npm run build)`)
    }
  })
  afterAll(async () => {
    for (const database of databases) await database.drop()
  })
  const freshDatabaseUrl = async (): Promise<string> => {
    const database = await createTestDatabase()
    databases.push(database)
    return database.url
  }

  describe.each(cases)("$dir", ({ dir, run, runIn, postgres }) => {
    it("has the package's name as title, a \"Smallest use\" and a \"More\" section, at most 40 lines", () => {
      const markdown = readReadme(dir)
      const { name } = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) as { name: string }
      expect(markdown.split("\n")[0]).toBe(`# ${name}`)
      expect(markdown).toContain("\n## Smallest use\n")
      expect(markdown).toContain("\n## More\n")
      expect(markdown.trimEnd().split("\n").length).toBeLessThanOrEqual(40)
    })

    it("links only to files that exist", () => {
      const markdown = readReadme(dir)
      const links = relativeLinks(markdown)
      expect(links.length).toBeGreaterThan(0)
      const missing = links.filter((target) => !existsSync(resolve(root, dir, target)))
      expect(missing).toEqual([])
    })

    if (run === "none") return

    it("runs its smallest use as written and prints what it says", async () => {
      const { code, prints } = snippetOf(readReadme(dir))
      const folder = runIn ?? dir
      const unresolved = importedPackages(code).filter((name) => !resolvable(folder, name))
      expect(unresolved, `not installed in ${folder}/node_modules`).toEqual([])

      const env = cleanEnv(postgres ? { DATABASE_URL: await freshDatabaseUrl() } : {})
      let ran: Ran
      if (run === "node") {
        const file = join(root, folder, `.readme-snippet-${randomBytes(4).toString("hex")}.mjs`)
        writeFileSync(file, code)
        try {
          ran = await runNode([file], dirname(file), env, 30_000)
        } finally {
          rmSync(file, { force: true })
        }
      } else {
        // A test file of its own, run by its own vitest in a folder with an empty config (so the
        // repository's config, with its aliases to src/, is not picked up).
        const smallest = section(readReadme(dir), "Smallest use")
        const name = /Save as `([^`]+)`/.exec(smallest)?.[1] ?? "readme.test.js"
        const folderPath = join(root, folder, `.readme-snippet-${randomBytes(4).toString("hex")}`)
        mkdirSync(folderPath)
        try {
          writeFileSync(join(folderPath, "vitest.config.mjs"), "export default {}\n")
          writeFileSync(join(folderPath, name), code)
          const vitest = join(root, folder, "node_modules", "vitest", "vitest.mjs")
          ran = await runNode([vitest, "run", name], folderPath, env, 60_000)
        } finally {
          rmSync(folderPath, { recursive: true, force: true })
        }
      }
      const output = `${ran.stdout}\n${ran.stderr}`
      expect(ran.code, output).toBe(0)
      if (run === "node") expect(ran.stdout.split("\n").map((line) => line.trim())).toContain(prints)
      else expect(plain(ran.stdout), output).toContain(plain(prints))
    }, 90_000)
  })

  it("examples/server: documents exactly the environment variables its config reads", () => {
    const config = readFileSync(join(root, "examples/server/src/config.ts"), "utf8")
    const read = [...config.matchAll(/read\(env, "([A-Z_]+)"\)/g)].map((match) => match[1]!).sort()
    const table = section(readReadme("examples/server"), "Smallest use")
    const documented = [...table.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1]!).sort()
    expect(read.length).toBeGreaterThan(0)
    expect(documented).toEqual(read)
    const scripts = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts
    // `npm start` goes through scripts/start.mjs (builds what changed), which runs this server.
    expect(scripts.start).toContain("scripts/start.mjs")
    expect(readFileSync(join(root, "scripts/start.mjs"), "utf8")).toContain('const app = "@billkit/example-server"')
  })
})
