// The fixture app's route module, with the real core, driven through Next's route-handler
// contract: Next imports app/api/billing/[...path]/route.ts and calls its method exports with a
// NextRequest, a `Request` subclass; plain `Request`s stand in for it so that installing the
// workspace never downloads Next.js (300 MB). No real `next build` server here: Turbopack cannot compile core's sources (their
// `./x.js` imports name `./x.ts` files, vercel/next.js#82945), and bundling core's built output
// took 20-53 s and needs a fresh `pnpm build` first, too slow and brittle for every test run.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { billing } from "./fixture/lib/billing"
import * as route from "./fixture/app/api/billing/[...path]/route"

let authorization: { authorization: string }
beforeAll(async () => {
  authorization = { authorization: `Bearer ${(await billing.bootstrap()).apiKey}` }
})
afterAll(() => billing.dispose())

const url = (path: string) => `http://localhost:3000/api/billing${path}`

describe("the fixture's app/api/billing/[...path]/route.ts", () => {
  it("creates a customer with POST and reads it back with GET", async () => {
    const created = await route.POST(
      new Request(url("/v1/customers"), {
        method: "POST",
        headers: { ...authorization, "content-type": "application/json" },
        body: '{"email":"a@example.com"}'
      })
    )
    expect(created.status).toBe(201)
    expect(created.headers.get("request-id")).toBeTruthy()
    const customer = await created.json()
    expect(customer.id).toMatch(/^cus_/)

    const read = await route.GET(new Request(url(`/v1/customers/${customer.id}`), { headers: authorization }))
    expect(read.status).toBe(200)
    expect(await read.json()).toMatchObject({ id: customer.id, email: "a@example.com" })
  })

  it("answers 401 with a problem document when the key is missing", async () => {
    const response = await route.GET(new Request(url("/v1/customers")))
    expect(response.status).toBe(401)
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/)
    expect(response.headers.get("request-id")).toBeTruthy()
  })

  it("serves the API reference under the base path", async () => {
    expect((await route.GET(new Request(url("/docs")))).status).toBe(200)
  })
})
