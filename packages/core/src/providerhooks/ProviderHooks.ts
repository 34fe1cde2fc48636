/**
 * Inbound webhooks from the payment provider (Stripe), for the instance's provider (`default`) and
 * for each connection (`conn_…`). The signature is verified by the provider's port (with the
 * connection's own webhook secret); the event is then processed once by its id (a
 * `provider_events` row inserted in the transaction that makes the change) and never on the
 * payload's word: the object is re-read from the provider (with the connection's own key) first,
 * so a late `payment_failed` after `succeeded` finds the PaymentIntent succeeded and changes
 * nothing. Events Billkit does not act on are acknowledged and ignored.
 *
 * The tenant, by one lookup in `provider_routes` (never by asking every project): a connection's
 * is the one it belongs to; for `default`, the one the event's provider customer is routed to (a
 * customer Billkit did not make has none, and its events are ignored). Migration 0014 routes the
 * connections and provider customers stored before it.
 */
import { Effect, Option } from "effect"
import { NotFound } from "../kernel/Errors.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { makeRepository } from "../kernel/Repository.js"
import type { Tenant } from "../kernel/Storage.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { nowIso } from "../kernel/Time.js"
import { Connections, ProviderAccounts } from "../connections/index.js"
import { Invoices } from "../invoicing/index.js"
import {
  connectionRoute, customerRoute, PaymentMethods, PaymentProvider, Payments, ProviderRoutes,
  type ProviderEventIn, type ProviderWebhooks, type WebhookSignatureInvalid
} from "../payments/index.js"
import { ProviderEventRecords } from "../payments/domain/index.js"

export type WebhookResult = { readonly received: true; readonly processed: boolean }

/** PaymentIntent events: each settles the payment by the PaymentIntent's state read back. */
const chargeEvents = new Set([
  "payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled", "payment_intent.requires_action"
])

/** Where a delivery came from: the instance's provider, or one connection (whose tenant is known). */
type Source =
  | { readonly _tag: "default"; readonly webhooks: ProviderWebhooks }
  | { readonly _tag: "connection"; readonly webhooks: ProviderWebhooks; readonly tenant: Tenant }

export class ProviderHooks extends Effect.Service<ProviderHooks>()("@billkit/core/ProviderHooks", {
  effect: Effect.gen(function*() {
    const provider = yield* PaymentProvider
    const ids = yield* IdGenerator
    const payments = yield* Payments
    const invoices = yield* Invoices
    const seen = yield* makeRepository(ProviderEventRecords)
    const paymentMethods = yield* PaymentMethods
    const connections = yield* Connections
    const routes = yield* ProviderRoutes
    const providerName = provider.name ?? "stripe"

    /**
     * The tenant an event concerns: a connection's own; for `default`, the one its provider
     * customer is routed to, in the event's mode; none for a customer Billkit did not make.
     */
    const tenantsFor = (source: Source, event: ProviderEventIn, customerRef: string | null) =>
      Effect.gen(function*() {
        if (source._tag === "connection") return [source.tenant]
        if (customerRef === null) return []
        const mode = event.livemode ? "live" as const : "test" as const
        const routed = yield* routes.tenantOf(customerRoute(providerName, customerRef))
        return Option.isSome(routed) && routed.value.mode === mode ? [routed.value] : []
      })

    /** The first tenant (of `tenants`) where `find` finds something, with what it found. */
    const firstIn = <A>(tenants: ReadonlyArray<Tenant>, find: Effect.Effect<Option.Option<A>, never, CurrentTenant>) =>
      Effect.gen(function*() {
        for (const tenant of tenants) {
          const found = yield* find.pipe(Effect.provideService(CurrentTenant, tenant))
          if (Option.isSome(found)) return Option.some({ tenant, value: found.value })
        }
        return Option.none<{ readonly tenant: Tenant; readonly value: A }>()
      })

    /** Once per event id, in the caller's transaction: false when this event was processed before. */
    const markSeen = (event: ProviderEventIn) =>
      Effect.gen(function*() {
        return yield* seen.insert({
          id: yield* ids.next("providerEvent"),
          object: "provider_event",
          key: `stripe:${event.id}`,
          type: event.type,
          createdAt: yield* nowIso
        }).pipe(Effect.as(true), Effect.catchTag("UniqueViolation", () => Effect.succeed(false)))
      })

    /** Runs `change` with the event marked seen, in one transaction of `tenant`; false for a duplicate. */
    const once = <E>(tenant: Tenant, event: ProviderEventIn, change: Effect.Effect<unknown, E, CurrentTenant>) =>
      seen.transaction(Effect.gen(function*() {
        if (!(yield* markSeen(event))) return false
        yield* change
        return true
      })).pipe(Effect.provideService(CurrentTenant, tenant))

    /**
     * The payment a PaymentIntent is: by its `provider_ref`, else (an answer Billkit never
     * recorded) by the attempt's idempotency key, `<invoice id>:attempt-<n>`, among its invoice's.
     */
    const paymentOfIntent = (event: ProviderEventIn) =>
      Effect.gen(function*() {
        const found = yield* payments.findByProviderRef(event.objectId)
        const key = event.idempotencyKey ?? null
        if (Option.isSome(found) || key === null || !key.includes(":attempt-")) return found
        const invoiceId = key.slice(0, key.indexOf(":attempt-"))
        return Option.fromNullable((yield* payments.paymentsOfInvoice(invoiceId)).find((p) => p.idempotencyKey === key))
      })

    /**
     * `payment_intent.*`: settles the payment with the PaymentIntent's state read back. A final
     * state (succeeded; failed or canceled, both a `failed` payment) settles a `pending` or
     * `requires_action` payment; `requires_action` only moves a `pending` one (with its
     * `next_action_url`).
     */
    const settleCharge = (source: Source, event: ProviderEventIn) =>
      Effect.gen(function*() {
        const tenants = yield* tenantsFor(source, event, event.customer)
        const target = yield* firstIn(tenants, paymentOfIntent(event))
        if (Option.isNone(target)) return false
        const { tenant, value: payment } = target.value
        // Read outside any transaction (an outside call).
        const outcome = yield* source.webhooks.readCharge(event.objectId)
        const settles = outcome.status === "requires_action" ? ["pending" as const] : ["pending" as const, "requires_action" as const]
        return yield* once(tenant, event, payment.invoice === null
          ? Effect.void
          : invoices.recordCharge(payment, outcome, settles))
      })

    /** `charge.refunded`: each refund of the charge Billkit did not make appears as a Billkit refund. */
    const recordRefunds = (source: Source, event: ProviderEventIn) =>
      Effect.gen(function*() {
        // Read outside any transaction; Billkit's own refunds carry their id and are left alone.
        const charge = yield* source.webhooks.readChargeRefunds(event.objectId)
        const tenants = yield* tenantsFor(source, event, event.customer)
        const target = yield* firstIn(tenants, payments.findByProviderRef(charge.paymentRef))
        if (Option.isNone(target)) return false
        const { tenant, value: payment } = target.value
        const foreign = charge.refunds.filter((r) => r.billkitRefund === null && r.status === "succeeded")
        return yield* once(tenant, event, Effect.forEach(foreign, (refund) => payments.recordProviderRefund(payment.id, refund)))
      })

    /** `charge.dispute.*`: the payment's dispute as Stripe has it now (read back). */
    const recordDispute = (source: Source, event: ProviderEventIn) =>
      Effect.gen(function*() {
        const dispute = yield* source.webhooks.readDispute(event.objectId)
        const tenants = yield* tenantsFor(source, event, dispute.customer)
        const target = yield* firstIn(tenants, payments.findByProviderRef(dispute.paymentRef))
        if (Option.isNone(target)) return false
        const { tenant, value: payment } = target.value
        return yield* once(tenant, event, payments.recordDispute(payment.id, dispute))
      })

    /**
     * `payment_method.detached`: the card detached in Stripe is detached in Billkit too, unless
     * Stripe now has it attached again (read back). The customer is the one it was detached from.
     */
    const detachMethod = (source: Source, event: ProviderEventIn) =>
      Effect.gen(function*() {
        const previous = event.previousCustomer
        if (previous === null) return false
        if ((yield* source.webhooks.readPaymentMethodCustomer(event.objectId)) !== null) return false
        const tenants = yield* tenantsFor(source, event, previous)
        const target = yield* firstIn(tenants, paymentMethods.customerOfProviderRef(previous))
        if (Option.isNone(target)) return false
        const { tenant, value: customer } = target.value
        const active = yield* paymentMethods.list(customer, { limit: 100 }).pipe(Effect.orDie, Effect.provideService(CurrentTenant, tenant))
        const method = active.data.find((m) => m.providerRef === event.objectId)
        if (method === undefined) return false
        return yield* once(tenant, event, paymentMethods.detach(customer, method.id).pipe(Effect.orDie))
      })

    /** `setup_intent.succeeded`: the card it saved (read back) is stored for the Billkit customer. */
    const recordSetup = (source: Source, event: ProviderEventIn) =>
      Effect.gen(function*() {
        const setup = yield* source.webhooks.readSetup(event.objectId)
        if (setup.status !== "succeeded" || setup.customer === null || setup.method === null) return false
        const { customer: customerRef, method } = setup
        const tenants = yield* tenantsFor(source, event, customerRef)
        const target = yield* firstIn(tenants, paymentMethods.customerOfProviderRef(customerRef))
        if (Option.isNone(target)) return false
        const { tenant, value: customer } = target.value
        return yield* once(tenant, event, paymentMethods.recordProviderMethod(customer, method).pipe(Effect.orDie))
      })

    /**
     * `customer.deleted`: once Stripe says (read back) the customer is deleted, the Billkit
     * customer's link to it is cut and its cards there detached; the Billkit customer is kept.
     */
    const unlinkCustomer = (source: Source, event: ProviderEventIn) =>
      Effect.gen(function*() {
        if (!(yield* source.webhooks.readCustomerDeleted(event.objectId))) return false
        const tenants = yield* tenantsFor(source, event, event.objectId)
        const target = yield* firstIn(tenants, paymentMethods.customerOfProviderRef(event.objectId))
        if (Option.isNone(target)) return false
        const { tenant, value: customer } = target.value
        return yield* once(tenant, event, paymentMethods.unlinkProviderCustomer(customer, event.objectId).pipe(Effect.orDie))
      })

    /**
     * `checkout.session.completed`: recorded once, in the tenant of the connection or of the
     * session's customer. Billkit's hosted checkout collects cards itself, so there is no Billkit
     * session to complete; the record makes duplicates and replays visible as such.
     */
    const recordCheckout = (source: Source, event: ProviderEventIn) =>
      Effect.gen(function*() {
        if (source._tag === "connection") return yield* once(source.tenant, event, Effect.void)
        const [tenant] = yield* tenantsFor(source, event, event.customer)
        return tenant === undefined ? false : yield* once(tenant, event, Effect.void)
      })

    const dispatch = (source: Source, event: ProviderEventIn): Effect.Effect<boolean> => {
      if (chargeEvents.has(event.type)) return settleCharge(source, event)
      if (event.type === "charge.refunded") return recordRefunds(source, event)
      if (event.type.startsWith("charge.dispute.")) return recordDispute(source, event)
      if (event.type === "payment_method.detached") return detachMethod(source, event)
      if (event.type === "setup_intent.succeeded") return recordSetup(source, event)
      if (event.type === "customer.deleted") return unlinkCustomer(source, event)
      if (event.type === "checkout.session.completed") return recordCheckout(source, event)
      return Effect.succeed(false)
    }

    /**
     * A connection's webhooks: its tenant by route, its webhook secret and key opened. 404 when
     * the connection is unknown or deleted, has no webhook secret, or the provider integration
     * cannot receive webhooks.
     */
    const connectionSource = (connection: string) =>
      Effect.gen(function*() {
        const missing = new NotFound({ resource: "connection", id: connection })
        const tenant = yield* routes.tenantOf(connectionRoute(connection))
        if (Option.isNone(tenant)) return yield* missing
        const make = (yield* ProviderAccounts).stripe?.webhooks
        if (make === undefined) return yield* missing
        return yield* Effect.gen(function*() {
          const webhookSecret = yield* connections.webhookSecretOf(connection)
          if (Option.isNone(webhookSecret)) return yield* missing
          const secretKey = yield* connections.secretKeyOf(connection)
          const source: Source = { _tag: "connection", tenant: tenant.value, webhooks: make({ secretKey, webhookSecret: webhookSecret.value }) }
          return source
        }).pipe(Effect.provideService(CurrentTenant, tenant.value))
      })

    /** Verifies and processes one delivery; `connection` is `default` (the instance's provider) or a `conn_…` id. */
    const receive = (connection: string, payload: string, signature: string): Effect.Effect<WebhookResult, NotFound | WebhookSignatureInvalid> =>
      Effect.gen(function*() {
        let source: Source
        if (connection === "default") {
          if (provider.webhooks === undefined) return yield* new NotFound({ resource: "connection", id: connection })
          source = { _tag: "default", webhooks: provider.webhooks }
        } else {
          source = yield* connectionSource(connection)
        }
        const event = yield* source.webhooks.verify(payload, signature)
        // A connection's test-mode account never speaks for its live-mode tenant, nor the reverse.
        if (source._tag === "connection" && event.livemode !== (source.tenant.mode === "live")) {
          return { received: true, processed: false } as const
        }
        return { received: true, processed: yield* dispatch(source, event) } as const
      })

    return { receive } as const
  }),
  dependencies: [ProviderRoutes.Default]
}) {}
