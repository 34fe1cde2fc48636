/**
 * Metrics and usage prices over REST (what is accepted and what is refused, by field), and the
 * invoice engine's building blocks `UsageRollups.chargesFor` / `UsageRollups.markBilled` called directly, with
 * TestClock. The behaviours every backend shares are in @billkit/testing's usage conformance.
 */
import { it as effectIt } from "@effect/vitest"
import { BigDecimal, Effect, Layer, TestClock } from "effect"
import { describe, expect, it } from "vitest"
import { Customers, CurrentTenant, Metrics, Plans, Prices, Products, ServicesLive, Subscriptions, Usage, UsageRollups, layerMemory } from "@billkit/core"
import { usageConformance } from "@billkit/testing"
import { makeApp, memoryUnderTest } from "./support.js"

describe("metrics", () => {
  it("create, list, retrieve by id or code, update; aggregation fixed once events exist", async () => {
    const { call } = await makeApp()
    const created = await call("POST", "/v1/metrics", {
      code: "api_calls",
      name: "API calls",
      aggregation_method: "sum",
      aggregation_property: "calls",
      filters: [{ property: "region", value: "eu", type: "inclusive" }, { property: "status", value: 500, type: "exclusive" }]
    })
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({
      object: "metric", code: "api_calls", name: "API calls", description: null, aggregation_method: "sum", aggregation_property: "calls",
      filters: [{ property: "region", value: "eu", type: "inclusive" }, { property: "status", value: "500", type: "exclusive" }]
    })
    expect(created.json.id).toMatch(/^met_[0-9A-Z]{26}$/)
    expect((await call("GET", "/v1/metrics/api_calls")).json).toEqual(created.json)
    expect((await call("GET", `/v1/metrics/${created.json.id}`)).json).toEqual(created.json)
    expect((await call("GET", "/v1/metrics?include_total=true")).json.total).toBe(1)

    const dup = await call("POST", "/v1/metrics", { code: "api_calls", name: "Again", aggregation_method: "count" })
    expect(dup.status).toBe(409)
    expect(dup.json.errors).toEqual([{ field: "code", message: "A metric with this code already exists" }])
    for (const [body, field] of [
      [{ code: "x", name: "X", aggregation_method: "sum" }, "aggregation_property"],
      [{ code: "x", name: "X", aggregation_method: "unique_count" }, "aggregation_property"],
      [{ code: "x", name: "X", aggregation_method: "median" }, "aggregation_method"],
      [{ code: "Bad Code", name: "X", aggregation_method: "count" }, "code"],
      [{ code: "x", name: "X", aggregation_method: "count", filters: [{ property: "a", value: "b", type: "maybe" }] }, "filters[0].type"]
    ] as const) {
      const reply = await call("POST", "/v1/metrics", body)
      expect(reply.status, JSON.stringify(body)).toBe(422)
      expect(reply.json.errors.map((e: { field: string }) => e.field), JSON.stringify(body)).toContain(field)
    }
    // count needs no property.
    expect((await call("POST", "/v1/metrics", { code: "logins", name: "Logins", aggregation_method: "count" })).status).toBe(201)

    // Before any event everything may change; after one, only name and description.
    const max = await call("PATCH", "/v1/metrics/api_calls", { aggregation_method: "max" })
    expect(max.json.aggregation_method).toBe("max")
    expect((await call("PATCH", "/v1/metrics/api_calls", { aggregation_property: null })).json.errors[0].field).toBe("aggregation_property")
    const customer = (await call("POST", "/v1/customers", { email: "m@example.com" })).json
    expect((await call("POST", "/v1/usage-events", { event_id: "1", customer: customer.id, code: "api_calls" })).status).toBe(200)
    const locked = await call("PATCH", "/v1/metrics/api_calls", { aggregation_method: "sum" })
    expect(locked.status).toBe(409)
    expect(locked.json.errors[0].field).toBe("aggregation_method")
    expect((await call("PATCH", "/v1/metrics/api_calls", { filters: [] })).status).toBe(409)
    const renamed = await call("PATCH", "/v1/metrics/api_calls", { name: "Calls", description: "Requests to the API" })
    expect(renamed.json).toMatchObject({ name: "Calls", description: "Requests to the API", aggregation_method: "max" })
    expect((await call("GET", "/v1/metrics/nope")).status).toBe(404)
  })
})

describe("usage prices", () => {
  it("take a metric and a charge model, each with its own fields; refused fields are named", async () => {
    const { call } = await makeApp()
    const product = (await call("POST", "/v1/products", { name: "API" })).json
    const metric = (await call("POST", "/v1/metrics", { code: "calls", name: "Calls", aggregation_method: "count" })).json
    const create = (body: Record<string, unknown>) => call("POST", `/v1/products/${product.id}/prices`, { currency: "EUR", ...body })

    const graduated = await create({
      metric: "calls",
      charge_model: "graduated",
      tiers: [{ up_to: 1000, unit_amount_decimal: "0.50" }, { up_to: null, unit_amount_decimal: 0.25, flat_amount: 100 }]
    })
    expect(graduated.status).toBe(201)
    expect(graduated.json).toMatchObject({
      metric: metric.id, charge_model: "graduated", amount: 0, recurring: true, schedule: "month",
      tiers: [{ up_to: 1000, unit_amount_decimal: "0.5", flat_amount: 0 }, { up_to: null, unit_amount_decimal: "0.25", flat_amount: 100 }]
    })
    expect(graduated.json).not.toHaveProperty("unit_amount_decimal")
    expect((await create({ metric: metric.id, unit_amount_decimal: "0.0125", schedule: "week" })).json)
      .toMatchObject({ charge_model: "per_unit", unit_amount_decimal: "0.0125", schedule: "week" })
    expect((await create({ metric: "calls", charge_model: "package", package_size: 100, amount: 300 })).json)
      .toMatchObject({ charge_model: "package", package_size: 100, amount: 300 })
    // A licensed price is unchanged: no usage fields at all.
    const licensed = (await create({ amount: 900, schedule: "month" })).json
    expect(Object.keys(licensed)).not.toContain("metric")

    const tier = (upTo: number | null, unit = "1") => ({ up_to: upTo, unit_amount_decimal: unit })
    for (const [body, field] of [
      [{ metric: "nope", unit_amount_decimal: "1" }, "metric"],
      [{ metric: "calls", charge_model: "per_unit" }, "unit_amount_decimal"],
      [{ metric: "calls", unit_amount_decimal: "abc" }, "unit_amount_decimal"],
      [{ metric: "calls", unit_amount_decimal: "-1" }, "unit_amount_decimal"],
      [{ metric: "calls", unit_amount_decimal: "1", tiers: [tier(null)] }, "tiers"],
      [{ metric: "calls", unit_amount_decimal: "1", amount: 5 }, "amount"],
      [{ metric: "calls", charge_model: "graduated" }, "tiers"],
      [{ metric: "calls", charge_model: "volume", tiers: [tier(10), tier(20)] }, "tiers[1].up_to"],
      [{ metric: "calls", charge_model: "volume", tiers: [tier(null), tier(null)] }, "tiers[0].up_to"],
      [{ metric: "calls", charge_model: "graduated", tiers: [tier(10), tier(10), tier(null)] }, "tiers[1].up_to"],
      [{ metric: "calls", charge_model: "graduated", tiers: [tier(0), tier(null)] }, "tiers[0].up_to"],
      [{ metric: "calls", charge_model: "graduated", tiers: [tier(null, "0.1234567890123")] }, "tiers[0].unit_amount_decimal"],
      [{ metric: "calls", charge_model: "graduated", tiers: [] }, "tiers"],
      [{ metric: "calls", charge_model: "package", amount: 300 }, "package_size"],
      [{ metric: "calls", charge_model: "package", package_size: 100 }, "amount"],
      [{ metric: "calls", charge_model: "package", package_size: 0, amount: 1 }, "package_size"],
      [{ metric: "calls", charge_model: "flat", unit_amount_decimal: "1" }, "charge_model"],
      [{ metric: "calls", unit_amount_decimal: "1", schedule: "one-off" }, "schedule"],
      [{ amount: 100, charge_model: "per_unit" }, "charge_model"],
      [{ amount: 100, unit_amount_decimal: "1" }, "unit_amount_decimal"],
      [{ schedule: "month" }, "amount"]
    ] as const) {
      const reply = await create(body)
      expect(reply.status, JSON.stringify(body)).toBe(422)
      expect(reply.json.errors.map((e: { field: string }) => e.field), JSON.stringify(body)).toContain(field)
    }
    expect((await call("GET", `/v1/products/${product.id}/prices?include_total=true`)).json.total).toBe(4)
  })
})

const TestServices = ServicesLive.pipe(Layer.provideMerge(layerMemory))
const at = (iso: string) => Date.parse(iso)
const jan = { start: at("2024-01-01T00:00:00Z"), end: at("2024-02-01T00:00:00Z") }
const feb = { start: at("2024-02-01T00:00:00Z"), end: at("2024-03-01T00:00:00Z") }

/** A product with four usage prices on one sum metric, a plan, a customer and its subscription from 1 Jan. */
const setup = Effect.gen(function*() {
  yield* TestClock.setTime(at("2024-01-01T00:00:00Z"))
  const product = yield* (yield* Products).create({ name: "API" })
  yield* (yield* Metrics).create({ code: "units", name: "Units", aggregationMethod: "sum", aggregationProperty: "n" })
  const prices = yield* Prices
  const made = [
    yield* prices.create(product.id, { currency: "EUR", metric: "units", chargeModel: "per_unit", unitAmountDecimal: "0.5" }),
    yield* prices.create(product.id, {
      currency: "EUR", metric: "units", chargeModel: "graduated",
      tiers: [{ upTo: 1000, unitAmountDecimal: "1" }, { upTo: null, unitAmountDecimal: "0.25", flatAmount: 100 }]
    }),
    yield* prices.create(product.id, {
      currency: "EUR", metric: "units", chargeModel: "volume",
      tiers: [{ upTo: 1000, unitAmountDecimal: "2" }, { upTo: null, unitAmountDecimal: "1.5", flatAmount: 50 }]
    }),
    yield* prices.create(product.id, { currency: "EUR", metric: "units", chargeModel: "package", packageSize: 100, amount: 300 }),
    // Another currency: not this subscription's.
    yield* prices.create(product.id, { currency: "USD", metric: "units", unitAmountDecimal: "9" }),
    yield* prices.create(product.id, { currency: "EUR", amount: 1000, schedule: "month" })
  ]
  const plan = yield* (yield* Plans).create({ name: "API", codeName: "api", product: product.id, prices: made.map((p) => p.id) })
  const customer = yield* (yield* Customers).create({ email: "usage@example.com", billingType: "invoice" })
  const subscription = yield* (yield* Subscriptions).create(customer.id, { plan: "api" })
  expect(subscription).toMatchObject({ status: "active", currency: "EUR", price: made[5].id, currentPeriodEnd: "2024-02-01T00:00:00.000Z" })
  yield* TestClock.setTime(at("2024-01-10T00:00:00Z"))
  return { customer, subscription, prices: made }
})

const summary = (charges: ReadonlyArray<{ adjustment: boolean; quantity: BigDecimal.BigDecimal; amount: number; period: { start: number } }>) =>
  charges.map((c) => [c.adjustment, BigDecimal.format(c.quantity), c.amount, new Date(c.period.start).toISOString().slice(0, 7)])

describe("UsageRollups.chargesFor and UsageRollups.markBilled", () => {
  effectIt.effect("charge each usage price of the subscription's currency, then adjust late events exactly once", () =>
    Effect.gen(function*() {
      const { customer, subscription } = yield* setup
      const usage = yield* Usage
      const rollups = yield* UsageRollups
      const event = (id: string, n: string, timestamp: string) => ({ event_id: id, customer: customer.id, code: "units", properties: { n }, timestamp })
      yield* usage.ingest([event("a", "1000", "2024-01-05T00:00:00Z"), event("b", "234.5", "2024-01-09T00:00:00Z")])

      // January, 1234.5 units: per_unit 617.25 → 617; graduated 1000 + 58.625 + 100 → 1159;
      // volume 1851.75 + 50 → 1902; package 13 × 300 = 3900. The USD price is not charged.
      const january = yield* rollups.chargesFor(subscription, jan)
      expect(summary(january)).toEqual([
        [false, "1234.5", 617, "2024-01"],
        [false, "1234.5", 1159, "2024-01"],
        [false, "1234.5", 1902, "2024-01"],
        [false, "1234.5", 3900, "2024-01"]
      ])
      expect(january[0]).toMatchObject({ code: "units", description: "Units, 2024-01-01 – 2024-02-01", subscription: subscription.id, currency: "EUR" })
      // Reading changes nothing: asked twice, the same charges.
      expect(summary(yield* rollups.chargesFor(subscription, jan))).toEqual(summary(january))
      yield* TestClock.setTime(at("2024-02-01T00:00:00Z"))
      yield* rollups.markBilled(january)

      // 10 Feb: 65.5 late units for 20 Jan, 250 for February.
      yield* TestClock.setTime(at("2024-02-10T00:00:00Z"))
      yield* usage.ingest([event("late", "65.5", "2024-01-20T00:00:00Z"), event("c", "250", "2024-02-03T00:00:00Z")])
      // February 250: 125; 250; 500; 3 × 300 = 900. January now 1300:
      //   per_unit 650 − 617 = 33; graduated 1000 + 75 + 100 = 1175 − 1159 = 16;
      //   volume 1950 + 50 = 2000 − 1902 = 98; package 13 × 300 = 3900 − 3900 = 0 (quantity still changed).
      const february = yield* rollups.chargesFor(subscription, feb)
      expect(summary(february)).toEqual([
        [false, "250", 125, "2024-02"],
        [false, "250", 250, "2024-02"],
        [false, "250", 500, "2024-02"],
        [false, "250", 900, "2024-02"],
        [true, "1300", 33, "2024-01"],
        [true, "1300", 16, "2024-01"],
        [true, "1300", 98, "2024-01"],
        [true, "1300", 0, "2024-01"]
      ])
      expect(february[4].description).toContain("1234.5 → 1300")
      yield* TestClock.setTime(at("2024-03-01T00:00:00Z"))
      yield* rollups.markBilled(february)
      // Billed once: asked again, February has no adjustment left.
      expect((yield* rollups.chargesFor(subscription, feb)).filter((c) => c.adjustment)).toEqual([])

      // Another late January unit: only the difference from what was billed (1300 → 1301).
      yield* usage.ingest([event("late2", "1", "2024-01-31T00:00:00Z")])
      const march = { start: feb.end, end: at("2024-04-01T00:00:00Z") }
      expect(summary((yield* rollups.chargesFor(subscription, march)).filter((c) => c.adjustment))).toEqual([
        // 650.5 − 650 = 0.5 → 1 (rounded once on the total: 651 − 650); 1175.25 → 1175 − 1175 = 0;
        // 1951.5 + 50 = 2001.5 → 2002 − 2000 = 2; package ⌈13.01⌉ = 14 × 300 = 4200 − 3900 = 300.
        [true, "1301", 1, "2024-01"],
        [true, "1301", 0, "2024-01"],
        [true, "1301", 2, "2024-01"],
        [true, "1301", 300, "2024-01"]
      ])
    }).pipe(Effect.provide(TestServices), Effect.provideService(CurrentTenant, { projectId: "proj_1", mode: "test" })))

  effectIt.effect("an event committed between chargesFor and markBilled is still adjusted later", () =>
    Effect.gen(function*() {
      const { customer, subscription } = yield* setup
      const usage = yield* Usage
      const rollups = yield* UsageRollups
      yield* usage.ingest([{ event_id: "a", customer: customer.id, code: "units", properties: { n: 100 } }])
      const january = yield* rollups.chargesFor(subscription, jan)
      expect(january.map((c) => c.amount)).toEqual([50, 100, 200, 300])
      // The event lands after the invoice read the rollup, before it recorded the billing.
      yield* usage.ingest([{ event_id: "b", customer: customer.id, code: "units", properties: { n: 100 } }])
      yield* TestClock.setTime(at("2024-02-01T00:00:00Z"))
      yield* rollups.markBilled(january)
      const adjustments = (yield* rollups.chargesFor(subscription, feb)).filter((c) => c.adjustment)
      // 200 units: 100 − 50; 200 − 100; 400 − 200; 2 × 300 − 300.
      expect(adjustments.map((c) => c.amount)).toEqual([50, 100, 200, 300])
    }).pipe(Effect.provide(TestServices), Effect.provideService(CurrentTenant, { projectId: "proj_1", mode: "test" })))

  effectIt.effect("weighted_sum: a late increment adjusts its own billed period and every billed period after it", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(at("2024-01-01T00:00:00Z"))
      const product = yield* (yield* Products).create({ name: "Seats" })
      yield* (yield* Metrics).create({ code: "seats", name: "Seats", aggregationMethod: "weighted_sum", aggregationProperty: "seats" })
      const prices = yield* Prices
      const seat = yield* prices.create(product.id, { currency: "EUR", metric: "seats", unitAmountDecimal: "100" }) // 1 EUR a seat-month
      const base = yield* prices.create(product.id, { currency: "EUR", amount: 0, schedule: "month" })
      yield* (yield* Plans).create({ name: "Seats", codeName: "seats", product: product.id, prices: [base.id, seat.id] })
      const customer = yield* (yield* Customers).create({ email: "seats@example.com", billingType: "invoice" })
      const subscription = yield* (yield* Subscriptions).create(customer.id, { plan: "seats" })
      const usage = yield* Usage
      const rollups = yield* UsageRollups
      const seats = (id: string, n: number, timestamp?: string) =>
        ({ event_id: id, subscription: subscription.id, code: "seats", properties: { seats: n }, ...(timestamp ? { timestamp } : {}) })
      const march = { start: feb.end, end: at("2024-04-01T00:00:00Z") }

      yield* usage.ingest([seats("s1", 10)]) // +10 on 1 Jan
      yield* TestClock.setTime(jan.end)
      const january = yield* rollups.chargesFor(subscription, jan)
      expect(summary(january)).toEqual([[false, "10", 1000, "2024-01"]])
      yield* rollups.markBilled(january)
      // February has no event: the 10 seats held all month.
      yield* TestClock.setTime(feb.end)
      const february = yield* rollups.chargesFor(subscription, feb)
      expect(summary(february)).toEqual([[false, "10", 1000, "2024-02"]])
      yield* rollups.markBilled(february)

      // 1 Mar: +3 seats from 27 Jan arrive (33 days late). January: 10 + 3 × 5/31 = 10 + 15/31
      // = 10.483870967742 (rounded once, 12 decimals) → 1048.387… → 1048, adjusting 48;
      // February now holds 13 all month: 1300 − 1000 = 300. March holds 13: 1300.
      yield* usage.ingest([seats("s2", 3, "2024-01-27T00:00:00Z")])
      const adjusted = yield* rollups.chargesFor(subscription, march)
      expect(summary(adjusted)).toEqual([
        [false, "13", 1300, "2024-03"],
        [true, "10.483870967742", 48, "2024-01"],
        [true, "13", 300, "2024-02"]
      ])
      yield* TestClock.setTime(march.end)
      yield* rollups.markBilled(adjusted)
      const april = { start: march.end, end: at("2024-05-01T00:00:00Z") }
      expect(summary(yield* rollups.chargesFor(subscription, april))).toEqual([[false, "13", 1300, "2024-04"]])
    }).pipe(Effect.provide(TestServices), Effect.provideService(CurrentTenant, { projectId: "proj_1", mode: "test" })))
})

// Aggregations, ingestion and charging on memory, as on SQLite and Postgres.
usageConformance("memory", memoryUnderTest)
