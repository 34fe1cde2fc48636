/** The client against a handler in this process (its fetch is the handler): typed calls, problems as BillkitProblem. */
import { execFile } from "node:child_process"
import { mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { billkit, makeMemoryStorage } from "@billkit/core"
import { BillkitProblem, createClient, makeClient } from "@billkit/client"
import { FetchHttpClient } from "@effect/platform"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const app = billkit({ storage: makeMemoryStorage() })
let apiKey: string
beforeAll(async () => {
  apiKey = (await app.bootstrap()).apiKey!
})
afterAll(() => app.dispose())
const handlerFetch = (input: RequestInfo | URL, init?: RequestInit) => app.handler(new Request(input, init))

describe("@billkit/client", () => {
  it("creates, lists and updates through typed methods, and rejects with the API's problem", async () => {
    const client = createClient({ baseUrl: "http://billkit.test/", apiKey, fetch: handlerFetch })
    const customer = await client.customers.create({ payload: { email: "ada@example.com", name: "Ada" } })
    expect(customer.id).toMatch(/^cus_/)
    expect(customer.email).toBe("ada@example.com")
    const page = await client.customers.list({ urlParams: { limit: 10 } })
    expect(page.data.map((c) => c.id)).toEqual([customer.id])
    expect(page.hasMore).toBe(false)
    expect((await client.customers.list()).data).toHaveLength(1)
    const renamed = await client.customers.update({ path: { id: customer.id }, payload: { name: "Ada L." } })
    expect(renamed.name).toBe("Ada L.")

    const missing = await client.customers.retrieve({ path: { id: "cus_01J0000000000000000000000" } }).catch((e) => e)
    expect(missing).toBeInstanceOf(BillkitProblem)
    expect(missing).toMatchObject({ status: 404, type: "urn:billkit:error:not_found" })
    const taken = await client.customers.create({ payload: { email: "ada@example.com" } }).catch((e) => e)
    expect(taken).toMatchObject({ status: 409, type: "urn:billkit:error:conflict" })
    const anonymous = await createClient({ baseUrl: "http://billkit.test", fetch: handlerFetch }).customers.list().catch((e) => e)
    expect(anonymous).toMatchObject({ status: 401, type: "urn:billkit:error:unauthorized" })
  })

  it("is an Effect client too, failing with the problem's class", async () => {
    const result = await Effect.runPromise(
      Effect.gen(function*() {
        const client = yield* makeClient({ baseUrl: "http://billkit.test", apiKey })
        return yield* Effect.flip(client.customers.retrieve({ path: { id: "cus_01J0000000000000000000000" } }))
      }).pipe(Effect.provide(FetchHttpClient.layer), Effect.provideService(FetchHttpClient.Fetch, handlerFetch as typeof fetch))
    )
    expect(result.constructor.name).toBe("NotFoundProblem")
    expect(result).toMatchObject({ status: 404, type: "urn:billkit:error:not_found" })
  })
})

describe("@billkit/client in a browser", () => {
  it("bundles for the browser: no Node built-in anywhere in its imports (core's built dist included)", async () => {
    const root = fileURLToPath(new URL("../../../", import.meta.url))
    const out = mkdtempSync(join(tmpdir(), "billkit-client-browser-"))
    try {
      // esbuild refuses `node:*` and Node's built-in modules on the browser platform.
      await promisify(execFile)(join(root, "node_modules", ".bin", "esbuild"), [
        join(root, "packages", "client", "src", "index.ts"), "--bundle", "--platform=browser", "--format=esm", "--log-level=error",
        `--outfile=${join(out, "client.js")}`
      ], { cwd: join(root, "packages", "client") })
      expect(statSync(join(out, "client.js")).size).toBeGreaterThan(0)
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  }, 120_000)
})
