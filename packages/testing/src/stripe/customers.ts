/** `/v1/customers`: create, retrieve, update, delete, and a customer's payment methods. */
import type Stripe from "stripe"
import { noSuch } from "./errors.js"
import { metadataOf, optionalString, type Params } from "./params.js"
import { ok, route, type Route } from "./routing.js"
import type { FakeStripeStore } from "./store.js"

export const getCustomer = (store: FakeStripeStore, id: string, param = "id"): Stripe.Customer => {
  const customer = store.customers.get(id)
  if (customer === undefined) throw noSuch("customer", id, param)
  return customer
}

const applyFields = (customer: Stripe.Customer, params: Params): Stripe.Customer => ({
  ...customer,
  email: params.email !== undefined ? (optionalString(params, "email") ?? null) : customer.email,
  name: params.name !== undefined ? (optionalString(params, "name") ?? null) : (customer.name ?? null),
  description: params.description !== undefined ? (optionalString(params, "description") ?? null) : customer.description,
  metadata: metadataOf(params, customer.metadata),
  invoice_settings: {
    ...customer.invoice_settings,
    default_payment_method: readDefaultPaymentMethod(params) ?? customer.invoice_settings.default_payment_method
  }
})

const readDefaultPaymentMethod = (params: Params): string | undefined => {
  const settings = params.invoice_settings
  if (typeof settings !== "object" || settings === null) return undefined
  const value = (settings as Record<string, unknown>).default_payment_method
  return typeof value === "string" && value !== "" ? value : undefined
}

export const customerRoutes: ReadonlyArray<Route> = [
  route("POST", "/v1/customers", ({ emit, params, store }) => {
    const customer: Stripe.Customer = applyFields(
      {
        id: store.id("cus"),
        object: "customer",
        address: null,
        balance: 0,
        created: store.now(),
        currency: null,
        default_source: null,
        delinquent: false,
        description: null,
        discount: null,
        email: null,
        invoice_prefix: store.id("x").slice(2, 9).toUpperCase(),
        invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
        livemode: false,
        metadata: {},
        name: null,
        next_invoice_sequence: 1,
        phone: null,
        preferred_locales: [],
        shipping: null,
        tax_exempt: "none",
        test_clock: null
      },
      params
    )
    store.customers.set(customer.id, customer)
    emit("customer.created", customer)
    return ok(customer)
  }),
  route("GET", "/v1/customers/:id", ({ path, store }) => {
    if (store.deletedCustomers.has(path.id)) {
      const deleted: Stripe.DeletedCustomer = { id: path.id, object: "customer", deleted: true }
      return ok(deleted)
    }
    return ok(getCustomer(store, path.id))
  }),
  route("POST", "/v1/customers/:id", ({ emit, params, path, store }) => {
    const customer = applyFields(getCustomer(store, path.id), params)
    store.customers.set(customer.id, customer)
    emit("customer.updated", customer)
    return ok(customer)
  }),
  route("DELETE", "/v1/customers/:id", ({ emit, path, store }) => {
    const customer = getCustomer(store, path.id)
    store.customers.delete(customer.id)
    store.deletedCustomers.add(customer.id)
    for (const method of store.paymentMethods.values()) {
      if (method.customer === customer.id) store.paymentMethods.set(method.id, { ...method, customer: null })
    }
    emit("customer.deleted", customer)
    const deleted: Stripe.DeletedCustomer = { id: customer.id, object: "customer", deleted: true }
    return ok(deleted)
  }),
  route("GET", "/v1/customers/:id/payment_methods", ({ path, store }) => {
    const customer = getCustomer(store, path.id)
    const data = [...store.paymentMethods.values()].filter((method) => method.customer === customer.id).reverse()
    const list: Stripe.ApiList<Stripe.PaymentMethod> = {
      object: "list",
      data,
      has_more: false,
      url: `/v1/customers/${customer.id}/payment_methods`
    }
    return ok(list)
  })
]
