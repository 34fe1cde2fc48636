/** How a handler runs a service call: authorize, scope it to the caller's tenant, map failures. */
import { Effect } from "effect"
import type { Conflict, Invalid, NotFound } from "../kernel/Errors.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { TestClocks } from "../operations/index.js"
import { authorize, type CurrentPrincipal } from "./Principal.js"
import { fromDomain } from "./Problems.js"

type DomainError = NotFound | Conflict | Invalid

const isDomainError = (e: unknown): e is DomainError =>
  typeof e === "object" && e !== null && "_tag" in e &&
  (e._tag === "NotFound" || e._tag === "Conflict" || e._tag === "Invalid")

export const command = <A, E, R>(
  resource: string,
  access: "read" | "write",
  self: Effect.Effect<A, E, R>,
  options: { readonly publishable?: boolean } = {}
) =>
  Effect.flatMap(authorize(resource, access, options), ({ tenant }) =>
    // Test mode runs at its test clock once that has been advanced (TestClocks).
    Effect.flatMap(TestClocks, (clocks) => clocks.withTenantClock(self)).pipe(
      Effect.provideService(CurrentTenant, tenant),
      Effect.mapError((e) => (isDomainError(e) ? fromDomain(e) : e) as Exclude<E, DomainError> | ReturnType<typeof fromDomain>)
    )) as Effect.Effect<A, Exclude<E, DomainError> | ReturnType<typeof fromDomain> | Effect.Effect.Error<ReturnType<typeof authorize>>, Exclude<R, CurrentTenant> | CurrentPrincipal | TestClocks>
