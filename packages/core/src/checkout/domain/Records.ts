/** How checkout sessions are stored: one definition per collection. */
import * as Collections from "../../kernel/Collections.js"
import { StoredCheckoutSession } from "./CheckoutSession.js"

export const CheckoutSessionRecords = Collections.records({
  collection: Collections.CheckoutSessions,
  schema: StoredCheckoutSession,
  resource: "checkout session",
  index: (s) => ({ token_hash: s.tokenHash, status: s.status, customer: s.customer })
})
