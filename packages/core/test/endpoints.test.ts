/** Each resource's endpoints: what a user creates, reads back, changes, and what is refused. */
import { describe, expect, it } from "vitest"
import { makeApp, seedCatalog } from "./support.js"

describe("customers", () => {
  it("create, retrieve, update, filter and archive", async () => {
    const { call } = await makeApp()
    const created = await call("POST", "/v1/customers", {
      email: "Jane@Example.com",
      name: "Jane",
      standard_tax_rate: 19,
      digital_tax_rate: "19.5",
      billing_type: "invoice",
      type: "business",
      reference: "acct-1",
      address: { company_name: "Humbly Arrogant", country: "gb", city: "London" },
      metadata: { crm: "42" }
    })
    expect(created.status).toBe(201)
    const c = created.json
    expect(c).toMatchObject({
      object: "customer", email: "Jane@Example.com", standard_tax_rate: "19", digital_tax_rate: "19.5",
      billing_type: "invoice", type: "business", locale: "en", brand: "default", invoice_format: "pdf",
      address: { company_name: "Humbly Arrogant", country: "GB", city: "London", postcode: null }, status: "active"
    })
    expect(c.id).toMatch(/^cus_[0-9A-Z]{26}$/)
    expect(c.created_at).toMatch(/Z$/)
    expect((await call("GET", `/v1/customers/${c.id}`)).json).toEqual(c)

    // Emails are unique per project and mode, whatever their case.
    const dup = await call("POST", "/v1/customers", { email: "jane@example.COM" })
    expect(dup.status).toBe(409)
    expect(dup.json.errors).toEqual([{ field: "email", message: "A customer with this email already exists" }])

    const updated = await call("PATCH", `/v1/customers/${c.id}`, { name: null, address: { postcode: "N1" }, marketing_opt_in: true })
    expect(updated.json).toMatchObject({ name: null, marketing_opt_in: true, address: { city: "London", postcode: "N1", country: "GB" } })
    expect(updated.json.email).toBe("Jane@Example.com")

    const other = (await call("POST", "/v1/customers", { email: "bob@example.com", external_reference: "ext-9" })).json
    expect((await call("PATCH", `/v1/customers/${other.id}`, { email: "JANE@example.com" })).status).toBe(409)
    const byFilter = async (q: string) => (await call("GET", `/v1/customers?${q}`)).json.data.map((x: { id: string }) => x.id)
    expect(await byFilter("email=jane@example.com")).toEqual([c.id])
    expect(await byFilter("reference=acct-1")).toEqual([c.id])
    expect(await byFilter("external_reference=ext-9")).toEqual([other.id])
    expect(await byFilter("company_name=Humbly%20Arrogant")).toEqual([c.id])
    expect(await byFilter("country=GB")).toEqual([c.id])

    const archived = await call("DELETE", `/v1/customers/${c.id}`)
    expect(archived.json).toMatchObject({ status: "archived" })
    expect(archived.json.archived_at).toMatch(/Z$/)
    expect(await byFilter("")).toEqual([other.id])
    expect((await call("GET", `/v1/customers/${c.id}`)).json.status).toBe("archived")
  })

  it("refuses bad fields by name", async () => {
    const { call } = await makeApp()
    const cases: Array<[unknown, string]> = [
      [{}, "email"],
      [{ email: "a@example.com", standard_tax_rate: 101 }, "standard_tax_rate"],
      [{ email: "a@example.com", billing_type: "cash" }, "billing_type"],
      [{ email: "a@example.com", address: { street: "x" } }, "address.street"],
      [{ email: "a@example.com", metadata: { n: 1 } }, "metadata.n"],
      [[1, 2], "body"]
    ]
    for (const [body, field] of cases) {
      const reply = await call("POST", "/v1/customers", body)
      expect(reply.status, JSON.stringify(body)).toBe(422)
      expect(reply.json.errors.map((e: { field: string }) => e.field), JSON.stringify(body)).toContain(field)
    }
    expect((await call("PATCH", "/v1/customers/cus_01ARZ3NDEKTSV4RRFFQ69G5FAV", { name: "x" })).status).toBe(404)
  })
})

describe("products and prices", () => {
  it("create prices under a product; amounts are immutable, public and metadata are not", async () => {
    const { call } = await makeApp()
    const product = (await call("POST", "/v1/products", { name: "Pro", tax_type: "digital" })).json
    expect(product).toMatchObject({ object: "product", name: "Pro", tax_type: "digital", active: true })
    const monthly = await call("POST", `/v1/products/${product.id}/prices`, { amount: 2900, currency: "eur", schedule: "month" })
    expect(monthly.status).toBe(201)
    expect(monthly.json).toMatchObject({ amount: 2900, currency: "EUR", recurring: true, schedule: "month", including_tax: false, public: true, product: product.id })
    const oneOff = (await call("POST", `/v1/products/${product.id}/prices`, { amount: 500, currency: "JPY" })).json
    expect(oneOff).toMatchObject({ recurring: false, schedule: "one-off", currency: "JPY" })
    const kwd = (await call("POST", `/v1/products/${product.id}/prices`, { amount: 12345, currency: "KWD", recurring: true, schedule: "year", including_tax: true })).json
    expect(kwd).toMatchObject({ amount: 12345, schedule: "year", including_tax: true })

    for (const [body, field] of [
      [{ amount: 10.5, currency: "EUR" }, "amount"],
      [{ amount: -1, currency: "EUR" }, "amount"],
      [{ amount: 100, currency: "EURO" }, "currency"],
      [{ amount: 100, currency: "XYZ" }, "currency"],
      [{ amount: 100, currency: "EUR", recurring: true }, "schedule"],
      [{ amount: 100, currency: "EUR", recurring: false, schedule: "month" }, "recurring"],
      [{ amount: 100, currency: "EUR", schedule: "fortnight" }, "schedule"]
    ] as const) {
      const reply = await call("POST", `/v1/products/${product.id}/prices`, body)
      expect(reply.status, JSON.stringify(body)).toBe(422)
      expect(reply.json.errors[0].field, JSON.stringify(body)).toBe(field)
    }
    expect((await call("POST", "/v1/products/prod_01ARZ3NDEKTSV4RRFFQ69G5FAV/prices", { amount: 1, currency: "EUR" })).status).toBe(404)

    const changed = await call("PATCH", `/v1/prices/${monthly.json.id}`, { public: false, metadata: { tier: "gold" } })
    expect(changed.json).toMatchObject({ public: false, metadata: { tier: "gold" }, amount: 2900 })
    const amount = await call("PATCH", `/v1/prices/${monthly.json.id}`, { amount: 1 })
    expect(amount.status).toBe(422)
    expect(amount.json.errors[0].field).toBe("amount")
    expect((await call("GET", `/v1/prices/${monthly.json.id}`)).json.amount).toBe(2900)

    const forProduct = (await call("GET", `/v1/products/${product.id}/prices?include_total=true`)).json
    expect(forProduct.total).toBe(3)
    expect((await call("GET", "/v1/prices?currency=jpy")).json.data.map((p: { id: string }) => p.id)).toEqual([oneOff.id])
    const renamed = await call("PATCH", `/v1/products/${product.id}`, { name: "Pro+", active: false })
    expect(renamed.json).toMatchObject({ name: "Pro+", active: false })
    expect((await call("GET", "/v1/products?active=true")).json.data).toEqual([])
  })
})

describe("features and plans", () => {
  it("plans reference checked prices and features, and are addressable by code_name", async () => {
    const { call } = await makeApp()
    const { feature, plan, price, product } = await seedCatalog(call)
    expect(plan).toMatchObject({
      object: "plan", code_name: "pro_monthly", product: product.id, prices: [price.id], features: [feature.id],
      limits: [{ feature: feature.id, limit: 10 }], has_trial: true, trial_length_days: 14, per_seat: false, user_count: 1
    })
    expect((await call("GET", "/v1/plans/pro_monthly")).json.id).toBe(plan.id)
    expect((await call("POST", "/v1/features", { code: "api_access", name: "Again" })).status).toBe(409)
    expect((await call("POST", "/v1/plans", { name: "Dup", code_name: "pro_monthly", product: product.id })).status).toBe(409)

    const seats = await call("PATCH", "/v1/plans/pro_monthly", { per_seat: true, user_count: 5, has_trial: false })
    expect(seats.json).toMatchObject({ per_seat: true, user_count: 5, has_trial: false, prices: [price.id] })
    const renamedFeature = await call("PATCH", `/v1/features/${feature.id}`, { name: "Full API access" })
    expect(renamedFeature.json.name).toBe("Full API access")
  })

  it("refuses a plan with a missing or foreign reference and writes nothing", async () => {
    const { call } = await makeApp()
    const { product } = await seedCatalog(call)
    const otherProduct = (await call("POST", "/v1/products", { name: "Other" })).json
    const foreignPrice = (await call("POST", `/v1/products/${otherProduct.id}/prices`, { amount: 1, currency: "EUR" })).json
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ product: "prod_01ARZ3NDEKTSV4RRFFQ69G5FAV" }, "product"],
      [{ product: product.id, prices: [foreignPrice.id] }, "prices[0]"],
      [{ product: product.id, features: ["api_access", "no_such_feature"] }, "features[1]"],
      [{ product: product.id, limits: [{ feature: "nope", limit: 3 }] }, "limits[0].feature"],
      [{ product: product.id, has_trial: true }, "trial_length_days"],
      [{ product: product.id, code_name: "Has Spaces" }, "code_name"],
      [{ product: "not-an-id" }, "product"]
    ]
    for (const [fields, field] of cases) {
      const reply = await call("POST", "/v1/plans", { name: "Broken", code_name: "broken", ...fields })
      expect(reply.status, field).toBe(422)
      expect(reply.json.errors.map((e: { field: string }) => e.field), field).toContain(field)
    }
    expect((await call("GET", "/v1/plans?include_total=true")).json.total).toBe(1)
    expect((await call("GET", "/v1/plans/broken")).status).toBe(404)
  })
})
