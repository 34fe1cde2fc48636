/**
 * Stripe invoices into Billkit invoices: amounts, status and its instants as Stripe has them, one
 * line per Stripe line, never retried by Billkit's dunning (Stripe collects its own invoices).
 */
import { BigDecimal, Effect, Option } from "effect"
import { dataOf, type ImportContext, type KindImport } from "./ImportContext.js"
import { at, currencyOf, idOf, metadataOf, minor, num, obj, str, whole } from "./StripeJson.js"

/** Invoices, with their customer and subscription. */
export const invoiceImports = (
  { of, link, lookup, prefetch, prefetchExisting, upsert }: ImportContext
): { readonly invoices: KindImport } => ({
  invoices: {
    prefetch: (connection, page, own) =>
      Effect.gen(function*() {
        yield* prefetch(of.customers, connection, page.map((o) => idOf(dataOf(o).customer)))
        yield* prefetch(of.subscriptions, connection, page.map((o) =>
          idOf(dataOf(o).subscription) ?? idOf(obj(obj(dataOf(o).parent)?.subscription_details)?.subscription)))
        return yield* prefetchExisting(of.invoices, connection, own)
      }),
    importOne: ({ connection, o, d, created, now }) =>
      Effect.gen(function*() {
        const customer = yield* lookup(of.customers, connection, idOf(d.customer))
        if (Option.isNone(customer)) return `invoice ${o.id}: its customer ${idOf(d.customer)} was not imported`
        const currency = currencyOf(d.currency) ?? currencyOf(o.currency)
        if (currency === null) return `invoice ${o.id}: currency ${String(d.currency)} is not one Billkit knows`
        const parent = obj(obj(d.parent)?.subscription_details)
        const subscription = yield* lookup(of.subscriptions, connection, idOf(d.subscription) ?? idOf(parent?.subscription))
        const total = Math.round(num(d.total) ?? o.amount ?? 0)
        const subTotal = Math.round(num(d.subtotal) ?? total)
        const lineData = Array.isArray(obj(d.lines)?.data) ? (obj(d.lines)!.data as Array<unknown>).map((l) => obj(l) ?? {}) : []
        const lines = (lineData.length > 0 ? lineData : [{ amount: subTotal, description: str(d.description) ?? `Invoice ${str(d.number) ?? o.id}` }])
          .map((l) => {
            const amount = Math.round(num(l.amount) ?? 0)
            const quantity = Math.max(0, Math.round(num(l.quantity) ?? 1))
            const period = obj(l.period)
            return {
              type: obj(l.parent)?.subscription_item_details !== undefined || str(l.subscription) !== null
                ? "subscription" as const
                : "one_off" as const,
              description: str(l.description) ?? "",
              subscription: Option.isSome(subscription) ? subscription.value.id : null,
              price: null,
              quantity: whole(quantity),
              unitAmount: quantity === 0 ? whole(0) : BigDecimal.unsafeDivide(whole(amount), whole(quantity)),
              amount,
              discount: 0,
              subTotal: amount,
              taxRate: whole(0),
              taxTotal: 0,
              total: amount,
              includingTax: false,
              period: period !== null && num(period.start) !== null && num(period.end) !== null
                ? { start: at(period.start)!, end: at(period.end)! }
                : null,
              proration: null
            }
          })
        const periods = lines.flatMap((l) => (l.period === null ? [] : [l.period]))
        const invoiceStatus = str(d.status) ?? o.status
        const paid = invoiceStatus === "paid"
        const amountDue = minor(d.amount_due ?? total)
        const amountPaid = minor(d.amount_paid ?? (paid ? total : 0))
        const transitions = obj(d.status_transitions) ?? {}
        const status = (["draft", "open", "paid", "void", "uncollectible"] as const).find((s) => s === invoiceStatus) ?? "open"
        return yield* upsert(of.invoices, connection, o.id, (id) => ({
          id,
          object: "invoice" as const,
          number: str(d.number),
          customer: customer.value.id,
          subscription: Option.isSome(subscription) ? subscription.value.id : null,
          status,
          billingReason: (["subscription_create", "subscription_cycle", "subscription_update"] as const)
            .find((r) => r === d.billing_reason) ?? "manual" as const,
          collectionMethod: d.collection_method === "send_invoice" ? "send_invoice" as const : "charge_automatically" as const,
          currency,
          lines,
          discounts: [],
          subTotal,
          discountTotal: 0,
          taxTotal: total - subTotal,
          total,
          balanceApplied: 0,
          amountDue,
          amountPaid,
          amountCredited: 0,
          amountRemaining: minor(d.amount_remaining ?? Math.max(0, amountDue - amountPaid)),
          periodStart: periods.length > 0 ? periods.map((p) => p.start).sort()[0] : at(d.period_start),
          periodEnd: periods.length > 0 ? periods.map((p) => p.end).sort().at(-1)! : at(d.period_end),
          dueDate: at(d.due_date),
          attemptCount: Math.round(num(d.attempt_count) ?? 0),
          // Never retried by Billkit's dunning: Stripe collects its own invoices.
          nextPaymentAttempt: null,
          metadata: metadataOf(d.metadata),
          ...link(connection, o.id),
          createdAt: created,
          finalizedAt: at(transitions.finalized_at) ?? (status === "draft" ? null : created),
          paidAt: at(transitions.paid_at) ?? (paid ? created : null),
          voidedAt: at(transitions.voided_at),
          markedUncollectibleAt: at(transitions.marked_uncollectible_at)
        }))
      })
  }
})
