/**
 * The fake payment provider: the default, for tests, test mode and the example server without
 * Stripe keys. No network: what a payment method does is written into its reference
 * (`fake_pm_<behaviour>_<id>`), so any process charging it gets the same answer. Tokens behave
 * like Stripe's test tokens (API.md §3 "Test payments"). Idempotency keys behave like Stripe's:
 * outcomes are derived from the key (so the same key answers the same in any process), and a
 * per-instance ledger refuses a key seen before with a different body.
 */
import { Clock, DateTime, Effect, Layer } from "effect"
import { IdGenerator, type IdGeneratorService } from "../kernel/IdGenerator.js"
import {
  IdempotencyKeyReused,
  PaymentMethodRejected,
  PaymentProvider,
  type ChargeOutcome,
  type PaymentProviderService,
  type RefundOutcome
} from "./PaymentProvider.js"

/** What charging a payment method does. */
export type FakeBehaviour = "succeeds" | "declined" | "insufficient" | "action"

export interface FakeToken {
  readonly brand: string
  readonly last4: string
  readonly behaviour: FakeBehaviour
}

/** The test tokens the fake accepts. Any other token is rejected. */
export const fakeTokens: Readonly<Record<string, FakeToken>> = {
  tok_visa: { brand: "visa", last4: "4242", behaviour: "succeeds" },
  tok_mastercard: { brand: "mastercard", last4: "4444", behaviour: "succeeds" },
  tok_chargeDeclined: { brand: "visa", last4: "0002", behaviour: "declined" },
  tok_insufficientFunds: { brand: "visa", last4: "9995", behaviour: "insufficient" },
  tok_threeDSecure: { brand: "visa", last4: "3184", behaviour: "action" }
}

const behaviours: ReadonlySet<string> = new Set<FakeBehaviour>(["succeeds", "declined", "insufficient", "action"])

/** `fake_pm_declined_01J…` → `declined`; anything else is not a fake payment method. */
const behaviourOf = (providerRef: string): FakeBehaviour | undefined => {
  const match = /^fake_pm_([a-z]+)_[0-9A-Z]+$/.exec(providerRef)
  return match !== null && behaviours.has(match[1]) ? (match[1] as FakeBehaviour) : undefined
}

/** The random part of a fresh id: unique and time-sortable, with no prefix. */
const suffix = (id: string) => id.slice(id.indexOf("_") + 1)

/** References safe to embed: an idempotency key becomes part of the charge reference. */
const refSafe = (key: string) => key.replace(/[^A-Za-z0-9_.:-]/g, "-").slice(0, 200)

/** Keys remembered per instance (oldest forgotten first); Stripe keeps its keys for 24 hours. */
const ledgerSize = 100_000

/**
 * The first body and outcome per idempotency key. Same key and body → the first outcome again;
 * same key, other body → `IdempotencyKeyReused`, and nothing moves.
 */
const makeLedger = <A>() => {
  const entries = new Map<string, { readonly body: string; readonly outcome: A }>()
  return (key: string, body: string, first: () => A): Effect.Effect<A, IdempotencyKeyReused> =>
    Effect.suspend(() => {
      const seen = entries.get(key)
      if (seen !== undefined) {
        return seen.body === body
          ? Effect.succeed(seen.outcome)
          : Effect.fail(new IdempotencyKeyReused({ idempotencyKey: key, message: `key ${key} was used with another body` }))
      }
      const outcome = first()
      entries.set(key, { body, outcome })
      if (entries.size > ledgerSize) entries.delete(entries.keys().next().value!)
      return Effect.succeed(outcome)
    })
}

export const makeFakePaymentProvider = (ids: IdGeneratorService): PaymentProviderService => {
  const charges = makeLedger<ChargeOutcome>()
  const refunds = makeLedger<RefundOutcome>()
  return {
    name: "fake",
    createPaymentMethod: (token) => {
      const known = Object.hasOwn(fakeTokens, token) ? fakeTokens[token] : undefined
      if (known === undefined) {
        return Effect.fail(new PaymentMethodRejected({
          message: `is not a test token the fake provider knows (${Object.keys(fakeTokens).join(", ")})`
        }))
      }
      return Effect.gen(function*() {
        const id = yield* ids.next("paymentMethod")
        const year = DateTime.getPartUtc(DateTime.unsafeMake(yield* Clock.currentTimeMillis), "year")
        return {
          providerRef: `fake_pm_${known.behaviour}_${suffix(id)}`,
          brand: known.brand,
          last4: known.last4,
          expMonth: 12,
          expYear: year + 5
        }
      })
    },

    // The charge reference derives from the idempotency key: a retry finds "the same charge".
    charge: ({ amount, currency, idempotencyKey, providerRef }) =>
      charges(idempotencyKey, JSON.stringify([providerRef, amount, currency]), (): ChargeOutcome => {
        const ref = `fake_ch_${refSafe(idempotencyKey)}`
        if (!Number.isSafeInteger(amount) || amount <= 0) {
          return { status: "failed", providerRef: ref, failureCode: "amount_invalid", failureMessage: "The amount must be a positive integer of minor units." }
        }
        switch (behaviourOf(providerRef)) {
          case "succeeds":
            return { status: "succeeded", providerRef: ref }
          case "declined":
            return { status: "failed", providerRef: ref, failureCode: "card_declined", failureMessage: "Your card was declined." }
          case "insufficient":
            return { status: "failed", providerRef: ref, failureCode: "insufficient_funds", failureMessage: "Your card has insufficient funds." }
          case "action":
            return { status: "requires_action", providerRef: ref }
          case undefined:
            return { status: "failed", providerRef: ref, failureCode: "payment_method_unknown", failureMessage: "No such payment method." }
        }
      }),

    refund: ({ amount, currency, idempotencyKey, providerPaymentRef }) =>
      refunds(idempotencyKey, JSON.stringify([providerPaymentRef, amount, currency]), (): RefundOutcome => ({
        providerRef: `fake_re_${refSafe(idempotencyKey)}`,
        status: providerPaymentRef.startsWith("fake_ch_") && Number.isSafeInteger(amount) && amount > 0 ? "succeeded" : "failed"
      }))
  }
}

/** The fake provider as a layer; ids come from the `IdGenerator` service. */
export const layerFakePaymentProvider: Layer.Layer<PaymentProvider, never, IdGenerator> = Layer.effect(
  PaymentProvider,
  Effect.map(IdGenerator, makeFakePaymentProvider)
)
