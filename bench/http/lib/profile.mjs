// Summarises a V8 .cpuprofile: where the server's CPU time went, by package and by function
// (self time), and which of Billkit's own functions the time was spent under (inclusive).
import { existsSync, readFileSync } from "node:fs"
import { SourceMap } from "node:module"
import { fileURLToPath } from "node:url"
import { ownerOf } from "../../shared/profileOwner.mjs"

// Billkit's packages run from their bundles (dist/index.js); their source maps name the real
// module and line, e.g. packages/core/src/access/ApiKeys.ts:84.
const sourceMaps = new Map()
const sourceMapOf = (url) => {
  if (!sourceMaps.has(url)) {
    const file = `${fileURLToPath(url)}.map`
    sourceMaps.set(url, existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, "utf8"))) : undefined)
  }
  return sourceMaps.get(url)
}
const original = (callFrame) => {
  if (!callFrame.url.startsWith("file://") || !ownerOf(callFrame.url).startsWith("billkit:")) return undefined
  const entry = sourceMapOf(callFrame.url)?.findEntry(callFrame.lineNumber, callFrame.columnNumber)
  if (!entry?.originalSource) return undefined
  const source = new URL(entry.originalSource, callFrame.url).pathname.replace(/^.*\/(packages|examples)\//, "$1/")
  return `${entry.name ?? (callFrame.functionName || "(anonymous)")}  ${source}:${entry.originalLine + 1}`
}

const shortFile = (url) => url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\/(packages|examples)\//, "$1/")
const frameName = (callFrame) => {
  const { functionName, url, lineNumber } = callFrame
  return original(callFrame) ?? `${functionName || "(anonymous)"}  ${shortFile(url)}${url ? `:${lineNumber + 1}` : ""}`
}

const add = (map, key, micros) => map.set(key, (map.get(key) ?? 0) + micros)

/** `window` ({from, to} in µs of the monotonic clock) keeps only the samples taken under load. */
export const summariseProfile = (file, { window, top = 25 } = {}) => {
  const profile = JSON.parse(readFileSync(file, "utf8"))
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const parents = new Map()
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id)

  const selfMicros = new Map()
  let at = profile.startTime
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0
    at += delta
    if (window && (at < window.from || at > window.to)) return
    add(selfMicros, id, delta)
  })
  const total = [...selfMicros.values()].reduce((a, b) => a + b, 0)

  const byFunction = new Map()
  const byOwner = new Map()
  const billkitInclusive = new Map()
  for (const [id, micros] of selfMicros) {
    const { callFrame } = nodes.get(id)
    add(byFunction, frameName(callFrame), micros)
    add(byOwner, ownerOf(callFrame.url), micros)
    // Each Billkit frame on the sample's stack is charged once (recursion must not double-count).
    const seen = new Set()
    for (let node = id; node !== undefined; node = parents.get(node)) {
      const frame = nodes.get(node).callFrame
      if (!ownerOf(frame.url).startsWith("billkit:")) continue
      const name = frameName(frame)
      if (!seen.has(name)) add(billkitInclusive, name, micros)
      seen.add(name)
    }
  }
  const ranked = (map, n) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, micros]) => ({ name, ms: Math.round(micros / 1000), percent: Math.round((1000 * micros) / total) / 10 }))
  return {
    total_ms: Math.round(total / 1000),
    self_by_package: ranked(byOwner, 15),
    self_by_function: ranked(byFunction, top),
    // Effect runs handlers on fibers, so a stack often starts at the fiber's run loop: these
    // figures are lower bounds for the Billkit functions they name.
    inclusive_billkit_functions: ranked(billkitInclusive, top)
  }
}
