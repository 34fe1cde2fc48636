/**
 * Payments and refunds as one service: charges are PaymentCharges', refunds PaymentRefunds', and
 * how money leaves once (commit the intent, call the provider after commit, record the outcome
 * once; house rule 8) is PaymentIntents'. Here: the pending records to resume, and the reads.
 */
import { Effect } from "effect"
import type { PaymentStatus } from "./domain/Payment.js"
import { Events } from "../events/index.js"
import type { Page, PageRequest } from "../kernel/Page.js"
import { PaymentMethods } from "./PaymentMethods.js"
import { collectIntents } from "./PaymentIntents.js"
import { makePaymentCharges } from "./PaymentCharges.js"
import { makePaymentRefunds } from "./PaymentRefunds.js"
import { makeRepository } from "../kernel/Repository.js"
import { createdWithin } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { PaymentRecords, RefundRecords } from "./domain/Records.js"

export type { MoneyIntent } from "./PaymentIntents.js"
export { attemptKey } from "./PaymentCharges.js"

export interface TimeFilters {
  /** Epoch milliseconds, inclusive. */
  readonly from?: number
  readonly to?: number
}

export class Payments extends Effect.Service<Payments>()("@billkit/core/Payments", {
  effect: Effect.gen(function*() {
    const payments = yield* makeRepository(PaymentRecords)
    const refunds = yield* makeRepository(RefundRecords)

    const paymentsOfInvoice = (invoiceId: string) =>
      Effect.map(payments.list({ limit: 100 }, { where: { invoice: invoiceId } }), (page) => page.data)

    const charging = yield* makePaymentCharges
    const refunding = yield* makePaymentRefunds(paymentsOfInvoice)

    /**
     * Up to `limit` pending records Billkit made, from `pageAfter` (pages of pending records in
     * id order). Imported ones (a Stripe charge still pending) are Stripe's to settle, never asked
     * again by Billkit: they are paged past, so that a page of them cannot hide Billkit's own.
     */
    const ownPending = <A extends { readonly connection: string | null }, R>(
      pageAfter: (after: string | undefined) => Effect.Effect<Page<A>, never, R>,
      limit: number
    ) =>
      Effect.gen(function*() {
        const own: Array<A> = []
        let after: string | undefined
        for (;;) {
          const page = yield* pageAfter(after)
          own.push(...page.data.filter((r) => r.connection === null))
          if (own.length >= limit || !page.hasMore || page.nextCursor === null) return own.slice(0, limit)
          after = page.nextCursor
        }
      })
    const pendingPage = (limit: number) => (after: string | undefined) =>
      ({ limit, ...(after === undefined ? {} : { startingAfter: after }) })

    /** Payments and refunds still pending (oldest first, at most `limit` of each): work to resume. */
    const pending = traced("Payments.pending")(function*(limit: number) {
      const page = pendingPage(limit)
      return {
        charges: yield* ownPending((after) => payments.list(page(after), { where: { status: "pending" } }), limit),
        refunds: yield* ownPending((after) => refunds.list(page(after), { where: { status: "pending" } }), limit)
      }
    })

    /** The payment a provider reference (`pi_…`) names, in the current tenant. */
    const findByProviderRef = (providerRef: string) => payments.findBy("provider_ref", providerRef)

    const list = traced("Payments.list")(function*(
      page: PageRequest,
      filters: TimeFilters & { readonly customer?: string; readonly status?: PaymentStatus; readonly connection?: string } = {}
    ) {
      const where: Record<string, string> = {}
      if (filters.customer !== undefined) where.customer = filters.customer
      if (filters.status !== undefined) where.status = filters.status
      if (filters.connection !== undefined) where.connection = filters.connection
      return yield* payments.list(page, { where, ...createdWithin(filters) })
    })

    const listRefunds = traced("Payments.listRefunds")(function*(
      page: PageRequest,
      filters: TimeFilters & { readonly customer?: string; readonly connection?: string } = {}
    ) {
      const where: Record<string, string> = {}
      if (filters.customer !== undefined) where.customer = filters.customer
      if (filters.connection !== undefined) where.connection = filters.connection
      return yield* refunds.list(page, { where, ...createdWithin(filters) })
    })

    return {
      collectIntents,
      startCharge: charging.startCharge,
      callCharge: charging.callCharge,
      recordCharge: charging.recordCharge,
      chargeRequestOf: charging.chargeRequestOf,
      startRefund: refunding.startRefund,
      callRefund: refunding.callRefund,
      recordRefund: refunding.recordRefund,
      settleRefund: refunding.settleRefund,
      refundRequestOf: refunding.refundRequestOf,
      pending,
      refund: refunding.refund,
      refundInvoice: refunding.refundInvoice,
      paymentsOfInvoice,
      findByProviderRef,
      recordProviderRefund: refunding.recordProviderRefund,
      recordDispute: charging.recordDispute,
      get: (id: string) => payments.get(id),
      getRefund: (id: string) => refunds.get(id),
      list,
      listRefunds
    } as const
  }),
  dependencies: [PaymentMethods.Default, Events.Default]
}) {}
