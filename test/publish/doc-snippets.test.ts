/**
 * The docs' runnable snippets, run as written against the packed tarballs (docs/testing.md, "The
 * docs' own snippets"). One scratch project holds them all: the packages installed from their
 * tarballs, the frameworks linked from the workspace, offline. It type-checks every TypeScript
 * snippet (strict), then starts each program on a free port; a program that prints a URL and a
 * secret key must answer `GET <url>/v1/customers` with that key with 200. Every framework page
 * must have such a program, so a page that drifts from the packages fails here.
 */
import { execFile, spawn } from "node:child_process"
import { readdirSync } from "node:fs"
import { createServer } from "node:net"
import { join } from "node:path"
import { promisify } from "node:util"
import { build } from "esbuild"
import { beforeAll, describe, expect, it } from "vitest"
import { programsOf, type Program } from "./doc-snippets.js"
import { consumerProject, packAll, publishablePackages, root } from "./packages.js"

const run = promisify(execFile)

const frameworkPages = readdirSync(join(root, "docs", "frameworks"))
  .filter((file) => file.endsWith(".md"))
  .map((file) => `docs/frameworks/${file}`)
const docs = [...frameworkPages, "docs/embedding.md", "docs/quickstart.md"]
const programs = docs.flatMap((doc) => programsOf(root, doc).map((program) => ({ doc, program })))

/** Where a program's runnable file lands in the scratch project. */
const slug = (where: string) => where.replace(/^docs\//, "").replace(/\.md.*$/, "").replaceAll("/", "-") + "-" + where.replace(/^.*:/, "")
const entryOf = (program: Program) =>
  program.kind === "app" ? `out/${program.app}.mjs` : program.kind === "cjs" ? `snippets/${slug(program.where)}.cjs` : `out/${slug(program.where)}.mjs`

/**
 * A stand-in for `next start` (Next.js is not installed with the workspace): Next calls
 * `register()` from instrumentation.ts once, then hands every request under the catch-all route's
 * folder to the route module's export for its method, as a `Request` with the full URL.
 */
const nextHarness = (route: string, prefix: string, instrumentation: boolean) => `
import { createServer } from "node:http"
import { Readable } from "node:stream"
${instrumentation ? `import { register } from "./instrumentation"` : ""}
import * as route from "./${route.replace(/\.ts$/, "")}"

process.env.NEXT_RUNTIME = "nodejs"
${instrumentation ? "await register()" : ""}
const handlers: Partial<Record<string, (request: Request) => Promise<Response>>> = route
const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? "/", "http://" + (req.headers.host ?? "localhost"))
  const handler = handlers[req.method ?? "GET"]
  if (!url.pathname.startsWith("${prefix}/") || handler === undefined) return void res.writeHead(404).end()
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) for (const item of [value ?? []].flat()) headers.append(name, item)
  const hasBody = req.method !== "GET" && req.method !== "HEAD"
  const init = { method: req.method, headers, body: hasBody ? (Readable.toWeb(req) as ReadableStream) : undefined, duplex: "half" }
  const response = await handler(new Request(url, init as RequestInit))
  res.writeHead(response.status, Object.fromEntries(response.headers))
  res.end(Buffer.from(await response.arrayBuffer()))
})
server.listen(Number(process.env.PORT), () => console.log("next stand-in at http://localhost:" + process.env.PORT + "${prefix}"))
`

const apps = programs.flatMap(({ program }) => (program.kind === "app" ? [program] : []))
// One tsconfig for every snippet, so one tsc run: room for one app's `@/` alias.
if (apps.length > 1) throw new Error(`one app page at most (the @/ alias is shared): ${apps.map((app) => app.where).join("; ")}`)

let dir = ""
beforeAll(async () => {
  const packed = await packAll()
  const files: Record<string, string> = {
    "package.json": JSON.stringify({ name: "doc-snippets", private: true, type: "module" }),
    "tsconfig.json": JSON.stringify({
      compilerOptions: {
        strict: true,
        target: "es2022",
        lib: ["es2022"],
        module: "esnext",
        moduleResolution: "bundler",
        esModuleInterop: true,
        // The consumer projects check Billkit's .d.ts with skipLibCheck false; here the snippets count.
        skipLibCheck: true,
        noEmit: true,
        types: ["node"],
        paths: Object.fromEntries(apps.map((app) => ["@/*", [`./apps/${app.app}/*`]]))
      },
      include: ["snippets/**/*.ts", "apps/**/*.ts"]
    })
  }
  for (const { program } of programs) {
    if (program.kind === "esm") files[`snippets/${slug(program.where)}.ts`] = program.code
    if (program.kind === "cjs") files[`snippets/${slug(program.where)}.cjs`] = program.code
    if (program.kind === "app") {
      for (const block of program.files) files[`apps/${program.app}/${block.file}`] = block.code
      const route = program.files.map((block) => block.file!).find((file) => /^(src\/)?app\/.*\/\[\.\.\.\w+\]\/route\.ts$/.test(file))
      if (route === undefined) throw new Error(`${program.where}: no app/…/[...path]/route.ts, nothing to serve`)
      const prefix = route.replace(/^(src\/)?app/, "").replace(/\/\[\.\.\.\w+\]\/route\.ts$/, "")
      const instrumentation = program.files.some((block) => /^(src\/)?instrumentation\.ts$/.test(block.file!))
      files[`apps/${program.app}/harness.ts`] = nextHarness(route, prefix, instrumentation)
      files[`apps/${program.app}/tsconfig.json`] = JSON.stringify({ compilerOptions: { paths: { "@/*": ["./*"] } } })
    }
  }
  dir = consumerProject({
    packed,
    billkit: publishablePackages().map((pkg) => pkg.name).filter((name) => name !== "@billkit/testing"),
    extra: ["typescript", "@types/node", "express", "@types/express", "hono", "@hono/node-server", "better-sqlite3", "@types/better-sqlite3"],
    files
  })
  // TypeScript to ES modules the way a bundler (or Next) does it: packages stay imports, so Node
  // loads them from the scratch project's node_modules; `@/` resolves through the app's tsconfig.
  for (const { program } of programs) {
    if (program.kind === "cjs") continue
    const entry = program.kind === "app" ? `apps/${program.app}/harness.ts` : `snippets/${slug(program.where)}.ts`
    await build({
      absWorkingDir: dir,
      entryPoints: [join(dir, entry)],
      outfile: join(dir, entryOf(program)),
      bundle: true,
      packages: "external",
      platform: "node",
      format: "esm",
      target: "node20",
      logLevel: "silent"
    })
  }
}, 300_000)

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

type Outcome =
  | { readonly kind: "serving"; readonly url: string; readonly key: string | undefined; readonly output: string; readonly stop: () => Promise<void> }
  | { readonly kind: "exited"; readonly code: number | null; readonly output: string }

/** Starts a program and waits until it has printed a URL (it serves) or has exited. */
const start = (entry: string, port: number) =>
  new Promise<Outcome>((resolve, reject) => {
    const child = spawn(process.execPath, [join(dir, entry)], {
      cwd: dir,
      env: { ...process.env, PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    const exited = new Promise<void>((done) => child.once("exit", () => done()))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`no URL within 90 s, and still running:\n${output}`))
    }, 90_000)
    const look = () => {
      // The key comes before the URL or on its line: once a URL is out, the program is serving.
      const lines = output.slice(0, output.lastIndexOf("\n") + 1) // whole lines only: a chunk may end mid-URL
      const url = /https?:\/\/[^\s,)]+/.exec(lines)?.[0]
      if (url === undefined) return
      clearTimeout(timer)
      resolve({ kind: "serving", url, key: /sk_test_\w+/.exec(lines)?.[0], output: lines, stop: () => (child.kill("SIGTERM"), exited) })
    }
    child.stdout.on("data", (chunk: Buffer) => ((output += chunk.toString()), look()))
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.once("exit", (code) => {
      clearTimeout(timer)
      resolve({ kind: "exited", code, output })
    })
  })

describe("the docs' runnable snippets, on the packed tarballs", () => {
  it("every framework page has a runnable program", () => {
    for (const page of frameworkPages) expect(programs.filter(({ doc }) => doc === page).length, page).toBeGreaterThan(0)
  })

  it("every TypeScript snippet type-checks (strict)", async () => {
    const tsc = await run(process.execPath, [join(dir, "node_modules", "typescript", "bin", "tsc"), "-p", dir], { cwd: dir }).catch(
      (error: { stdout?: string }) => ({ stdout: `tsc failed:\n${error.stdout ?? String(error)}` })
    )
    expect(tsc.stdout).toBe("")
  }, 300_000)

  // One after another: each start loads the whole of core, and side by side they only fight for the cores.
  it.each(programs.map(({ doc, program }) => ({ doc, program, name: `${program.where} (${program.kind})` })))(
    "$name runs",
    async ({ doc, program }) => {
      const outcome = await start(entryOf(program), await freePort())
      if (outcome.kind === "exited") {
        // A snippet that serves nothing (embedding.md's) runs to its end and exits 0.
        expect(doc.startsWith("docs/frameworks/"), `${program.where} serves nothing:\n${outcome.output}`).toBe(false)
        expect(outcome.code, outcome.output).toBe(0)
        return
      }
      try {
        expect(outcome.key, `${program.where} printed no secret key:\n${outcome.output}`).toBeDefined()
        const response = await fetch(`${outcome.url}/v1/customers`, { headers: { authorization: `Bearer ${outcome.key}` } })
        expect(response.status).toBe(200)
        expect(await response.json()).toMatchObject({ data: [] })
        const anonymous = await fetch(`${outcome.url}/v1/customers`)
        expect(anonymous.status).toBe(401)
      } finally {
        await outcome.stop()
      }
    },
    120_000
  )
})
