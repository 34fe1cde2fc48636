/**
 * Drift: Billkit's own ledger (payments and refunds it made through Stripe) against the
 * provider's charges and refunds as the sync just stored them. Payments do not record which
 * connection they went through yet: they are compared with the project's default connection,
 * and any other connection reports only what it holds that names a Billkit payment.
 */
import { Effect, Option } from "effect"
import type { Page } from "../kernel/Page.js"
import { makeRepository } from "../kernel/Repository.js"
import { Payments } from "../payments/index.js"
import { Connections } from "./Connections.js"
import { ProviderObjectRecords } from "./domain/Records.js"
import { objectId, type Drift, type StoredProviderObject } from "./domain/Sync.js"

/** Provider refs that name a Stripe charge, payment or payment intent (what the Stripe provider records). */
const stripeCharge = /^(ch|py|pi)_/
const stripeRefund = /^(re|pyr)_/

/** Every item of a paged list, 100 at a time. */
const everything = <A extends { readonly id: string }, E, R>(pageOf: (after: string | undefined) => Effect.Effect<Page<A>, E, R>) =>
  Effect.gen(function*() {
    const out: Array<A> = []
    let after: string | undefined
    for (;;) {
      const page = yield* pageOf(after)
      out.push(...page.data)
      if (!page.hasMore || page.nextCursor === null) return out
      after = page.nextCursor
    }
  })

const metadataPayment = (o: StoredProviderObject): string | null => {
  const metadata = o.data.metadata
  if (typeof metadata !== "object" || metadata === null) return null
  const payment = (metadata as Record<string, unknown>).billkit_payment
  return typeof payment === "string" ? payment : null
}

export const driftOf = (connectionId: string) =>
  Effect.gen(function*() {
    const payments = yield* Payments
    const connections = yield* Connections
    const objects = yield* makeRepository(ProviderObjectRecords)
    const connection = yield* Effect.orDie(connections.get(connectionId))
    const drift: Array<Drift> = []

    /** The provider's charge a Billkit `provider_ref` names: by charge id, else by payment intent. */
    const chargeFor = (ref: string) =>
      Effect.flatMap(objects.find(objectId(connectionId, ref)), (byId) =>
        Option.isSome(byId)
          ? Effect.succeed(byId)
          : Effect.map(objects.findBy("payment_intent", ref), Option.filter((o) => o.connection === connectionId && o.type === "charges")))

    const allPayments = yield* everything((after) => payments.list({ limit: 100, ...(after === undefined ? {} : { startingAfter: after }) }))
    const known = new Set(allPayments.map((p) => p.id))
    for (const payment of allPayments) {
      // Imported payments are the account's own charges as the sync just read them: nothing to compare.
      if (payment.connection !== null) continue
      if (payment.providerRef === null || !stripeCharge.test(payment.providerRef) || payment.status === "pending") continue
      const found = yield* chargeFor(payment.providerRef)
      if (Option.isNone(found)) {
        if (connection.default) {
          drift.push({ kind: "missing_in_provider", record: payment.id, providerId: payment.providerRef, billkit: payment.status, provider: null })
        }
        continue
      }
      const charge = found.value
      const base = { record: payment.id, providerId: charge.providerId }
      if (charge.amount !== payment.amount || charge.currency?.toUpperCase() !== payment.currency) {
        drift.push({ kind: "amount_mismatch", ...base, billkit: `${payment.amount} ${payment.currency}`, provider: `${charge.amount} ${charge.currency?.toUpperCase()}` })
      }
      // Stripe's `requires_action` lives on the payment intent; its charge (if any) is pending.
      const providerStatus = charge.status === "pending" && payment.status === "requires_action" ? "requires_action" : charge.status
      // A disputed charge stays `succeeded` at Stripe (with `disputed: true`).
      const billkitStatus = payment.status === "disputed" ? "succeeded" : payment.status
      if (providerStatus !== billkitStatus) {
        drift.push({ kind: "status_mismatch", ...base, billkit: payment.status, provider: charge.status })
      }
      if ((charge.refunded ?? 0) !== payment.amountRefunded) {
        drift.push({ kind: "refunded_mismatch", ...base, billkit: String(payment.amountRefunded), provider: String(charge.refunded ?? 0) })
      }
    }

    const allRefunds = yield* everything((after) => payments.listRefunds({ limit: 100, ...(after === undefined ? {} : { startingAfter: after }) }))
    for (const refund of allRefunds) {
      if (refund.connection !== null) continue
      if (refund.providerRef === null || !stripeRefund.test(refund.providerRef) || refund.status === "pending") continue
      const found = yield* objects.find(objectId(connectionId, refund.providerRef))
      if (Option.isNone(found)) {
        if (connection.default) {
          drift.push({ kind: "missing_in_provider", record: refund.id, providerId: refund.providerRef, billkit: refund.status, provider: null })
        }
        continue
      }
      const theirs = found.value
      const base = { record: refund.id, providerId: theirs.providerId }
      if (theirs.amount !== refund.amount) {
        drift.push({ kind: "amount_mismatch", ...base, billkit: String(refund.amount), provider: String(theirs.amount) })
      }
      if (theirs.status !== refund.status) drift.push({ kind: "status_mismatch", ...base, billkit: refund.status, provider: theirs.status })
    }

    // Charges that say they were made for a Billkit payment Billkit does not have.
    const charges = yield* everything((after) =>
      objects.list({ limit: 100, ...(after === undefined ? {} : { startingAfter: after }) }, { where: { connection: connectionId, type: "charges" } }))
    for (const charge of charges) {
      const payment = metadataPayment(charge)
      if (payment !== null && !known.has(payment)) {
        drift.push({ kind: "missing_in_billkit", record: payment, providerId: charge.providerId, billkit: null, provider: charge.status })
      }
    }
    return drift
  })
