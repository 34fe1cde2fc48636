/** How payments, refunds and payment methods are stored: one definition per collection. */
import * as Collections from "../../kernel/Collections.js"
import { Payment, Refund } from "./Payment.js"
import { PaymentMethod } from "./PaymentMethod.js"
import { ProviderCustomer, ProviderEvent, ProviderRoute } from "./ProviderRecords.js"
import { providerLinkIndex } from "../../kernel/ProviderLink.js"

export const PaymentRecords = Collections.records({
  collection: Collections.Payments,
  schema: Payment,
  resource: "payment",
  // `pending_invoice` is unique: an invoice never has two attempts in flight.
  index: (p) => ({
    customer: p.customer,
    invoice: p.invoice,
    status: p.status,
    pending_invoice: p.status === "pending" ? p.invoice : null,
    created_at: p.createdAt,
    provider_ref: p.providerRef,
    ...providerLinkIndex(p)
  })
})

export const RefundRecords = Collections.records({
  collection: Collections.Refunds,
  schema: Refund,
  resource: "refund",
  index: (r) => ({ payment: r.payment, customer: r.customer, status: r.status, created_at: r.createdAt, provider_ref: r.providerRef, ...providerLinkIndex(r) })
})

export const PaymentMethodRecords = Collections.records({
  collection: Collections.PaymentMethods,
  schema: PaymentMethod,
  resource: "payment method",
  index: (m) => ({ customer: m.customer, status: m.status })
})

export const ProviderCustomerRecords = Collections.records({
  collection: Collections.ProviderCustomers,
  schema: ProviderCustomer,
  resource: "provider customer",
  // An unlinked customer frees its reference.
  index: (c) => ({ provider_ref: c.unlinkedAt === null ? c.providerRef : null })
})

export const ProviderEventRecords = Collections.records({
  collection: Collections.ProviderEvents,
  schema: ProviderEvent,
  resource: "provider event",
  index: (e) => ({ key: e.key })
})

export const ProviderRouteRecords = Collections.records({
  collection: Collections.ProviderRoutes,
  schema: ProviderRoute,
  resource: "provider route",
  index: (r) => ({ ref: r.ref })
})
