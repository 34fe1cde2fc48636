/**
 * The authorization and idempotency defects a hostile probe found, one scenario each:
 * Idempotency-Keys replayed across keys or before the scope check, secrets kept in the
 * idempotency store, keys granting more than they hold, private prices shown to publishable keys,
 * and codes that look like ids.
 */
import { Clock, Effect } from "effect"
import { describe, expect, it } from "vitest"
import type { BillkitOptions, StoragePort } from "@billkit/core"
import { makeKey, type Reply, type Tenants } from "./client.js"

export interface AuthContext {
  /** Fresh, emptied storage with projects A and B (disposed after the test). */
  readonly tenants: (
    options?: Omit<Partial<BillkitOptions>, "authenticate"> & { readonly authenticate?: (request: Request) => Promise<any> }
  ) => Promise<Tenants>
  readonly storage: () => StoragePort
}

const fieldsOf = (reply: Reply): Array<string> => (reply.json?.errors ?? []).map((e: { field: string }) => e.field)

const sha256Hex = async (text: string) =>
  Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))), (b) =>
    b.toString(16).padStart(2, "0")).join("")

export const authScenarios = (ctx: AuthContext) => {
  describe("Idempotency-Key belongs to one API key and replays only after authorization", () => {
    it("never replays a secret key's POST /v1/api-keys (or its secret) to a publishable or narrower key", async () => {
      const t = await ctx.tenants()
      const publishable = await makeKey(t, { type: "publishable" })
      const narrow = await makeKey(t, { scopes: ["customers:read"] })
      const body = { name: "minted", scopes: ["*"] }
      const first = await t.send(t.a.test, "POST", "/v1/api-keys", body, { "idempotency-key": "probe-1" })
      expect(first.status).toBe(201)
      for (const key of [publishable.secret, narrow.secret]) {
        const stolen = await t.send(key, "POST", "/v1/api-keys", body, { "idempotency-key": "probe-1" })
        expect(stolen.status).toBe(403)
        expect(stolen.headers.get("idempotent-replayed")).toBeNull()
        expect(stolen.text).not.toContain(first.json.secret)
        expect(stolen.text).not.toContain(first.json.id)
      }
    })

    it("does not store a 403: the allowed key's request with that Idempotency-Key then runs for real", async () => {
      const t = await ctx.tenants()
      const publishable = await makeKey(t, { type: "publishable" })
      const body = { email: "first@example.com" }
      const refused = await t.send(publishable.secret, "POST", "/v1/customers", body, { "idempotency-key": "probe-2" })
      expect(refused.status).toBe(403)
      const real = await t.send(t.a.test, "POST", "/v1/customers", body, { "idempotency-key": "probe-2" })
      expect(real.status).toBe(201)
      expect(real.headers.get("idempotent-replayed")).toBeNull()
      expect(real.json.email).toBe("first@example.com")
      // And that key's own retry replays its own result.
      const retry = await t.send(t.a.test, "POST", "/v1/customers", body, { "idempotency-key": "probe-2" })
      expect(retry.headers.get("idempotent-replayed")).toBe("true")
      expect(retry.text).toBe(real.text)
    })

    it("keeps two full-access keys of one project apart: each runs its own request", async () => {
      const t = await ctx.tenants()
      const other = await makeKey(t, { scopes: ["*"] })
      const first = await t.send(t.a.test, "POST", "/v1/products", { name: "Pro" }, { "idempotency-key": "probe-3" })
      const second = await t.send(other.secret, "POST", "/v1/products", { name: "Pro" }, { "idempotency-key": "probe-3" })
      expect([first.status, second.status]).toEqual([201, 201])
      expect(second.headers.get("idempotent-replayed")).toBeNull()
      expect(second.json.id).not.toBe(first.json.id)
    })

    it("keeps a host's principals apart when they carry no keyId, and by keyId when they do", async () => {
      const principals: Record<string, object> = {
        admin: { scopes: ["*"], keyType: "secret" },
        reader: { scopes: ["customers:read"], keyType: "secret" },
        alice: { scopes: ["*"], keyType: "secret", keyId: "user_alice" },
        bob: { scopes: ["*"], keyType: "secret", keyId: "user_bob" }
      }
      let projectId = ""
      const t = await ctx.tenants({
        authenticate: async (request: Request) => {
          const who = principals[request.headers.get("x-who") ?? ""]
          return who === undefined ? null : { projectId, mode: "test", ...who }
        }
      })
      projectId = t.a.projectId
      const as = (who: string, body: unknown) =>
        t.send(undefined, "POST", "/v1/customers", body, { "x-who": who, "idempotency-key": `host-${JSON.stringify(body)}` })
      const created = await as("admin", { email: "a@example.com" })
      expect(created.status).toBe(201)
      const reader = await as("reader", { email: "a@example.com" })
      expect(reader.status).toBe(403)
      expect(reader.headers.get("idempotent-replayed")).toBeNull()
      expect((await as("admin", { email: "a@example.com" })).headers.get("idempotent-replayed")).toBe("true")
      const alice = await as("alice", { email: "b@example.com" })
      const bob = await as("bob", { email: "b@example.com" })
      expect(alice.status).toBe(201)
      expect(bob.headers.get("idempotent-replayed")).toBeNull()
      expect(bob.status).toBe(409) // its own request: a duplicate email, not alice's stored answer
    })
  })

  describe("a response carrying a secret is never stored in plaintext", () => {
    it("stores and replays a 409 naming the created key, never the secret, and creates no second key", async () => {
      const t = await ctx.tenants()
      const body = JSON.stringify({ name: "ci", scopes: ["customers:write"] })
      const first = await t.send(t.a.test, "POST", "/v1/api-keys", body, { "idempotency-key": "secret-1" })
      expect(first.status).toBe(201)
      const secret: string = first.json.secret
      expect(secret).toMatch(/^sk_test_/)

      const caller = (await t.ok(t.a.test, "GET", "/v1/api-keys?limit=100")).data.find((k: { name: string }) => k.name === "Default test key")
      const scope = `${t.a.projectId}:test:${caller.id}`
      const fingerprint = await sha256Hex(`POST /v1/api-keys\n${body}`)
      // Read at the time the app stored it: its Clock (the default one here).
      const stored = await Effect.runPromise(Effect.flatMap(Clock.currentTimeMillis, (now) =>
        ctx.storage().idempotency.claim({ scope, key: "secret-1", fingerprint, now, expiresAt: now + 60_000, staleBefore: now - 60_000 })))
      expect(stored._tag).toBe("Completed")
      const kept = stored._tag === "Completed" ? stored.response : undefined
      expect(kept?.body).not.toContain(secret)
      expect(kept?.body).not.toContain(secret.slice(8))

      const replay = await t.send(t.a.test, "POST", "/v1/api-keys", body, { "idempotency-key": "secret-1" })
      expect(replay.status).toBe(409)
      expect(replay.headers.get("idempotent-replayed")).toBe("true")
      expect(replay.text).not.toContain(secret)
      expect(replay.json.detail).toContain(first.json.id)
      expect(fieldsOf(replay)).toEqual(["Idempotency-Key"])
      const keys = (await t.ok(t.a.test, "GET", "/v1/api-keys?limit=100")).data
      expect(keys.filter((k: { name: string }) => k.name === "ci")).toHaveLength(1)
    })
  })

  describe("a key grants and revokes only what it holds", () => {
    it("refuses scopes beyond the creating key's, naming scopes, and revoking stronger keys", async () => {
      const t = await ctx.tenants()
      const manager = await makeKey(t, { scopes: ["api_keys:write", "customers:write"] })
      for (const scopes of [["*"], ["products:read"], ["customers:write", "invoices:write"]]) {
        const refused = await t.send(manager.secret, "POST", "/v1/api-keys", { name: "x", scopes })
        expect(refused.status).toBe(403)
        expect(fieldsOf(refused)).toEqual(["scopes"])
      }
      // What it holds, write implying read.
      const granted = await t.send(manager.secret, "POST", "/v1/api-keys", { name: "y", scopes: ["customers:read", "api_keys:read"] })
      expect(granted.status).toBe(201)
      // Omitted scopes mean `*`, which it does not hold.
      expect((await t.send(manager.secret, "POST", "/v1/api-keys", { name: "z" })).status).toBe(403)

      const strong = await makeKey(t, { scopes: ["*"] })
      const revokeStrong = await t.send(manager.secret, "DELETE", `/v1/api-keys/${strong.id}`)
      expect(revokeStrong.status).toBe(403)
      expect(fieldsOf(revokeStrong)).toEqual(["scopes"])
      expect((await t.send(strong.secret, "GET", "/v1/customers")).status).toBe(200)
      const revokeWeak = await t.send(manager.secret, "DELETE", `/v1/api-keys/${granted.json.id}`)
      expect(revokeWeak.status).toBe(200)
      expect(revokeWeak.json.status).toBe("revoked")
    })

    it("keeps a narrower key's grants within its rate limits; a * key grants any", async () => {
      const t = await ctx.tenants()
      const limited = await makeKey(t, { scopes: ["api_keys:write"], rate_limits: [{ window: "minute", max: 60 }] })
      const looser = await t.send(limited.secret, "POST", "/v1/api-keys", {
        name: "looser", scopes: ["api_keys:read"], rate_limits: [{ window: "minute", max: 120 }]
      })
      expect(looser.status).toBe(403)
      expect(fieldsOf(looser)).toEqual(["rate_limits"])
      const otherWindow = await t.send(limited.secret, "POST", "/v1/api-keys", {
        name: "other window", scopes: ["api_keys:read"], rate_limits: [{ window: "hour", max: 10 }]
      })
      expect(otherWindow.status).toBe(403)
      const inherited = await t.send(limited.secret, "POST", "/v1/api-keys", { name: "inherits", scopes: ["api_keys:read"] })
      expect(inherited.status).toBe(201)
      expect(inherited.json.rate_limits).toEqual([{ window: "minute", max: 60 }])
      const stricter = await t.send(limited.secret, "POST", "/v1/api-keys", {
        name: "stricter", scopes: ["api_keys:read"], rate_limits: [{ window: "minute", max: 30 }, { window: "second", max: 2 }]
      })
      expect(stricter.status).toBe(201)
      const generous = await t.send(t.a.test, "POST", "/v1/api-keys", { name: "batch", rate_limits: [{ window: "second", max: 5000 }] })
      expect(generous.status).toBe(201)
    })
  })

  describe("publishable keys see public prices only", () => {
    it("lists a public plan without its private prices, by id and expanded, and nothing else about prices", async () => {
      const t = await ctx.tenants()
      const key = t.a.test
      const product = await t.ok(key, "POST", "/v1/products", { name: "Pro" })
      const open = await t.ok(key, "POST", `/v1/products/${product.id}/prices`, { amount: 1000, currency: "EUR", schedule: "month" })
      const hidden = await t.ok(key, "POST", `/v1/products/${product.id}/prices`, { amount: 500, currency: "EUR", schedule: "month", public: false })
      const plan = await t.ok(key, "POST", "/v1/plans", { name: "Pro", code_name: "pro", product: product.id, prices: [open.id, hidden.id] })
      const secretPlan = await t.ok(key, "POST", "/v1/plans", { name: "Deal", code_name: "deal", product: product.id, prices: [hidden.id], public: false })
      const pk = (await makeKey(t, { type: "publishable" })).secret

      const plans = await t.send(pk, "GET", "/v1/plans")
      expect(plans.status).toBe(200)
      expect(plans.json.data.map((p: { id: string }) => p.id)).toEqual([plan.id])
      expect(plans.json.data[0].prices).toEqual([open.id])
      const expanded = await t.send(pk, "GET", "/v1/plans?expand=prices")
      expect(expanded.json.data[0].prices.map((p: { id: string }) => p.id)).toEqual([open.id])
      for (const reply of [plans, expanded]) {
        expect(reply.text).not.toContain(hidden.id)
        expect(reply.text).not.toContain(secretPlan.id)
      }
      const prices = await t.send(pk, "GET", "/v1/prices?expand=product")
      expect(prices.json.data.map((p: { id: string }) => p.id)).toEqual([open.id])
      for (const path of [`/v1/prices/${hidden.id}`, `/v1/prices/${open.id}`, `/v1/plans/${plan.id}`, `/v1/products/${product.id}/prices`]) {
        const reply = await t.send(pk, "GET", path)
        expect(reply.status).toBe(403)
        expect(reply.json.type).toBe("urn:billkit:error:forbidden")
      }
      // A secret key still sees everything.
      expect((await t.ok(key, "GET", `/v1/plans/${plan.id}`)).prices).toEqual([open.id, hidden.id])
    })
  })

  describe("codes that look like ids are refused", () => {
    it("refuses plan code_name plan_…, feature code feat_… and metric code met_…, on create and update (422 naming the field)", async () => {
      const t = await ctx.tenants()
      const key = t.a.test
      const product = await t.ok(key, "POST", "/v1/products", { name: "Pro" })
      const planX = await t.send(key, "POST", "/v1/plans", { name: "X", code_name: "plan_x", product: product.id })
      expect(planX.status).toBe(422)
      expect(fieldsOf(planX)).toEqual(["code_name"])
      const plan = await t.ok(key, "POST", "/v1/plans", { name: "X", code_name: "x_plan", product: product.id })
      const renamed = await t.send(key, "PATCH", `/v1/plans/${plan.id}`, { code_name: "plan_y" })
      expect(renamed.status).toBe(422)
      expect(fieldsOf(renamed)).toEqual(["code_name"])
      expect((await t.ok(key, "GET", "/v1/plans/x_plan")).id).toBe(plan.id)

      const featX = await t.send(key, "POST", "/v1/features", { code: "feat_x", name: "X" })
      expect(featX.status).toBe(422)
      expect(fieldsOf(featX)).toEqual(["code"])
      const feature = await t.ok(key, "POST", "/v1/features", { code: "x_feat", name: "X" })
      const featRenamed = await t.send(key, "PATCH", `/v1/features/${feature.id}`, { code: "feat_y" })
      expect(featRenamed.status).toBe(422)
      expect(fieldsOf(featRenamed)).toEqual(["code"])

      const metX = await t.send(key, "POST", "/v1/metrics", { code: "met_x", name: "X", aggregation_method: "count" })
      expect(metX.status).toBe(422)
      expect(fieldsOf(metX)).toEqual(["code"])
      const metric = await t.ok(key, "POST", "/v1/metrics", { code: "x_met", name: "X", aggregation_method: "count" })
      const metRenamed = await t.send(key, "PATCH", `/v1/metrics/${metric.id}`, { code: "met_y" })
      expect(metRenamed.status).toBe(422)
      expect(fieldsOf(metRenamed)).toEqual(["code"])
      // Only the resolver's own prefix is ambiguous: another kind's is a plain code.
      expect((await t.send(key, "POST", "/v1/metrics", { code: "feat_calls", name: "Y", aggregation_method: "count" })).status).toBe(201)
    })
  })
}

