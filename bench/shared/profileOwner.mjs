// Who a .cpuprofile frame belongs to, for the benches' profile summaries.

/** node_modules/.pnpm/effect@3.22.4/node_modules/effect/dist/esm/… → "effect"; ours → "billkit:<pkg>". */
export const ownerOf = (url) => {
  if (url === "") return "(native / V8)"
  if (url.startsWith("node:")) return "node core"
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/.exec(url)
  if (module) return module[1]
  const workspace = /\/(packages|examples)\/([^/]+)\//.exec(url)
  return workspace ? `billkit:${workspace[2]}` : url
}
