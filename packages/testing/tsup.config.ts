import { defineConfig } from "tsup"

export default defineConfig([
  {
    entry: { index: "src/index.ts", postgres: "src/postgres.ts", sql: "src/sql.ts", stripe: "src/stripe/index.ts", browser: "src/browser.ts", accounts: "src/connections/accounts.ts" },
    format: ["esm", "cjs"],
    dts: true,
    clean: true,
    sourcemap: true,
    target: "node20"
  },
  {
    // The fake Stripe's command line: ESM only (top-level await), with a shebang.
    entry: { "fake-stripe-bin": "src/stripe/bin.ts" },
    format: ["esm"],
    sourcemap: true,
    target: "node20"
  }
])
