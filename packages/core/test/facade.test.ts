/** The Promise façade: the same services without Effect, with the same validation and errors. */
import { BigDecimal, Clock } from "effect"
import { describe, expect, it } from "vitest"
import { Conflict, Invalid, NotFound, billkit, fixedClock, makeMemoryStorage } from "@billkit/core"
import { keyedClient } from "@billkit/testing"

/** A billkit whose real time stands at `iso`. */
const at = (storage: ReturnType<typeof makeMemoryStorage>, iso: string) => billkit({ storage, clock: fixedClock(Date.parse(iso), Clock.make()) })

describe("Promise façade", () => {
  it("creates and reads records of one project, rejecting with domain errors", async () => {
    const storage = makeMemoryStorage()
    const billing = billkit({ storage })
    const { projectId, call } = await keyedClient(billing, "http://x")
    const project = billing.project(projectId)

    const customer = await project.customers.create({ email: "jane@example.com", standardTaxRate: BigDecimal.unsafeFromString("19.5") })
    expect(customer.id).toMatch(/^cus_/)
    expect(BigDecimal.format(customer.standardTaxRate!)).toBe("19.5")
    await expect(project.customers.create({ email: "JANE@example.com" })).rejects.toBeInstanceOf(Conflict)
    await expect(project.customers.create({ email: "nope" })).rejects.toMatchObject({ _tag: "Invalid", field: "email" })
    await expect(project.customers.retrieve("cus_01ARZ3NDEKTSV4RRFFQ69G5FAV")).rejects.toBeInstanceOf(NotFound)

    const product = await project.products.create({ name: "Pro" })
    const price = await project.prices.create(product.id, { amount: 2900, currency: "EUR", schedule: "month" })
    await expect(project.prices.create(product.id, { amount: 1.5, currency: "EUR" })).rejects.toBeInstanceOf(Invalid)
    const plan = await project.plans.create({ name: "Pro", codeName: "pro", product: product.id, prices: [price.id] })
    expect((await project.plans.retrieve("pro")).id).toBe(plan.id)

    // What the façade wrote, the REST surface serves.
    expect((await call("GET", `/v1/customers/${customer.id}`)).json.email).toBe("jane@example.com")
    // Another mode of the same project sees nothing.
    expect((await billing.project(projectId, "live").customers.list()).data).toEqual([])
    await billing.dispose()
  })

  it("bootstraps once, or provisions the operator's key", async () => {
    const storage = makeMemoryStorage()
    const billing = billkit({ storage })
    const first = await billing.bootstrap()
    expect(first.created).toBe(true)
    expect(first.apiKey).toMatch(/^sk_test_/)
    const second = await billing.bootstrap()
    expect(second).toEqual({ projectId: first.projectId, created: false })
    const chosen = "sk_test_operatorChosenKey123456"
    const provisioned = await billing.bootstrap({ apiKey: chosen })
    expect(provisioned).toEqual({ projectId: first.projectId, created: false })
    const response = await billing.handler(new Request("http://x/v1/customers", { headers: { authorization: `Bearer ${chosen}` } }))
    expect(response.status).toBe(200)
    await expect(billing.bootstrap({ apiKey: "not-a-key" })).rejects.toMatchObject({ _tag: "Invalid", field: "apiKey" })
  })

  it("refuses to provision the operator's key once it was revoked, saying so (not a duplicate-key Conflict)", async () => {
    const billing = billkit({ storage: makeMemoryStorage() })
    const chosen = "sk_test_operatorChosenKey123456"
    const { projectId } = await billing.bootstrap({ apiKey: chosen })
    const call = (method: string, path: string) =>
      billing.handler(new Request(`http://x${path}`, { method, headers: { authorization: `Bearer ${chosen}` } }))
    const key = (await (await call("GET", "/v1/api-keys")).json()).data[0]
    expect((await call("DELETE", `/v1/api-keys/${key.id}`)).status).toBe(200)

    await expect(billing.bootstrap({ apiKey: chosen })).rejects.toMatchObject({
      _tag: "Conflict",
      field: "apiKey",
      message: expect.stringMatching(/was revoked/)
    })
    // Still revoked: refused, and no second copy of it was stored.
    expect((await call("GET", "/v1/customers")).status).toBe(401)
    expect((await billing.project(projectId).apiKeys.list()).data.map((k) => k.status)).toEqual(["revoked"])
    await billing.dispose()
  })

  it("subscribes, renews with runBilling() at a later instant, and refunds no more than the remainder", async () => {
    // Two instances over one storage: one whose clock stands at 31 Jan 2024, one at 29 Feb 2024.
    const storage = makeMemoryStorage()
    const january = at(storage, "2024-01-31T00:00:00Z")
    const { projectId } = await january.bootstrap()
    const project = january.project(projectId)

    const customer = await project.customers.create({ email: "ada@example.com", standardTaxRate: BigDecimal.unsafeFromString("21") })
    const card = await project.paymentMethods.attach(customer.id, { token: "tok_visa" })
    expect(card).toMatchObject({ customer: customer.id, isDefault: true })
    const product = await project.products.create({ name: "Pro" })
    const price = await project.prices.create(product.id, { amount: 2999, currency: "EUR", schedule: "month" })
    await project.plans.create({ name: "Pro", codeName: "pro", product: product.id, prices: [price.id] })

    // 31 Jan → 29 Feb 2024 (a 31st anchor clamps to the leap day), billed in advance:
    // 2999; tax 2999 × 21 % = 629.79 → 630; total 3629, charged to tok_visa.
    const sub = await project.subscriptions.create(customer.id, { plan: "pro" })
    expect(sub).toMatchObject({ status: "active", currentPeriodStart: "2024-01-31T00:00:00.000Z", currentPeriodEnd: "2024-02-29T00:00:00.000Z" })
    const [first] = (await project.invoices.list({}, { subscription: sub.id })).data
    expect(first).toMatchObject({ number: "INV-000001", status: "paid", subTotal: 2999, taxTotal: 630, total: 3629, amountPaid: 3629 })
    expect(await project.subscriptions.upcomingInvoice(sub.id)).toMatchObject({ total: 3629, periodStart: "2024-02-29T00:00:00.000Z" })

    // Nothing is due on 31 Jan; on 29 Feb the renewal is, once.
    expect(await january.runBilling()).toEqual({ steps: 0, failed: [], batchesRedone: 0 })
    const leapDay = at(storage, "2024-02-29T00:00:00Z")
    expect(await leapDay.runBilling()).toEqual({ steps: 1, failed: [], batchesRedone: 0 })
    expect(await leapDay.runBilling()).toEqual({ steps: 0, failed: [], batchesRedone: 0 })
    const later = leapDay.project(projectId)
    const invoices = (await later.invoices.list({}, { subscription: sub.id })).data
    expect(invoices.map((i) => [i.number, i.status, i.subTotal, i.taxTotal, i.total, i.amountPaid, i.createdAt])).toEqual([
      ["INV-000001", "paid", 2999, 630, 3629, 3629, "2024-01-31T00:00:00.000Z"],
      ["INV-000002", "paid", 2999, 630, 3629, 3629, "2024-02-29T00:00:00.000Z"]
    ])
    expect(invoices[1].lines[0].period).toEqual({ start: "2024-02-29T00:00:00.000Z", end: "2024-03-31T00:00:00.000Z" })
    expect(await later.subscriptions.retrieve(sub.id)).toMatchObject({ currentPeriodStart: "2024-02-29T00:00:00.000Z", currentPeriodEnd: "2024-03-31T00:00:00.000Z" })

    // Refunds of the renewal's payment (3629): 1000, then 2630 > 3629 − 1000 = 2629 is a Conflict on amount,
    // then the remainder by default, 2629.
    const payments = (await later.payments.list({}, { customer: customer.id })).data
    expect(payments.map((p) => [p.invoice, p.amount, p.status])).toEqual([[first.id, 3629, "succeeded"], [invoices[1].id, 3629, "succeeded"]])
    const renewalPayment = payments[1]
    expect(await later.payments.refund(renewalPayment.id, { amount: 1000 })).toMatchObject({ amount: 1000, invoice: invoices[1].id })
    const tooMuch = later.payments.refund(renewalPayment.id, { amount: 2630 })
    await expect(tooMuch).rejects.toBeInstanceOf(Conflict)
    await expect(tooMuch).rejects.toMatchObject({ field: "amount" })
    expect(await later.payments.refund(renewalPayment.id)).toMatchObject({ amount: 2629 })
    expect(await later.payments.retrieve(renewalPayment.id)).toMatchObject({ amount: 3629, amountRefunded: 3629 })
    expect((await later.payments.listRefunds({}, { customer: customer.id })).data.map((r) => r.amount)).toEqual([1000, 2629])

    // Bad inputs reject with Invalid naming the field, before anything is written.
    await expect(later.subscriptions.create(customer.id, { plan: "pro", seats: 0 })).rejects.toMatchObject({ _tag: "Invalid", field: "seats" })
    await expect(later.subscriptions.cancel(sub.id, { when: "specific_date", date: "next tuesday" })).rejects.toMatchObject({ _tag: "Invalid", field: "date" })
    await expect(later.balances.adjust(customer.id, { amount: 0, currency: "EUR" })).rejects.toMatchObject({ _tag: "Invalid", field: "amount" })
    await expect(later.payments.refund(renewalPayment.id, { amount: -5 })).rejects.toMatchObject({ _tag: "Invalid", field: "amount" })
    await expect(later.subscriptions.retrieve("sub_01ARZ3NDEKTSV4RRFFQ69G5FAV")).rejects.toBeInstanceOf(NotFound)
    expect((await later.subscriptions.list({}, { customer: customer.id })).data).toHaveLength(1)

    // End of period: no renewal on 31 Mar, and the subscription is canceled then.
    expect(await later.subscriptions.cancel(sub.id)).toMatchObject({ status: "active", cancelAtPeriodEnd: true })
    const march = at(storage, "2024-03-31T00:00:00Z")
    await march.runBilling()
    expect(await march.project(projectId).subscriptions.retrieve(sub.id)).toMatchObject({ status: "canceled", endedAt: "2024-03-31T00:00:00.000Z" })
    expect((await march.project(projectId).invoices.list({}, { subscription: sub.id })).data).toHaveLength(2)
    await Promise.all([january.dispose(), leapDay.dispose(), march.dispose()])
  })

  it("one-off invoices, credit notes, balances, vouchers, payment methods and usage", async () => {
    const billing = at(makeMemoryStorage(), "2024-05-06T09:00:00Z")
    const { projectId, call } = await keyedClient(billing, "http://x")
    const project = billing.project(projectId)
    const customer = await project.customers.create({
      email: "grace@example.com",
      standardTaxRate: BigDecimal.unsafeFromString("21"),
      billingType: "invoice"
    })

    // 1 × 5000 + 3 × 2500 = 12500; tax 1050 + 1575 = 2625; total 15125, due in 30 days.
    const draft = await project.invoices.create({
      customer: customer.id,
      currency: "EUR",
      lines: [{ description: "Onboarding", unitAmount: 5000 }, { description: "Training hour", quantity: BigDecimal.fromBigInt(3n), unitAmount: 2500 }]
    })
    expect(draft).toMatchObject({ status: "draft", number: null, subTotal: 12500, taxTotal: 2625, total: 15125 })
    await expect(project.invoices.create({ customer: customer.id, lines: [] })).rejects.toMatchObject({ _tag: "Invalid", field: "lines" })
    expect(await project.invoices.finalize(draft.id)).toMatchObject({ status: "open", number: "INV-000001", dueDate: "2024-06-05T09:00:00.000Z" })
    await expect(project.invoices.finalize(draft.id)).rejects.toBeInstanceOf(Conflict)
    expect(await project.invoices.pay(draft.id, { paidOutOfBand: true })).toMatchObject({ status: "paid", amountPaid: 15125 })
    // Paid, so a credit note goes to the balance: 2500 + 21 % = 3025.
    expect(await project.invoices.createCreditNote(draft.id, { amount: 3025, reason: "one hour not given" })).toMatchObject({ creditedTo: "balance" })
    await expect(project.invoices.createCreditNote(draft.id, { amount: 12101 })).rejects.toMatchObject({ _tag: "Conflict", field: "amount" })
    expect((await project.invoices.listCreditNotes({}, { invoice: draft.id })).data.map((n) => n.amount)).toEqual([3025])
    // A debit of 25 lowers it to 3000.
    await project.balances.adjust(customer.id, { amount: -25, currency: "EUR", description: "fee" })
    expect((await project.balances.retrieve(customer.id)).balances).toEqual([{ currency: "EUR", amount: 3000 }])

    // Another draft, voided; one marked uncollectible.
    const spare = await project.invoices.create({ customer: customer.id, currency: "EUR", lines: [{ description: "Spare", unitAmount: 100 }] })
    expect(await project.invoices.void(spare.id)).toMatchObject({ status: "void" })
    const doubtful = await project.invoices.create({ customer: customer.id, currency: "EUR", lines: [{ description: "Doubtful", unitAmount: 10000 }] })
    // 10000 + 2100 = 12100; the balance 3000 applies after tax: 9100 due.
    expect(await project.invoices.finalize(doubtful.id)).toMatchObject({ total: 12100, balanceApplied: 3000, amountDue: 9100 })
    expect(await project.invoices.markUncollectible(doubtful.id)).toMatchObject({ status: "uncollectible" })
    expect((await project.invoices.list({}, { customer: customer.id, status: "void" })).data.map((i) => i.id)).toEqual([spare.id])

    // Payment methods: the first is the default; another made default; the first detached.
    const visa = await project.paymentMethods.attach(customer.id, { token: "tok_visa" })
    const mastercard = await project.paymentMethods.attach(customer.id, { token: "tok_mastercard" })
    expect(await project.paymentMethods.setDefault(customer.id, mastercard.id)).toMatchObject({ isDefault: true })
    expect(await project.paymentMethods.detach(customer.id, visa.id)).toMatchObject({ status: "detached" })
    expect((await project.paymentMethods.list(customer.id)).data.map((m) => m.id)).toEqual([mastercard.id])
    await expect(project.paymentMethods.attach(customer.id, { token: "" })).rejects.toMatchObject({ _tag: "Invalid", field: "token" })

    // Vouchers.
    const voucher = await project.vouchers.create({ code: "WELCOME20", type: "percentage", percentage: BigDecimal.fromBigInt(20n), duration: "once", expiresAt: "2030-01-01" })
    expect(voucher.expiresAt).toBe("2030-01-01T00:00:00.000Z")
    await expect(project.vouchers.create({ code: "welcome20", type: "percentage", percentage: BigDecimal.fromBigInt(5n) })).rejects.toBeInstanceOf(Conflict)
    expect(await project.vouchers.redeem(customer.id, { code: "welcome20" })).toMatchObject({ voucher: voucher.id, status: "active" })
    expect((await project.vouchers.list({}, { code: "WELCOME20" })).data.map((v) => v.id)).toEqual([voucher.id])
    expect(await project.vouchers.update(voucher.id, { status: "disabled" })).toMatchObject({ status: "disabled" })
    expect(await project.vouchers.retrieve(voucher.id)).toMatchObject({ status: "disabled" })

    // Usage: a metric (through REST: the façade has none), events in a batch with a duplicate and a bad one.
    const metric = await call("POST", "/v1/metrics", { code: "api_calls", name: "API calls", aggregation_method: "count" })
    expect(metric.status).toBe(201)
    const result = await project.usage.ingest([
      { eventId: "e1", customer: customer.id, code: "api_calls" },
      { eventId: "e2", customer: customer.id, code: "api_calls" },
      { eventId: "e1", customer: customer.id, code: "api_calls" },
      { eventId: "", customer: customer.id, code: "api_calls" }
    ])
    expect(result).toMatchObject({ accepted: 2, duplicates: 1, rejected: [{ index: 3, field: "eventId" }] })
    await expect(project.usage.ingest([])).rejects.toMatchObject({ _tag: "Invalid", field: "events" })
    const usage = await project.usage.usage(customer.id, { code: "api_calls" })
    expect(usage.data.map((d) => [d.code, d.value])).toEqual([["api_calls", "2"]])
    expect(await project.usage.costs(customer.id)).toMatchObject({ customer: customer.id, lines: [] })
    await billing.dispose()
  })

  it("runs at the project's test clock once it was advanced, like the REST surface", async () => {
    const billing = at(makeMemoryStorage(), "2024-01-01T00:00:00Z")
    const { projectId, call } = await keyedClient(billing, "http://x")
    const advance = await call("POST", "/v1/test-helpers/clock/advance", { to: "2025-06-15T12:00:00Z" })
    expect(advance.status).toBe(200)
    const test = await billing.project(projectId).customers.create({ email: "later@example.com" })
    expect(test.createdAt).toBe("2025-06-15T12:00:00.000Z")
    // Live mode has no test clock: real time (here, the instance's clock).
    const live = await billing.project(projectId, "live").customers.create({ email: "now@example.com" })
    expect(live.createdAt).toBe("2024-01-01T00:00:00.000Z")
    await billing.dispose()
  })
})
