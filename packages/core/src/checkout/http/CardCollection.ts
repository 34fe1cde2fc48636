/**
 * How a hosted page collects a card: the fields it renders and how the submitted form becomes a
 * provider token for `PaymentMethods.attach`. The fake provider offers its test cards as a
 * choice; a Stripe collector renders the Payment Element (Stripe.js) in `fields` and reads the
 * token Stripe.js put into the form: the seam where it plugs in.
 */
import { fakeTokens } from "../../payments/index.js"
import { html, type Html } from "../../http/Page.js"

export interface CardCollector {
  /** The card fields inside the page's form (a fieldset with its legend). */
  readonly fields: () => Html
  /** The token the form carries, or null when none was chosen. */
  readonly tokenFrom: (form: URLSearchParams) => string | null
  /** Script the fields need, if any (inline, served with the page). */
  readonly script?: string
}

const outcomes: Record<string, string> = {
  succeeds: "payment succeeds",
  declined: "declined",
  insufficient: "insufficient funds",
  action: "needs authentication"
}

/** The fake provider's test cards (no network): pick how the payment should go. */
export const fakeCardCollector: CardCollector = {
  fields: () =>
    html`<fieldset><legend>Test card</legend>
${Object.entries(fakeTokens).filter(([, card]) => card.behaviour !== "action").map(([token, card], i) =>
  html`<label><input type="radio" name="card_token" value="${token}"${i === 0 ? html` checked` : ""}> ${card.brand[0].toUpperCase()}${card.brand.slice(1)} •••• ${card.last4} <span class="muted">(${outcomes[card.behaviour]})</span></label>`
)}
<p class="muted">Test mode: no real card is charged.</p></fieldset>`,
  tokenFrom: (form) => {
    const token = form.get("card_token")
    return token === null || token === "" ? null : token
  }
}
