/**
 * A customer portal session: one customer's self-service page for an hour. Like checkout, the
 * token in the URL is stored only as a hash; each session also holds the CSRF token its forms
 * must carry (a form posted from another site lacks it).
 */
import { Schema } from "effect"
import { Id } from "../../kernel/Ids.js"
import { Timestamp, optionalWire, strict, wire } from "../../kernel/Wire.js"

/** How long a portal link stays usable. */
export const portalLifetimeMs = 60 * 60 * 1000

const fields = {
  id: Id("portalSession"),
  object: Schema.Literal("portal_session"),
  customer: Schema.String,
  returnUrl: wire("return_url", Schema.NullOr(Schema.String)),
  expiresAt: wire("expires_at", Timestamp),
  createdAt: wire("created_at", Timestamp)
}

export const StoredPortalSession = Schema.Struct({
  ...fields,
  tokenHash: wire("token_hash", Schema.String),
  csrfToken: wire("csrf_token", Schema.String)
})
export type StoredPortalSession = typeof StoredPortalSession.Type

/** As the API answers it: `token` and `url` are shown once, on creation. */
export const PortalSession = Schema.Struct({ ...fields, token: Schema.String, url: Schema.String })
  .annotations({ identifier: "PortalSession" })
export type PortalSession = typeof PortalSession.Type

export const PortalSessionCreate = Schema.Struct({
  returnUrl: optionalWire("return_url", Schema.String.pipe(Schema.maxLength(2000), Schema.filter((s) => {
    try {
      const url = new URL(s)
      return url.protocol === "https:" || url.protocol === "http:" || "must be an http(s) URL"
    } catch {
      return "must be an absolute URL"
    }
  })))
}).annotations({ identifier: "PortalSessionCreate", ...strict })
export type PortalSessionCreate = typeof PortalSessionCreate.Type
