/**
 * Which way imports may go inside `@billkit/core` (docs/architecture.md, "Who may import whom").
 * Every import and re-export of every source file is parsed and checked against the rules;
 * a module-level import cycle fails too, since a cycle through a feature's index leaves a
 * service class undefined while its module is still loading.
 */
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve, sep } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..")
const coreSrc = join(root, "packages/core/src")

const walk = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.name === "node_modules" || entry.name === "dist" || entry.name === "fixture"
      ? []
      : entry.isDirectory()
      ? walk(join(dir, entry.name))
      : /\.(ts|tsx|mts)$/.test(entry.name)
      ? [join(dir, entry.name)]
      : []
  )

const posix = (path: string) => path.split(sep).join("/")

interface ImportOf {
  readonly specifier: string
  /** `import type …` or an import of types only: erased at runtime. */
  readonly typeOnly: boolean
}

const importsOf = (file: string): Array<ImportOf> => {
  const text = readFileSync(file, "utf8")
  const found: Array<ImportOf> = []
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?([^;"]*?)\s*from\s+"([^"]+)"/gm)) {
    const names = m[2].trim()
    const typeOnly = m[1] !== undefined || /^\{\s*(type\s+[\w$]+(\s+as\s+[\w$]+)?\s*,?\s*)+\}$/.test(names)
    found.push({ specifier: m[3], typeOnly })
  }
  for (const m of text.matchAll(/^\s*import\s+"([^"]+)"/gm)) found.push({ specifier: m[1], typeOnly: false })
  for (const m of text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)) found.push({ specifier: m[1], typeOnly: false })
  return found
}

/** The features: every folder of src but the kernel, the shared HTTP layer and the root files. */
const features = readdirSync(coreSrc, { withFileTypes: true })
  .filter((e) => e.isDirectory() && e.name !== "kernel" && e.name !== "http")
  .map((e) => e.name)

type Zone =
  | { readonly kind: "root" }
  | { readonly kind: "kernel" }
  | { readonly kind: "http" }
  | { readonly kind: "feature"; readonly feature: string; readonly part: "domain" | "http" | "service"; readonly index: "root" | "domain" | null }

const zoneOf = (rel: string): Zone => {
  const parts = rel.split("/")
  if (parts.length === 1) return { kind: "root" }
  if (parts[0] === "kernel") return { kind: "kernel" }
  if (parts[0] === "http") return { kind: "http" }
  const part = parts[1] === "domain" ? "domain" : parts[1] === "http" ? "http" : "service"
  const index = rel === `${parts[0]}/index.ts` ? "root" : rel === `${parts[0]}/domain/index.ts` ? "domain" : null
  return { kind: "feature", feature: parts[0], part, index }
}

/** Packages core may import: Effect and its platform. Never an adapter, a driver or a framework. */
const allowedPackage = (specifier: string) =>
  // The Standard Webhooks reference implementation signs deliveries (house rule 9: no hand-written HMAC).
  specifier === "standardwebhooks" ||
  specifier === "effect" || specifier.startsWith("effect/") || specifier === "@effect/platform" ||
  specifier.startsWith("@effect/platform/")

/** Why `from` may not import `to`, or null when it may. */
export const violation = (from: string, to: string): string | null => {
  const a = zoneOf(from)
  const b = zoneOf(to)
  if (a.kind === "root") return null
  if (a.kind === "kernel") return b.kind === "kernel" ? null : "the kernel imports no feature and no HTTP"
  const publicOf = (z: Zone) => z.kind === "feature" && z.index !== null
  if (a.kind === "http") {
    if (b.kind === "kernel" || b.kind === "http") return null
    if (b.kind === "feature" && publicOf(b)) return null
    return "the HTTP layer uses a feature only through its index.ts"
  }
  if (a.kind !== "feature") return null
  if (b.kind === "kernel") return null
  if (b.kind === "root") return "a feature never imports the composition root"
  if (b.kind === "http") return a.part === "http" ? null : "only a feature's http/ folder imports the shared HTTP layer"
  if (b.kind !== "feature") return null
  if (b.feature === a.feature) {
    if (a.part === "domain" && b.part !== "domain") return "a domain module imports only the kernel and pure domain modules"
    return null
  }
  if (a.part === "domain") return b.index === "domain" ? null : "a domain module uses another feature only through its domain/index.ts"
  return publicOf(b) ? null : `another feature is used only through its index.ts or domain/index.ts (${b.feature})`
}

const resolveFrom = (file: string, specifier: string) =>
  posix(relative(coreSrc, resolve(dirname(file), specifier))).replace(/\.js$/, ".ts")

const sources = walk(coreSrc)

describe("core's import directions", () => {
  it("every relative import goes the allowed way, and only Effect packages are imported", () => {
    const wrong: Array<string> = []
    for (const file of sources) {
      const from = posix(relative(coreSrc, file))
      for (const { specifier } of importsOf(file)) {
        if (!specifier.startsWith(".")) {
          if (!allowedPackage(specifier)) wrong.push(`${from} → ${specifier}: core imports only effect and @effect/platform`)
          continue
        }
        const to = resolveFrom(file, specifier)
        if (to.startsWith("..")) {
          wrong.push(`${from} → ${specifier}: outside core's src`)
          continue
        }
        const why = violation(from, to)
        if (why !== null) wrong.push(`${from} → ${to}: ${why}`)
      }
    }
    expect(wrong).toEqual([])
  })

  it("no module-level import cycle (type-only imports excepted)", () => {
    const graph = new Map<string, Array<string>>()
    for (const file of sources) {
      graph.set(
        posix(relative(coreSrc, file)),
        importsOf(file).filter((i) => i.specifier.startsWith(".") && !i.typeOnly).map((i) => resolveFrom(file, i.specifier))
      )
    }
    const cycles: Array<string> = []
    const state = new Map<string, "open" | "done">()
    const stack: Array<string> = []
    const visit = (node: string) => {
      state.set(node, "open")
      stack.push(node)
      for (const next of graph.get(node) ?? []) {
        if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next].join(" → "))
        else if (!state.has(next)) visit(next)
      }
      stack.pop()
      state.set(node, "done")
    }
    for (const node of graph.keys()) if (!state.has(node)) visit(node)
    expect(cycles).toEqual([])
  })

  it("the rules catch wrong-way imports", () => {
    expect(violation("kernel/Repository.ts", "customers/domain/Customer.ts")).not.toBeNull()
    expect(violation("customers/domain/Customer.ts", "customers/Customers.ts")).not.toBeNull()
    expect(violation("invoicing/Invoices.ts", "payments/Payments.ts")).not.toBeNull()
    expect(violation("invoicing/Invoices.ts", "payments/index.ts")).toBeNull()
    expect(violation("usage/domain/UsageLimit.ts", "catalog/index.ts")).not.toBeNull()
    expect(violation("usage/domain/UsageLimit.ts", "catalog/domain/index.ts")).toBeNull()
    expect(violation("customers/Customers.ts", "http/Command.ts")).not.toBeNull()
    expect(violation("customers/http/CustomersHttp.ts", "http/Command.ts")).toBeNull()
    expect(violation("http/Api.ts", "customers/http/CustomersApi.ts")).not.toBeNull()
    expect(violation("customers/Customers.ts", "Billkit.ts")).not.toBeNull()
    expect(allowedPackage("@billkit/sql")).toBe(false)
    expect(allowedPackage("better-sqlite3")).toBe(false)
    expect(allowedPackage("effect/Schema")).toBe(true)
  })

  it("every folder of src is the kernel, the HTTP layer or a feature with an index.ts", () => {
    for (const feature of features) {
      expect(sources.map((f) => posix(relative(coreSrc, f)))).toContain(`${feature}/index.ts`)
    }
  })
})

describe("one record definition per collection", () => {
  it("each collection is defined once, in a feature's domain/Records.ts, and every repository is made from a definition", () => {
    const definitions = new Map<string, Array<string>>()
    const adHoc: Array<string> = []
    for (const file of sources) {
      const text = readFileSync(file, "utf8")
      const rel = posix(relative(coreSrc, file))
      for (const m of text.matchAll(/records\(\{\s*collection:\s*Collections\.(\w+)/g)) {
        definitions.set(m[1], [...(definitions.get(m[1]) ?? []), rel])
      }
      if (/makeRepository\(\s*Collections\./.test(text)) adHoc.push(rel)
    }
    expect(adHoc).toEqual([])
    for (const [collection, files] of definitions) {
      expect({ collection, files }).toEqual({ collection, files: [files[0]] })
      expect(files[0]).toMatch(/^[a-z]+\/domain\/Records\.ts$/)
    }
    // Rollups and their distinct values are written raw on the usage hot path; projects are the port's own.
    const collections = readFileSync(join(coreSrc, "kernel/Collections.ts"), "utf8")
    const all = [...collections.matchAll(/^export const (\w+) = spec\(/gm)].map((m) => m[1])
    expect(all.filter((c) => !definitions.has(c)).sort()).toEqual(["UsageDistinct", "UsageRollups"])
  })
})

describe("tests stay in their package", () => {
  it("no test imports another package's test folder", () => {
    const wrong: Array<string> = []
    const tests = [...walk(join(root, "packages")), ...walk(join(root, "examples"))].filter((f) => posix(f).includes("/test/"))
    for (const file of tests) {
      const pkg = posix(relative(root, file)).split("/").slice(0, 2).join("/")
      for (const { specifier } of importsOf(file)) {
        if (!specifier.startsWith(".")) continue
        const target = posix(relative(root, resolve(dirname(file), specifier)))
        const targetPkg = target.split("/").slice(0, 2).join("/")
        if (targetPkg !== pkg && target.split("/")[2] === "test") wrong.push(`${posix(relative(root, file))} → ${target}`)
      }
    }
    expect(wrong).toEqual([])
  })
})
