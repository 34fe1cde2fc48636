/**
 * Stripe's test payment methods and tokens, and what charging them does. On Stripe,
 * `pm_card_visa` / `tok_visa` are placeholders: using one creates a fresh `pm_…` with that card's
 * behaviour, which is what the fake does too.
 */
export type CardBehaviour =
  | { readonly kind: "succeeds" }
  | { readonly kind: "declines"; readonly code: string; readonly declineCode: string; readonly message: string }
  | { readonly kind: "authenticates" }

export interface TestCard {
  readonly brand: string
  readonly last4: string
  readonly behaviour: CardBehaviour
}

const succeeds: CardBehaviour = { kind: "succeeds" }

/** By the name after `pm_card_` / `tok_`, as in Stripe's testing docs. */
export const testCards: Readonly<Record<string, TestCard>> = {
  visa: { brand: "visa", last4: "4242", behaviour: succeeds },
  mastercard: { brand: "mastercard", last4: "4444", behaviour: succeeds },
  amex: { brand: "amex", last4: "8431", behaviour: succeeds },
  chargeDeclined: {
    brand: "visa",
    last4: "0002",
    behaviour: { kind: "declines", code: "card_declined", declineCode: "generic_decline", message: "Your card was declined." }
  },
  /** On Stripe, attaching this card succeeds and charging it fails (the fake never checks at attach). */
  chargeCustomerFail: {
    brand: "visa",
    last4: "0341",
    behaviour: { kind: "declines", code: "card_declined", declineCode: "generic_decline", message: "Your card was declined." }
  },
  chargeDeclinedInsufficientFunds: {
    brand: "visa",
    last4: "9995",
    behaviour: {
      kind: "declines",
      code: "card_declined",
      declineCode: "insufficient_funds",
      message: "Your card has insufficient funds."
    }
  },
  authenticationRequired: { brand: "visa", last4: "3184", behaviour: { kind: "authenticates" } }
}

/**
 * Billkit's fake-provider token names (API.md "Test payments") that differ from Stripe's, so the
 * same billing scenarios run unchanged against this fake.
 */
const aliases: Readonly<Record<string, string>> = {
  tok_insufficientFunds: "chargeDeclinedInsufficientFunds",
  tok_threeDSecure: "authenticationRequired"
}

/** `pm_card_visa`, `tok_visa`, … → the card; anything else → undefined. */
export const testCardOf = (reference: string): TestCard | undefined => {
  const alias = Object.hasOwn(aliases, reference) ? aliases[reference] : undefined
  const match = /^(?:pm_card_|tok_)([A-Za-z]+)$/.exec(reference)
  const name = alias ?? match?.[1]
  return name !== undefined && Object.hasOwn(testCards, name) ? testCards[name] : undefined
}
