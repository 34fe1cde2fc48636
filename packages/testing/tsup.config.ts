import { defineConfig } from "tsup"

export default defineConfig({
  entry: ["src/index.ts", "src/postgres.ts", "src/sql.ts", "src/browser.ts"],
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20"
})
