import { availableParallelism } from "node:os"
import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url))

// Tests import the packages' sources, so a test run never depends on a stale build;
// the exports test (packages/core/test/exports.test.ts) checks the built output separately.
export default defineConfig({
  resolve: {
    alias: {
      "@billkit/core": src("core"),
      "@billkit/sql": src("sql"),
      "@billkit/sqlite": src("sqlite"),
      "@billkit/postgres": src("postgres"),
      "@billkit/express": src("express"),
      "@billkit/hono": src("hono"),
      "@billkit/next": src("next"),
      "@billkit/stripe": src("stripe"),
      "@billkit/client": src("client"),
      // Subpath exports first: an alias matches as a prefix, the first one wins.
      "@billkit/testing/accounts": fileURLToPath(new URL("./packages/testing/src/connections/accounts.ts", import.meta.url)),
      "@billkit/testing/stripe": fileURLToPath(new URL("./packages/testing/src/stripe/index.ts", import.meta.url)),
      "@billkit/testing/sql": fileURLToPath(new URL("./packages/testing/src/sql.ts", import.meta.url)),
      "@billkit/testing/browser": fileURLToPath(new URL("./packages/testing/src/browser.ts", import.meta.url)),
      "@billkit/testing": src("testing")
    }
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/*/test/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["./test/postgres-global-setup.ts"],
    // Every response the suite receives is checked against docs/openapi.json.
    setupFiles: ["./test/openapi/validate-responses.setup.ts"],
    // Vitest's default is one worker fewer than the cores: on a 2-core machine, one file at a
    // time. Most slow files wait on Postgres, child processes and Chromium, so two run side by
    // side there (1,031 s against 1,430 s, back to back, in docs/performance.md).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
