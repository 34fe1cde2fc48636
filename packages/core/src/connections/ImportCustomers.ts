/**
 * Stripe customers into Billkit customers: name, email, address and metadata from Stripe; what
 * only Billkit knows of a customer (tax numbers, billing type, brand) kept as it is.
 */
import { Effect } from "effect"
import type { ImportContext, KindImport } from "./ImportContext.js"
import { clip, metadataOf, obj, str } from "./StripeJson.js"

/** Customers: each updated in place, or made. */
export const customerImports = ({ of, link, prefetchExisting, upsert }: ImportContext): { readonly customers: KindImport } => ({
  customers: {
    prefetch: (connection, page, own) =>
      Effect.gen(function*() {
        return yield* prefetchExisting(of.customers, connection, own)
      }),
    importOne: ({ connection, o, d, created, now }) =>
      Effect.gen(function*() {
        const address = obj(d.address) ?? {}
        const country = str(address.country)?.toUpperCase() ?? null
        return yield* upsert(of.customers, connection, o.id, (id, existing) => ({
          id,
          object: "customer" as const,
          email: str(d.email) ?? "",
          name: clip(d.name, 200),
          taxNumber: existing?.taxNumber ?? null,
          standardTaxRate: existing?.standardTaxRate ?? null,
          digitalTaxRate: existing?.digitalTaxRate ?? null,
          billingType: existing?.billingType ?? "card",
          type: existing?.type ?? "individual",
          reference: existing?.reference ?? null,
          externalReference: existing?.externalReference ?? null,
          address: {
            companyName: existing?.address.companyName ?? null,
            streetLineOne: clip(address.line1, 200),
            streetLineTwo: clip(address.line2, 200),
            city: clip(address.city, 200),
            region: clip(address.state, 200),
            country: country !== null && /^[A-Z]{2}$/.test(country) ? country : null,
            postcode: clip(address.postal_code, 40)
          },
          locale: existing?.locale ?? (str(Array.isArray(d.preferred_locales) ? d.preferred_locales[0] : null) ?? "en"),
          brand: existing?.brand ?? "default",
          invoiceFormat: existing?.invoiceFormat ?? "pdf",
          marketingOptIn: existing?.marketingOptIn ?? false,
          metadata: metadataOf(d.metadata),
          status: d.deleted === true ? "archived" as const : "active" as const,
          ...link(connection, o.id),
          createdAt: created,
          updatedAt: now,
          archivedAt: d.deleted === true ? existing?.archivedAt ?? now : null
        }))
      })
  }
})
