/**
 * Moving an imported subscription off Stripe Billing (`POST /v1/subscriptions/{id}/migrate`),
 * once for every storage backend and for every provider harness (in-process accounts, and the
 * real SDK against the fake Stripe): Stripe told to end its subscription at the end of the last
 * period it billed, the subscription read-only until then, and Billkit billing from exactly that
 * instant; a Stripe failure leaves the migration scheduled and a retry makes the same call once.
 */
import { expect, it } from "vitest"
import type { ProviderObject } from "@billkit/core"
import { makeKey } from "../auth/client.js"
import type { AccountsUnderTest, FakeAccount } from "./accounts.js"
import type { SyncContext } from "./syncScenarios.js"

const day = 86_400
const iso = (seconds: number) => new Date(seconds * 1000).toISOString()

/** An import and a migration on Postgres under load take more than the default 30 s. */
const heavy = 120_000

const object = (id: string, created: number, fields: Partial<ProviderObject>, data: Record<string, unknown>): ProviderObject => ({
  id, created, customer: null, amount: null, currency: null, status: null, refunded: null, charge: null, paymentIntent: null,
  ...fields,
  data: { id, created, ...data }
})

export interface MigrateContext extends SyncContext {
  /** The provider harness the suite runs on (in-process accounts unless a Stripe-backed one is given). */
  readonly accounts: () => AccountsUnderTest
}

/**
 * A Stripe account holding one customer on "Pro" (49.00 EUR a month per seat, 2 seats), in the
 * period [start, end) that Stripe invoiced; with `nextInvoiced`, Stripe has also invoiced the
 * period after it, [end, end + 30 days).
 */
const seed = (account: FakeAccount, start: number, end: number, options: { readonly nextInvoiced?: boolean } = {}) => {
  const tag = account.accountId.replace(/^acct_/, "").slice(-12)
  const ids = { customer: `cus_m${tag}`, product: `prod_m${tag}`, price: `price_m${tag}`, subscription: `sub_m${tag}`, invoice: `in_m${tag}`, next: `in_n${tag}` }
  const created = start - 30 * day
  const invoice = (id: string, from: number, to: number) =>
    object(id, from, { customer: ids.customer, amount: 9800, currency: "eur", status: "paid" }, {
      object: "invoice", customer: ids.customer, subscription: ids.subscription, status: "paid", currency: "eur",
      total: 9800, subtotal: 9800, amount_due: 9800, amount_paid: 9800, amount_remaining: 0, billing_reason: "subscription_cycle",
      lines: { object: "list", data: [{ amount: 9800, quantity: 2, description: "2 × Pro", period: { start: from, end: to }, subscription: ids.subscription }] }
    })
  account.add("customers", object(ids.customer, created, {}, { object: "customer", email: `migrating-${tag}@example.com`, name: "Migrating customer", metadata: {} }))
  account.add("products", object(ids.product, created, { status: "active" }, { object: "product", name: "Pro", active: true, metadata: {} }))
  account.add("prices", object(ids.price, created, { amount: 4900, currency: "eur" }, {
    object: "price", product: ids.product, unit_amount: 4900, currency: "eur", active: true, recurring: { interval: "month", interval_count: 1 }, metadata: {}
  }))
  account.add("subscriptions", object(ids.subscription, created, { customer: ids.customer, status: "active" }, {
    object: "subscription", customer: ids.customer, status: "active", cancel_at: null, cancel_at_period_end: false, canceled_at: null,
    billing_cycle_anchor: created, metadata: {}, latest_invoice: options.nextInvoiced === true ? ids.next : ids.invoice,
    items: { object: "list", data: [{ id: `si_m${tag}`, price: ids.price, quantity: 2, current_period_start: start, current_period_end: end }] }
  }))
  account.add("invoices", invoice(ids.invoice, start, end))
  if (options.nextInvoiced === true) account.add("invoices", invoice(ids.next, end, end + 30 * day))
  return ids
}

export const migrateScenarios = (ctx: MigrateContext) => {
  /** Test time frozen now; a Stripe period from 10 days ago to 20 days ahead, imported. */
  const imported = async (options: { readonly nextInvoiced?: boolean } = {}) => {
    const accounts = ctx.accounts()
    const t = await ctx.tenants(accounts)
    const clock = await t.ok(t.a.test, "POST", "/v1/test-helpers/clock/advance", { seconds: 0 })
    const now = Math.floor(Date.parse(clock.now) / 1000)
    const start = now - 10 * day
    const end = now + 20 * day
    const account = await accounts.newAccount("test")
    const ids = seed(account, start, end, options)
    const connection = await t.ok(t.a.test, "POST", "/v1/connections", { provider: "stripe", secret_key: account.secretKey })
    const sync = async () => {
      await t.ok(t.a.test, "POST", `/v1/connections/${connection.id}/sync`)
      await t.app.runSyncs({ pageSize: 25, backoffMs: 1 })
    }
    await sync()
    const [sub] = (await t.ok(t.a.test, "GET", `/v1/subscriptions?connection=${connection.id}`)).data
    expect(sub).toMatchObject({ managed_by: "stripe", migration: null, seats: 2, current_period_end: iso(end), provider_ids: { stripe: ids.subscription } })
    const advance = (to: number) => t.ok(t.a.test, "POST", "/v1/test-helpers/clock/advance", { to: iso(to) })
    /** Billkit's own invoices of the customer (the imported ones carry their connection). */
    const billkitInvoices = async () =>
      (await t.ok(t.a.test, "GET", `/v1/invoices?customer=${sub.customer}&limit=100`)).data.filter((i: { connection: string | null }) => i.connection === null)
    return { t, account, ids, sub, now: clock.now as string, start, end, sync, advance, billkitInvoices, key: `billkit_migrate_${sub.id}` }
  }

  it("migrates at the end of Stripe's period: Stripe told to cancel there, read-only until then, then billed by Billkit from that instant", async () => {
    const { t, account, ids, sub, now, end, sync, advance, billkitInvoices, key } = await imported()
    const migrated = await t.send(t.a.test, "POST", `/v1/subscriptions/${sub.id}/migrate`)
    expect(migrated.status).toBe(200)
    expect(migrated.json).toMatchObject({
      id: sub.id, managed_by: "stripe", status: "active",
      migration: { status: "confirmed", at: iso(end), requested_at: now, confirmed_at: now, completed_at: null }
    })
    // Stripe's subscription ends exactly there, without proration, told once.
    expect(await account.read("subscriptions", ids.subscription)).toMatchObject({ cancel_at: end, cancel_at_period_end: false })
    expect(await account.updatesWith(key)).toEqual({ sent: 1, effective: 1 })
    // Asking again changes nothing and calls Stripe no more.
    expect(await t.ok(t.a.test, "POST", `/v1/subscriptions/${sub.id}/migrate`)).toEqual(migrated.json)
    expect(await account.updatesWith(key)).toEqual({ sent: 1, effective: 1 })

    // Until `at` it stays Stripe's: read-only, a sync keeps the migration, the loop bills nothing.
    const change = await t.send(t.a.test, "POST", `/v1/subscriptions/${sub.id}/seats/add`, { seats: 1 })
    expect(change.status).toBe(409)
    expect(change.text).toContain("billed by Stripe")
    await sync()
    expect(await t.ok(t.a.test, "GET", `/v1/subscriptions/${sub.id}`)).toMatchObject({
      managed_by: "stripe", cancel_at: iso(end), migration: { status: "confirmed", at: iso(end) }
    })
    await advance(end - 1)
    expect(await t.ok(t.a.test, "GET", `/v1/subscriptions/${sub.id}`)).toMatchObject({ managed_by: "stripe", migration: { status: "confirmed" } })
    expect(await billkitInvoices()).toEqual([])

    // At `at` Billkit takes over: its first period starts there, invoiced in advance.
    await advance(end + 3600)
    const taken = await t.ok(t.a.test, "GET", `/v1/subscriptions/${sub.id}`)
    expect(taken).toMatchObject({
      managed_by: "billkit", cancel_at: null, current_period_start: iso(end), billing_anchor: iso(end), seats: 2,
      migration: { status: "completed", at: iso(end), completed_at: iso(end) }
    })
    expect(Date.parse(taken.current_period_end) - end * 1000).toBeGreaterThanOrEqual(28 * day * 1000)
    const invoices = await billkitInvoices()
    expect(invoices).toHaveLength(1)
    // Collected as Billkit collects its own: the imported customer's cards stayed at Stripe and it has
    // no payment method in Billkit yet, so the charge fails and dunning begins.
    expect([invoices[0].status, invoices[0].amount_due, taken.status]).toEqual(["open", 9800, "past_due"])
    expect(invoices[0]).toMatchObject({
      subscription: sub.id, currency: "EUR", sub_total: 9800, total: 9800, billing_reason: "subscription_cycle",
      period_start: iso(end), period_end: taken.current_period_end
    })
    expect(invoices[0].lines).toMatchObject([{ type: "subscription", amount: 9800, period: { start: iso(end), end: taken.current_period_end } }])
    // Billkit's MRR counts it from the takeover on, as new business; while Stripe billed it, not at all.
    const movements = await t.ok(t.a.test, "GET", `/v1/analytics/mrr/movements?interval=day&currency=EUR&from=${iso(end - 5 * day)}&to=${iso(end + day)}`)
    const points: Array<{ start: string; end: string; new: { mrr: number; subscriptions: Array<{ subscription: string }> } }> = movements.data[0].points
    const takeoverDay = points.findIndex((p) => p.start <= iso(end) && iso(end) < p.end)
    expect(points.map((p) => p.new.mrr)).toEqual(points.map((_, i) => (i === takeoverDay ? 9800 : 0)))
    expect(points[takeoverDay]!.new.subscriptions.map((x) => x.subscription)).toEqual([sub.id])
    const events = (await t.ok(t.a.test, "GET", "/v1/events?type=subscription.migrated")).data
    expect(events.map((e: { subject: string }) => e.subject)).toEqual([sub.id])

    // Billkit's now: a sync leaves it alone, and it cannot be migrated again.
    await sync()
    expect(await t.ok(t.a.test, "GET", `/v1/subscriptions/${sub.id}`)).toMatchObject({ managed_by: "billkit", migration: { status: "completed" } })
    const again = await t.send(t.a.test, "POST", `/v1/subscriptions/${sub.id}/migrate`)
    expect(again.status).toBe(409)
    expect(again.text).toContain("Billkit bills it already")
    expect(await account.updatesWith(key)).toEqual({ sent: 1, effective: 1 })
  }, heavy)

  it("takes over at the end of the period Stripe already invoiced when that reaches beyond the current one", async () => {
    const { t, account, ids, sub, end, advance, billkitInvoices } = await imported({ nextInvoiced: true })
    const at = end + 30 * day
    const migrated = await t.ok(t.a.test, "POST", `/v1/subscriptions/${sub.id}/migrate`)
    expect(migrated.migration).toMatchObject({ status: "confirmed", at: iso(at) })
    expect(await account.read("subscriptions", ids.subscription)).toMatchObject({ cancel_at: at })
    // Stripe's own current period ends, but Stripe billed the next one too: still Stripe's.
    await advance(end + day)
    expect(await t.ok(t.a.test, "GET", `/v1/subscriptions/${sub.id}`)).toMatchObject({ managed_by: "stripe" })
    expect(await billkitInvoices()).toEqual([])
    await advance(at + 60)
    expect(await t.ok(t.a.test, "GET", `/v1/subscriptions/${sub.id}`)).toMatchObject({ managed_by: "billkit", current_period_start: iso(at) })
    const invoices = await billkitInvoices()
    expect(invoices.map((i: { period_start: string; total: number }) => [i.period_start, i.total])).toEqual([[iso(at), 9800]])
  }, heavy)

  it("leaves the migration scheduled when Stripe fails, answering 502; a retry makes the same call once and confirms it", async () => {
    const { t, account, ids, sub, end, advance, billkitInvoices, key } = await imported()
    account.failNextUpdates(1)
    // The client's Idempotency-Key: a 5xx is never kept under it, so the retry with it runs.
    const keyed = { "idempotency-key": `migrate-${sub.id}` }
    const failed = await t.send(t.a.test, "POST", `/v1/subscriptions/${sub.id}/migrate`, undefined, keyed)
    expect(failed.status).toBe(502)
    expect(failed.json).toMatchObject({ type: "urn:billkit:error:provider_unavailable", status: 502 })
    expect(failed.json.detail).toContain("send the request again")
    const scheduled = await t.ok(t.a.test, "GET", `/v1/subscriptions/${sub.id}`)
    expect(scheduled).toMatchObject({ managed_by: "stripe", migration: { status: "scheduled", at: iso(end), confirmed_at: null } })
    expect((await account.read("subscriptions", ids.subscription))?.cancel_at ?? null).toBeNull()
    // Never confirmed, never taken over: Stripe still bills it.
    await advance(end - 60)
    expect(await t.ok(t.a.test, "GET", `/v1/subscriptions/${sub.id}`)).toMatchObject({ managed_by: "stripe", migration: { status: "scheduled" } })

    const retried = await t.send(t.a.test, "POST", `/v1/subscriptions/${sub.id}/migrate`, undefined, keyed)
    expect(retried.status).toBe(200)
    expect(retried.headers.get("idempotent-replayed")).toBeNull()
    // The record committed first, confirmed: no second one.
    expect(retried.json.migration).toMatchObject({ status: "confirmed", at: iso(end), requested_at: scheduled.migration.requested_at })
    expect(await account.read("subscriptions", ids.subscription)).toMatchObject({ cancel_at: end })
    // Two sends with the one key, one of them effective; the client's key now replays the answer.
    expect(await account.updatesWith(key)).toEqual({ sent: 2, effective: 1 })
    const replayed = await t.send(t.a.test, "POST", `/v1/subscriptions/${sub.id}/migrate`, undefined, keyed)
    expect([replayed.status, replayed.headers.get("idempotent-replayed"), replayed.json]).toEqual([200, "true", retried.json])
    expect(await account.updatesWith(key)).toEqual({ sent: 2, effective: 1 })
    await advance(end + 60)
    expect((await billkitInvoices()).map((i: { period_start: string }) => i.period_start)).toEqual([iso(end)])
  }, heavy)

  it("resumes with the same key when Stripe acted but its answer was lost: nothing changes twice, then confirmed", async () => {
    const { t, account, ids, sub, end, key } = await imported()
    account.loseNextUpdateAnswer()
    const lost = await t.send(t.a.test, "POST", `/v1/subscriptions/${sub.id}/migrate`)
    expect(lost.status).toBe(502)
    // Stripe did end its subscription there; Billkit does not know yet.
    expect(await account.read("subscriptions", ids.subscription)).toMatchObject({ cancel_at: end })
    expect(await t.ok(t.a.test, "GET", `/v1/subscriptions/${sub.id}`)).toMatchObject({ migration: { status: "scheduled", at: iso(end) } })
    // Stripe's cancel_at is the migration's own instant, so the retry goes on: the same call, answered from the key.
    const resumed = await t.ok(t.a.test, "POST", `/v1/subscriptions/${sub.id}/migrate`)
    expect(resumed.migration).toMatchObject({ status: "confirmed", at: iso(end) })
    // Sent again with the key (by Billkit's retry, and through the SDK also by its own resend), effective once.
    const updates = await account.updatesWith(key)
    expect(updates.effective).toBe(1)
    expect(updates.sent).toBeGreaterThanOrEqual(2)
  }, heavy)

  it("refuses what is not a Stripe subscription of this tenant's, and keys without subscriptions write", async () => {
    const { t, sub, account, key } = await imported()
    const own = await t.ok(t.a.test, "POST", `/v1/customers/${sub.customer}/subscriptions`, { plan: sub.plan })
    expect(own.managed_by).toBe("billkit")
    const billkit = await t.send(t.a.test, "POST", `/v1/subscriptions/${own.id}/migrate`)
    expect(billkit.status).toBe(409)
    expect(billkit.text).toContain("managed_by: stripe")
    // The Promise façade refuses it the same way.
    await expect(t.app.project(t.a.projectId).subscriptions.migrate(own.id)).rejects.toMatchObject({ _tag: "Conflict" })
    expect((await t.send(t.a.test, "POST", "/v1/subscriptions/sub_unknown/migrate")).status).toBe(404)
    expect((await t.send(t.b.test, "POST", `/v1/subscriptions/${sub.id}/migrate`)).status).toBe(404)
    const reader = await makeKey(t, { scopes: ["subscriptions:read"] })
    expect((await t.send(reader.secret, "POST", `/v1/subscriptions/${sub.id}/migrate`)).status).toBe(403)
    expect(await account.updatesWith(key)).toEqual({ sent: 0, effective: 0 })
    expect(await t.ok(t.a.test, "GET", `/v1/subscriptions/${sub.id}`)).toMatchObject({ managed_by: "stripe", migration: null })
  }, heavy)
}
