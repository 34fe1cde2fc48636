/**
 * Connections (`/v1/connections`), once for every storage backend: keys checked against the
 * provider, sealed at rest and never answered, one default per project and mode, the mode rules
 * on keys, deletion, tenancy and scopes, and the start-up refusal without the encryption key.
 */
import { Effect } from "effect"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { billkit, Collections, EncryptionKeyRequired, type Billkit } from "@billkit/core"
import type { StorageUnderTest } from "./conformance/fixtures.js"
import { makeTenants, type Tenants } from "./auth/client.js"
import { inProcessAccounts, type AccountsUnderTest } from "./connections/accounts.js"
import { syncScenarios } from "./connections/syncScenarios.js"
import { importScenarios } from "./connections/importScenarios.js"

/** 32 bytes, base64: the instance's encryption key in these tests. */
const encryptionKey = Buffer.alloc(32, 11).toString("base64")
const otherKey = Buffer.alloc(32, 12).toString("base64")

const fieldsOf = (reply: { json?: { errors?: Array<{ field: string }> } }) => (reply.json?.errors ?? []).map((e) => e.field)

export const connectionsConformance = (
  name: string,
  make: () => Promise<StorageUnderTest>,
  accountsOf: () => Promise<AccountsUnderTest> = async () => inProcessAccounts()
): void => {
  describe(`connections conformance: ${name}`, () => {
    let underTest: StorageUnderTest
    let accounts: AccountsUnderTest
    const apps: Array<Billkit> = []
    beforeAll(async () => {
      underTest = await make()
      accounts = await accountsOf()
    })
    afterEach(async () => {
      for (const app of apps.splice(0)) await app.dispose()
    })
    afterAll(async () => {
      await accounts?.close()
      await underTest?.close()
    })

    const tenants = async (options: { readonly sealed?: boolean; readonly integrated?: boolean } = {}): Promise<Tenants> => {
      await underTest.reset()
      const t = await makeTenants(underTest.storage, {
        ...(options.sealed === false ? {} : { encryptionKey }),
        ...(options.integrated === false ? {} : { providerAccounts: { stripe: accounts.providerAccounts } })
      })
      apps.push(t.app)
      return t
    }

    it("connects an account: checks the key, answers the account and never the key", async () => {
      const t = await tenants()
      const account = await accounts.newAccount("test")
      const created = await t.send(t.a.test, "POST", "/v1/connections", {
        provider: "stripe", secret_key: account.secretKey, webhook_secret: "whsec_abcdefgh12345678"
      })
      expect(created.status).toBe(201)
      expect(created.json).toEqual({
        id: expect.stringMatching(/^conn_[0-9A-Z]{26}$/),
        object: "connection",
        provider: "stripe",
        provider_account_id: account.accountId,
        livemode: false,
        default: true,
        redacted_key: `sk_test_…${account.secretKey.slice(-4)}`,
        webhook_secret_set: true,
        created_at: expect.stringMatching(/Z$/)
      })
      expect(created.text).not.toContain(account.secretKey)
      const got = await t.send(t.a.test, "GET", `/v1/connections/${created.json.id}`)
      expect(got.json).toEqual(created.json)
      const listed = await t.send(t.a.test, "GET", "/v1/connections")
      expect(listed.json).toMatchObject({ object: "list", data: [created.json], has_more: false })
      for (const reply of [got, listed]) expect(reply.text).not.toContain(account.secretKey)
    })

    it("stores the key and webhook secret sealed: the stored record holds neither", async () => {
      const t = await tenants()
      const account = await accounts.newAccount("test")
      const webhookSecret = "whsec_plainly1234567890"
      const created = await t.ok(t.a.test, "POST", "/v1/connections", { provider: "stripe", secret_key: account.secretKey, webhook_secret: webhookSecret })
      const raw = await Effect.runPromise(underTest.storage.get(Collections.Connections, { projectId: t.a.projectId, mode: "test" }, created.id))
      expect(raw._tag).toBe("Some")
      const text = JSON.stringify(raw)
      expect(text).not.toContain(account.secretKey)
      expect(text).not.toContain(webhookSecret)
      expect(text).toMatch(/"sealed_secret_key":"v1\./)
    })

    it("keeps one default: the first, or the one made default later", async () => {
      const t = await tenants()
      const [a, b, c] = [await accounts.newAccount("test"), await accounts.newAccount("test"), await accounts.newAccount("test")]
      const first = await t.ok(t.a.test, "POST", "/v1/connections", { provider: "stripe", secret_key: a.secretKey })
      const second = await t.ok(t.a.test, "POST", "/v1/connections", { provider: "stripe", secret_key: b.secretKey })
      expect([first.default, second.default]).toEqual([true, false])
      const third = await t.ok(t.a.test, "POST", "/v1/connections", { provider: "stripe", secret_key: c.secretKey, default: true })
      expect(third.default).toBe(true)
      const defaults = async () =>
        (await t.ok(t.a.test, "GET", "/v1/connections")).data.filter((x: { default: boolean }) => x.default).map((x: { id: string }) => x.id)
      expect(await defaults()).toEqual([third.id])
      const made = await t.send(t.a.test, "POST", `/v1/connections/${second.id}`, { default: true })
      expect(made.status).toBe(200)
      expect(made.json.default).toBe(true)
      expect(await defaults()).toEqual([second.id])
      // Two made default at once still leave one.
      const raced = await Promise.all([first.id, third.id, first.id, third.id].map((id) =>
        t.send(t.a.test, "POST", `/v1/connections/${id}`, { default: true })))
      expect(raced.map((r) => r.status)).toEqual([200, 200, 200, 200])
      expect((await defaults()).length).toBe(1)
    })

    it("takes test keys only in test mode and live keys only in live mode (422 naming secret_key)", async () => {
      const t = await tenants()
      const live = await accounts.newAccount("live")
      const test = await accounts.newAccount("test")
      const inTest = await t.send(t.a.test, "POST", "/v1/connections", { provider: "stripe", secret_key: live.secretKey })
      expect(inTest.status).toBe(422)
      expect(fieldsOf(inTest)).toEqual(["secret_key"])
      expect(inTest.text).not.toContain(live.secretKey)
      const inLive = await t.send(t.a.live, "POST", "/v1/connections", { provider: "stripe", secret_key: test.secretKey })
      expect(inLive.status).toBe(422)
      expect(fieldsOf(inLive)).toEqual(["secret_key"])
      const ok = await t.send(t.a.live, "POST", "/v1/connections", { provider: "stripe", secret_key: live.secretKey })
      expect(ok.status).toBe(201)
      expect(ok.json).toMatchObject({ livemode: true, provider_account_id: live.accountId, default: true })
      // Modes are tenants: test mode sees none of live mode's connections.
      expect((await t.ok(t.a.test, "GET", "/v1/connections")).data).toEqual([])
      expect((await t.send(t.a.test, "GET", `/v1/connections/${ok.json.id}`)).status).toBe(404)
    })

    it("refuses a key the provider refuses, and writes nothing", async () => {
      const t = await tenants()
      const refused = await t.send(t.a.test, "POST", "/v1/connections", { provider: "stripe", secret_key: accounts.refusedKey("test") })
      expect(refused.status).toBe(422)
      expect(fieldsOf(refused)).toEqual(["secret_key"])
      expect((await t.ok(t.a.test, "GET", "/v1/connections")).data).toEqual([])
    })

    it("names every bad field, and refuses the same account twice", async () => {
      const t = await tenants()
      const bad = await t.send(t.a.test, "POST", "/v1/connections", { provider: "paypal", secret_key: "pk_test_123", webhook_secret: "nope", colour: "red" })
      expect(bad.status).toBe(422)
      expect(fieldsOf(bad).sort()).toEqual(["colour", "provider", "secret_key", "webhook_secret"])
      expect(fieldsOf(await t.send(t.a.test, "POST", "/v1/connections", {}))).toEqual(expect.arrayContaining(["provider", "secret_key"]))
      const account = await accounts.newAccount("test")
      const first = await t.ok(t.a.test, "POST", "/v1/connections", { provider: "stripe", secret_key: account.secretKey })
      const again = await t.send(t.a.test, "POST", "/v1/connections", { provider: "stripe", secret_key: account.secretKey })
      expect(again.status).toBe(409)
      expect(again.json.errors).toEqual([{ field: "secret_key", message: `account ${account.accountId} is already connected as ${first.id}` }])
      expect((await t.ok(t.a.test, "GET", "/v1/connections")).data.length).toBe(1)
    })

    it("deletes: the key is forgotten, the connection gone, and the account may connect again", async () => {
      const t = await tenants()
      const account = await accounts.newAccount("test")
      const conn = await t.ok(t.a.test, "POST", "/v1/connections", { provider: "stripe", secret_key: account.secretKey })
      const deleted = await t.send(t.a.test, "DELETE", `/v1/connections/${conn.id}`)
      expect(deleted.status).toBe(200)
      expect(deleted.json).toEqual({ id: conn.id, object: "connection", deleted: true })
      expect((await t.send(t.a.test, "GET", `/v1/connections/${conn.id}`)).status).toBe(404)
      expect((await t.send(t.a.test, "DELETE", `/v1/connections/${conn.id}`)).status).toBe(404)
      expect((await t.ok(t.a.test, "GET", "/v1/connections")).data).toEqual([])
      const again = await t.send(t.a.test, "POST", "/v1/connections", { provider: "stripe", secret_key: account.secretKey })
      expect(again.status).toBe(201)
      expect(again.json.default).toBe(true)
    })

    it("keeps projects apart and honours scopes", async () => {
      const t = await tenants()
      const account = await accounts.newAccount("test")
      const conn = await t.ok(t.a.test, "POST", "/v1/connections", { provider: "stripe", secret_key: account.secretKey })
      expect((await t.send(t.b.test, "GET", `/v1/connections/${conn.id}`)).status).toBe(404)
      expect((await t.send(t.b.test, "DELETE", `/v1/connections/${conn.id}`)).status).toBe(404)
      expect((await t.ok(t.b.test, "GET", "/v1/connections")).data).toEqual([])
      // Project B may connect the same account for itself.
      expect((await t.send(t.b.test, "POST", "/v1/connections", { provider: "stripe", secret_key: account.secretKey })).status).toBe(201)

      const reader = await t.ok(t.a.test, "POST", "/v1/api-keys", { name: "reader", scopes: ["connections:read"] })
      const other = await t.ok(t.a.test, "POST", "/v1/api-keys", { name: "other", scopes: ["customers:write"] })
      expect((await t.send(reader.secret, "GET", "/v1/connections")).status).toBe(200)
      expect((await t.send(reader.secret, "GET", `/v1/connections/${conn.id}`)).status).toBe(200)
      const another = await accounts.newAccount("test")
      expect((await t.send(reader.secret, "POST", "/v1/connections", { provider: "stripe", secret_key: another.secretKey })).status).toBe(403)
      expect((await t.send(reader.secret, "DELETE", `/v1/connections/${conn.id}`)).status).toBe(403)
      expect((await t.send(other.secret, "GET", "/v1/connections")).status).toBe(403)
      expect((await t.send(undefined, "GET", "/v1/connections")).status).toBe(401)
    })

    it("refuses to store a key without an encryption key, or without a provider integration", async () => {
      const unsealed = await tenants({ sealed: false })
      const account = await accounts.newAccount("test")
      const refused = await unsealed.send(unsealed.a.test, "POST", "/v1/connections", { provider: "stripe", secret_key: account.secretKey })
      expect(refused.status).toBe(409)
      expect(fieldsOf(refused)).toEqual(["secret_key"])
      const bare = await tenants({ integrated: false })
      const noProvider = await bare.send(bare.a.test, "POST", "/v1/connections", { provider: "stripe", secret_key: account.secretKey })
      expect(noProvider.status).toBe(422)
      expect(fieldsOf(noProvider)).toEqual(["provider"])
    })

    it("refuses to start over stored connections without their encryption key", async () => {
      const t = await tenants()
      await t.app.checkSecrets() // nothing stored yet: fine either way
      const account = await accounts.newAccount("live")
      await t.ok(t.a.live, "POST", "/v1/connections", { provider: "stripe", secret_key: account.secretKey })
      await t.app.checkSecrets()
      const restart = (key?: string) => {
        const app = billkit({ storage: underTest.storage, ...(key === undefined ? {} : { encryptionKey: key }) })
        apps.push(app)
        return app.checkSecrets()
      }
      await expect(restart()).rejects.toBeInstanceOf(EncryptionKeyRequired)
      await expect(restart()).rejects.toThrow(/BILLKIT_ENCRYPTION_KEY/)
      await expect(restart(otherKey)).rejects.toThrow(/not the one they were sealed with/)
      await expect(restart(encryptionKey)).resolves.toBeUndefined()
    })

    const syncContext = {
      accounts: () => accounts,
      tenants: async (syncAccounts: AccountsUnderTest, options = {}) => {
        await underTest.reset()
        const t = await makeTenants(underTest.storage, { encryptionKey, providerAccounts: { stripe: syncAccounts.providerAccounts }, ...options })
        apps.push(t.app)
        return t
      }
    }
    describe("imports", () => {
      syncScenarios(syncContext)
    })
    describe("imports into records", () => {
      importScenarios(syncContext)
    })
  })
}
