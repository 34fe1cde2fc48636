/** How portal sessions are stored: one definition per collection. */
import * as Collections from "../../kernel/Collections.js"
import { StoredPortalSession } from "./PortalSession.js"

export const PortalSessionRecords = Collections.records({
  collection: Collections.PortalSessions,
  schema: StoredPortalSession,
  resource: "portal session",
  index: (s) => ({ token_hash: s.tokenHash, customer: s.customer })
})
