import { readFileSync } from "node:fs"
import { defineConfig } from "tsup"

const { dependencies } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as {
  dependencies: Record<string, string>
}

// An app, not a library: one ESM bundle of our own code; every dependency (native drivers
// included) stays an import resolved from node_modules at run time.
export default defineConfig({
  entry: { main: "src/main.ts", index: "src/index.ts" },
  format: ["esm"],
  platform: "node",
  target: "node20",
  external: Object.keys(dependencies),
  clean: true,
  sourcemap: true
})
