/**
 * Stripe charges and refunds into Billkit payments and refunds. Those Billkit made itself (their
 * metadata names a Billkit payment or refund, or a Billkit record already holds their provider
 * reference) are not imported twice.
 */
import { Effect, Option } from "effect"
import { dataOf, type ImportContext, type KindImport } from "./ImportContext.js"
import { currencyOf, idOf, minor, obj, str } from "./StripeJson.js"

/** Charges (as payments) and refunds. */
export const paymentImports = (
  { of, payments, refunds, link, lookup, prefetch, prefetchExisting, upsert }: ImportContext
): { readonly charges: KindImport; readonly refunds: KindImport } => {
  /** Payment provider references held by a record (the charge of a payment Billkit made): read per page (by its prefetch). */
  let takenPaymentRefs = new Set<string>()
  /** The first refund (by id) holding each refund provider reference of the page (read by its prefetch). */
  let refundsByRef = new Map<string, { readonly connection: string | null }>()
  return {
    charges: {
      prefetch: (connection, page, own) =>
        Effect.gen(function*() {
          takenPaymentRefs = new Set()
          const intents = page.flatMap((o) => (o.paymentIntent === null ? [] : [o.paymentIntent]))
          for (const payment of yield* payments.findMany("provider_ref", intents)) {
            if (payment.providerRef !== null) takenPaymentRefs.add(payment.providerRef)
          }
          yield* prefetch(of.customers, connection, page.map((o) => o.customer))
          yield* prefetch(of.invoices, connection, page.map((o) => idOf(dataOf(o).invoice)))
          return yield* prefetchExisting(of.payments, connection, own)
        }),
      importOne: ({ connection, o, d, created, now }) =>
        Effect.gen(function*() {
          const metadata = obj(d.metadata) ?? {}
          if (str(metadata.billkit_payment) !== null || str(metadata.billkit_idempotency_key) !== null) return "skipped" as const
          if (o.paymentIntent !== null && takenPaymentRefs.has(o.paymentIntent)) return "skipped" as const
          const customer = yield* lookup(of.customers, connection, o.customer)
          if (Option.isNone(customer)) return `charge ${o.id}: it has no imported customer`
          const currency = currencyOf(o.currency)
          if (currency === null) return `charge ${o.id}: currency ${String(o.currency)} is not one Billkit knows`
          const invoice = yield* lookup(of.invoices, connection, idOf(d.invoice))
          const status = o.status === "succeeded" ? "succeeded" as const : o.status === "failed" ? "failed" as const : "pending" as const
          // The payment holds the intent from here on: a later charge of the page naming it is skipped, as a stored one would be.
          if (o.paymentIntent !== null) takenPaymentRefs.add(o.paymentIntent)
          return yield* upsert(of.payments, connection, o.id, (id) => ({
            id,
            object: "payment" as const,
            customer: customer.value.id,
            invoice: Option.isSome(invoice) ? invoice.value.id : null,
            amount: minor(o.amount),
            currency,
            status,
            paymentMethod: null,
            failureCode: str(d.failure_code),
            failureMessage: str(d.failure_message),
            amountRefunded: minor(o.refunded),
            providerRef: o.paymentIntent ?? o.id,
            attempt: null,
            idempotencyKey: null,
            nextActionUrl: null,
            automatic: false,
            // A dispute reaches Billkit through `charge.dispute.*` once the mirror exists.
            dispute: null,
            ...link(connection, o.id),
            createdAt: created
          }))
        })
    },
    refunds: {
      prefetch: (connection, page, own) =>
        Effect.gen(function*() {
          refundsByRef = new Map()
          // In id order: the first holding a reference is the one a lookup by it would answer.
          for (const refund of yield* refunds.findMany("provider_ref", own)) {
            if (refund.providerRef !== null && !refundsByRef.has(refund.providerRef)) refundsByRef.set(refund.providerRef, refund)
          }
          yield* prefetch(of.payments, connection, page.map((o) => o.charge))
          return yield* prefetchExisting(of.refunds, connection, own)
        }),
      importOne: ({ connection, o, d, created, now }) =>
        Effect.gen(function*() {
          if (str(obj(d.metadata)?.billkit_refund) !== null) return "skipped" as const
          // A refund Billkit made, or recorded from a webhook: already Billkit's.
          const known = refundsByRef.get(o.id)
          if (known !== undefined && known.connection === null) return "skipped" as const
          const payment = yield* lookup(of.payments, connection, o.charge)
          if (Option.isNone(payment)) return `refund ${o.id}: its charge ${o.charge} was not imported`
          return yield* upsert(of.refunds, connection, o.id, (id) => ({
            id,
            object: "refund" as const,
            payment: payment.value.id,
            customer: payment.value.customer,
            invoice: payment.value.invoice,
            amount: minor(o.amount),
            currency: payment.value.currency,
            reason: str(d.reason),
            status: o.status === "succeeded" ? "succeeded" as const : o.status === "pending" || o.status === "requires_action" ? "pending" as const : "failed" as const,
            providerRef: o.id,
            ...link(connection, o.id),
            createdAt: created
          }))
        })
    }
  }
}
