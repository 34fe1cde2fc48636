/**
 * Inbound webhooks from the payment provider (Stripe). The signature is verified by the
 * provider's port; the event is then processed once by its id (a `provider_events` row inserted
 * in the transaction that makes the change) and never on the payload's word: the object is
 * re-read from the provider first, so a late `payment_failed` after `succeeded` finds the
 * PaymentIntent succeeded and changes nothing. The tenant is the one whose payment the
 * PaymentIntent is (the event's `livemode` picks the mode). Events Billkit does not act on are
 * acknowledged and ignored.
 */
import { Effect, Option } from "effect"
import { NotFound } from "../kernel/Errors.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { makeRepository } from "../kernel/Repository.js"
import { Storage } from "../kernel/Storage.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { nowIso } from "../kernel/Time.js"
import { Invoices } from "../invoicing/index.js"
import { PaymentMethods, PaymentProvider, Payments, type ProviderEventIn, type WebhookSignatureInvalid } from "../payments/index.js"
import { ProviderEventRecords } from "../payments/domain/index.js"

export type WebhookResult = { readonly received: true; readonly processed: boolean }

const chargeEvents = new Set(["payment_intent.succeeded", "payment_intent.payment_failed"])

export class ProviderHooks extends Effect.Service<ProviderHooks>()("@billkit/core/ProviderHooks", {
  effect: Effect.gen(function*() {
    const provider = yield* PaymentProvider
    const storage = yield* Storage
    const ids = yield* IdGenerator
    const payments = yield* Payments
    const invoices = yield* Invoices
    const seen = yield* makeRepository(ProviderEventRecords)
    const paymentMethods = yield* PaymentMethods

    /** The tenant (and payment) a PaymentIntent belongs to: each project of the event's mode is asked. */
    const paymentOf = (event: ProviderEventIn) =>
      Effect.gen(function*() {
        const mode = event.livemode ? "live" as const : "test" as const
        for (const project of yield* storage.projects.all) {
          const tenant = { projectId: project.id, mode }
          const found = yield* payments.findByProviderRef(event.objectId).pipe(Effect.provideService(CurrentTenant, tenant))
          if (Option.isSome(found)) return Option.some({ tenant, payment: found.value })
        }
        return Option.none()
      })

    /** Settles a `pending` or `requires_action` payment with the charge's state read back from the provider. */
    const settleCharge = (event: ProviderEventIn) =>
      Effect.gen(function*() {
        const webhooks = provider.webhooks!
        const target = yield* paymentOf(event)
        if (Option.isNone(target)) return false
        const { payment, tenant } = target.value
        // Read outside any transaction (an outside call); only a final state settles.
        const outcome = yield* webhooks.readCharge(event.objectId)
        if (outcome.status === "requires_action") return false
        const record = Effect.gen(function*() {
          if (!(yield* markSeen(event))) return false
          if (payment.invoice === null) return true
          yield* invoices.recordCharge(payment, outcome, ["pending", "requires_action"])
          return true
        })
        return yield* seen.transaction(record).pipe(Effect.provideService(CurrentTenant, tenant))
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

    /** `charge.refunded`: each refund of the charge Billkit did not make appears as a Billkit refund. */
    const recordRefunds = (event: ProviderEventIn) =>
      Effect.gen(function*() {
        const webhooks = provider.webhooks!
        // Read outside any transaction; Billkit's own refunds carry their id and are left alone.
        const charge = yield* webhooks.readChargeRefunds(event.objectId)
        const target = yield* paymentOf({ ...event, objectId: charge.paymentRef })
        if (Option.isNone(target)) return false
        const { payment, tenant } = target.value
        const foreign = charge.refunds.filter((r) => r.billkitRefund === null && r.status === "succeeded")
        return yield* seen.transaction(Effect.gen(function*() {
          if (!(yield* markSeen(event))) return false
          for (const refund of foreign) yield* payments.recordProviderRefund(payment.id, refund)
          return true
        })).pipe(Effect.provideService(CurrentTenant, tenant))
      })

    /**
     * `payment_method.detached`: the card detached in Stripe is detached in Billkit too, unless
     * Stripe now has it attached again (read back). The customer is the one it was detached from.
     */
    const detachMethod = (event: ProviderEventIn) =>
      Effect.gen(function*() {
        const previous = event.previousCustomer
        if (previous === null) return false
        if ((yield* provider.webhooks!.readPaymentMethodCustomer(event.objectId)) !== null) return false
        const mode = event.livemode ? "live" as const : "test" as const
        for (const project of yield* storage.projects.all) {
          const tenant = { projectId: project.id, mode }
          const done = yield* Effect.gen(function*() {
            const customer = yield* paymentMethods.customerOfProviderRef(previous)
            if (Option.isNone(customer)) return Option.none<boolean>()
            const active = yield* paymentMethods.list(customer.value, { limit: 100 }).pipe(Effect.orDie)
            const method = active.data.find((m) => m.providerRef === event.objectId)
            if (method === undefined) return Option.some(false)
            return Option.some(yield* seen.transaction(Effect.gen(function*() {
              if (!(yield* markSeen(event))) return false
              yield* paymentMethods.detach(customer.value, method.id).pipe(Effect.orDie)
              return true
            })))
          }).pipe(Effect.provideService(CurrentTenant, tenant))
          if (Option.isSome(done)) return done.value
        }
        return false
      })

    /** Verifies and processes one delivery; `connection` is `default` (the instance's provider). */
    const receive = (connection: string, payload: string, signature: string): Effect.Effect<WebhookResult, NotFound | WebhookSignatureInvalid> =>
      Effect.gen(function*() {
        const webhooks = provider.webhooks
        if (connection !== "default" || webhooks === undefined) {
          return yield* new NotFound({ resource: "connection", id: connection })
        }
        const event = yield* webhooks.verify(payload, signature)
        if (chargeEvents.has(event.type)) return { received: true, processed: yield* settleCharge(event) } as const
        if (event.type === "payment_method.detached") return { received: true, processed: yield* detachMethod(event) } as const
        if (event.type === "charge.refunded") return { received: true, processed: yield* recordRefunds(event) } as const
        return { received: true, processed: false } as const
      })

    return { receive } as const
  }),
  dependencies: []
}) {}
