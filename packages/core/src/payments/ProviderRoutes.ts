/**
 * Routes from a provider reference to the tenant that owns it (`provider_routes`, `ref` unique
 * across tenants). Written in the transaction that makes the reference (a connection, a provider
 * customer); read by inbound webhooks, which arrive without a tenant.
 */
import { Effect, Option } from "effect"
import * as Collections from "../kernel/Collections.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { makeRepository } from "../kernel/Repository.js"
import { Storage, type Tenant } from "../kernel/Storage.js"
import { nowIso } from "../kernel/Time.js"
import { ProviderRouteRecords } from "./domain/Records.js"

/** The route of a connection's webhooks (`/v1/providers/stripe/webhook/{connection}`). */
export const connectionRoute = (connectionId: string) => `connection:${connectionId}`

/** The route of a provider's customer (`stripe:cus_…`). */
export const customerRoute = (provider: string, customerRef: string) => `${provider}:${customerRef}`

export class ProviderRoutes extends Effect.Service<ProviderRoutes>()("@billkit/core/ProviderRoutes", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const storage = yield* Storage
    const repo = yield* makeRepository(ProviderRouteRecords)

    /** Routes `ref` to the current tenant, in the caller's transaction; the first route of a ref stays. */
    const record = (ref: string) =>
      Effect.gen(function*() {
        yield* repo.insert({ id: yield* ids.next("providerRoute"), object: "provider_route", ref, createdAt: yield* nowIso }).pipe(
          Effect.catchTag("UniqueViolation", () => Effect.void)
        )
      })

    /** The tenant `ref` is routed to, whichever it is. */
    const tenantOf = (ref: string): Effect.Effect<Option.Option<Tenant>> =>
      Effect.map(storage.findGlobal(Collections.ProviderRoutes, "ref", ref), Option.map((found) => found.tenant))

    return { record, tenantOf } as const
  })
}) {}
