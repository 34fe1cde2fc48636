/**
 * Webhook delivery once for every storage backend (memory, SQLite, Postgres), under the test
 * clock: a batch's leases and outcomes are written set-wise and each delivery ends with the right
 * status; events are kept at least 30 days (Billkit deletes none), listed and resendable; failed
 * deliveries and dead letters stay listed and retryable after their retries ran out.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { billkit, type Billkit, type WebhookOptions } from "@billkit/core"
import type { StorageUnderTest } from "./conformance/fixtures.js"
import { keyedClient } from "./billing/harness.js"

const DAY = 24 * 60 * 60 * 1000

/**
 * A receiver on 127.0.0.1 answering `status`; records each request's `webhook-id`. `holdNext()`
 * keeps the next request waiting until the returned function answers it with a status.
 */
const startReceiver = async (status: number) => {
  const ids: Array<string> = []
  const state: { status: number; hold?: (answer: (status: number) => void) => void } = { status }
  const server: Server = createServer((req, res) => {
    req.resume().on("end", () => {
      ids.push(String(req.headers["webhook-id"]))
      const answer = (s: number) => res.writeHead(s).end(s === 200 ? "ok" : "broken")
      const hold = state.hold
      state.hold = undefined
      if (hold !== undefined) hold(answer)
      else answer(state.status)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    ids,
    answer: (s: number) => (state.status = s),
    /** Resolves, once the next request arrived, to the function that answers it. */
    holdNext: () => new Promise<(status: number) => void>((resolve) => (state.hold = resolve)),
    close: () => {
      server.closeAllConnections()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

export const webhooksConformance = (name: string, make: () => Promise<StorageUnderTest>): void => {
  describe(`webhooks conformance: ${name}`, () => {
    let underTest: StorageUnderTest
    const cleanup: Array<() => Promise<void>> = []
    beforeAll(async () => {
      underTest = await make()
    })
    afterEach(async () => {
      for (const step of cleanup.splice(0).reverse()) await step()
    })
    afterAll(async () => underTest?.close())

    const appWith = async (webhooks: WebhookOptions = {}) => {
      await underTest.reset()
      const app: Billkit = billkit({ storage: underTest.storage, webhooks: { allowPrivateNetworks: true, ...webhooks } })
      cleanup.push(() => app.dispose())
      const { projectId, ok: call } = await keyedClient(app)
      const receiver = async (status: number) => {
        const r = await startReceiver(status)
        cleanup.push(r.close)
        return r
      }
      const advanceTo = async (ms: number) => call("POST", "/v1/test-helpers/clock/advance", { to: new Date(ms).toISOString() })
      const start = Date.parse((await call("POST", "/v1/test-helpers/clock/advance", { seconds: 0 })).now)
      return { app, call, receiver, advanceTo, start, projectId: projectId! }
    }

    it("a batch is leased and recorded together: each delivery made once, with its own outcome", async () => {
      const { app, call, receiver } = await appWith({ batchSize: 25, concurrency: 8, retry: { jitter: 0 } })
      const ok = await receiver(200)
      const broken = await receiver(500)
      const good = await call("POST", "/v1/webhook-endpoints", { url: ok.url, events: ["customer.*"] })
      const bad = await call("POST", "/v1/webhook-endpoints", { url: broken.url, events: ["customer.created"] })
      for (let i = 0; i < 30; i++) await call("POST", "/v1/customers", { email: `c${i}@example.com` })
      const report = await app.runDeliveries()
      expect(report).toEqual({ dispatched: 30, attempted: 60, succeeded: 30, retrying: 30, failed: 0 })
      expect(new Set(ok.ids).size).toBe(30)
      expect(ok.ids).toHaveLength(30)
      expect(broken.ids).toHaveLength(30)
      const goods = (await call("GET", `/v1/webhook-endpoints/${good.id}/deliveries?limit=100`)).data
      expect(goods).toHaveLength(30)
      expect(goods.every((d: any) => d.status === "succeeded" && d.attempts === 1 && d.response_status === 200 && d.next_attempt_at === null)).toBe(true)
      const bads = (await call("GET", `/v1/webhook-endpoints/${bad.id}/deliveries?limit=100`)).data
      expect(bads.every((d: any) =>
        d.status === "pending" && d.attempts === 1 && d.response_status === 500 && d.error === "answered 500" && d.next_attempt_at !== null)).toBe(true)
      // Nothing is due again before the first retry (about 5 s): the leases were released, not left to run out.
      expect(await app.runDeliveries()).toEqual({ dispatched: 0, attempted: 0, succeeded: 0, retrying: 0, failed: 0 })
    })

    it("a worker whose lease ran out does not record over the worker that took the delivery over", async () => {
      const { app: a, call, receiver, advanceTo, start } = await appWith({ leaseMs: 60_000 })
      const b: Billkit = billkit({ storage: underTest.storage, webhooks: { allowPrivateNetworks: true, leaseMs: 60_000 } })
      cleanup.push(() => b.dispose())
      const r = await receiver(200)
      const endpoint = await call("POST", "/v1/webhook-endpoints", { url: r.url, events: ["customer.*"] })
      const held = r.holdNext()
      await call("POST", "/v1/customers", { email: "slow@example.com" })
      const first = a.runDeliveries()
      const answerFirst = await held
      // A's lease runs out while its request hangs; B takes the delivery over and it succeeds.
      await advanceTo(start + 61_000)
      expect(await b.runDeliveries()).toMatchObject({ attempted: 1, succeeded: 1 })
      answerFirst(500)
      // A's late failure is not recorded: the delivery stays B's success.
      expect(await first).toMatchObject({ attempted: 1, succeeded: 0, retrying: 0, failed: 0 })
      const [d] = (await call("GET", `/v1/webhook-endpoints/${endpoint.id}/deliveries`)).data
      expect(d).toMatchObject({ status: "succeeded", attempts: 2, response_status: 200, error: null })
      expect(r.ids).toHaveLength(2)
    })

    it("keeps events at least 30 days: a 29-day-old event is listed and resent, and so is a 400-day-old one", async () => {
      const { app, call, receiver, advanceTo, start } = await appWith()
      const r = await receiver(200)
      await call("POST", "/v1/webhook-endpoints", { url: r.url, events: ["customer.*"] })
      await call("POST", "/v1/customers", { email: "kept@example.com" })
      await app.runDeliveries()
      const [event] = (await call("GET", "/v1/events?type=customer.created")).data
      expect(r.ids).toEqual([event.id])

      for (const [age, copies] of [[29 * DAY, 2], [400 * DAY, 3]] as const) {
        await advanceTo(start + age)
        expect(await call("GET", `/v1/events/${event.id}`)).toEqual(event)
        expect((await call("GET", "/v1/events?type=customer.created")).data.map((e: any) => e.id)).toEqual([event.id])
        const resent = await call("POST", `/v1/events/${event.id}/resend`)
        expect(resent.data).toHaveLength(1)
        expect(await app.runDeliveries()).toMatchObject({ attempted: 1, succeeded: 1 })
        expect(r.ids).toEqual(Array(copies).fill(event.id))
      }
    })

    it("keeps failed deliveries and dead letters after their retries ran out, and retries them on request", async () => {
      const { app, call, receiver, advanceTo, start, projectId } = await appWith({ retry: { jitter: 0, delaysMs: [1000], retryForMs: 3000 } })
      const r = await receiver(500)
      const endpoint = await call("POST", "/v1/webhook-endpoints", { url: r.url, events: ["customer.*"] })
      const unsubscribe = app.events.subscribe("customer.created", () => Promise.reject(new Error("broken handler")), { name: "broken" })
      cleanup.push(async () => unsubscribe())
      await call("POST", "/v1/customers", { email: "failing@example.com" })
      for (let s = 0; s <= 5; s++) {
        await advanceTo(start + s * 1000)
        await app.runDeliveries()
      }
      const [failed] = (await call("GET", `/v1/webhook-endpoints/${endpoint.id}/deliveries`)).data
      expect(failed).toMatchObject({ status: "failed", attempts: 4, response_status: 500, next_attempt_at: null })
      expect(await app.events.deadLetters(projectId)).toHaveLength(1)

      await advanceTo(start + 60 * DAY)
      expect(await app.runDeliveries()).toMatchObject({ attempted: 0 })
      expect((await call("GET", `/v1/webhook-endpoints/${endpoint.id}/deliveries`)).data).toEqual([failed])
      const [dead] = await app.events.deadLetters(projectId)
      expect(dead).toMatchObject({ subscriber: "broken", status: "failed", attempts: 4 })
      r.answer(200)
      const retried = await call("POST", `/v1/webhook-endpoints/${endpoint.id}/deliveries/${failed.id}/retry`)
      expect(retried).toMatchObject({ id: failed.id, status: "succeeded", attempts: 5, response_status: 200 })
      expect(r.ids).toHaveLength(5)
    })
  })
}
