// The top self-time functions inside each package of a .cpuprofile (bench/http/lib/profile.mjs
// gives the package totals and the overall top functions; this says what each package spent it on).
import { readFileSync } from "node:fs"
import { ownerOf } from "../../shared/profileOwner.mjs"

export const topByPackage = (file, { window, packages = 8, functions = 6 } = {}) => {
  const profile = JSON.parse(readFileSync(file, "utf8"))
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const self = new Map()
  let at = profile.startTime
  let total = 0
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0
    at += delta
    if (window && (at < window.from || at > window.to)) return
    self.set(id, (self.get(id) ?? 0) + delta)
    total += delta
  })
  const owners = new Map()
  for (const [id, micros] of self) {
    const { functionName, url, lineNumber } = nodes.get(id).callFrame
    const owner = ownerOf(url)
    const name = `${functionName || "(anonymous)"}  ${url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\/(packages|examples)\//, "$1/")}${url ? `:${lineNumber + 1}` : ""}`
    const byName = owners.get(owner) ?? new Map()
    byName.set(name, (byName.get(name) ?? 0) + micros)
    owners.set(owner, byName)
  }
  const percent = (micros) => Math.round((1000 * micros) / total) / 10
  const sum = (map) => [...map.values()].reduce((a, b) => a + b, 0)
  return [...owners]
    .sort((a, b) => sum(b[1]) - sum(a[1]))
    .slice(0, packages)
    .map(([name, byName]) => ({
      name,
      percent: percent(sum(byName)),
      top: [...byName].sort((a, b) => b[1] - a[1]).slice(0, functions).map(([fn, micros]) => ({ name: fn, percent: percent(micros) }))
    }))
}
