/**
 * Who is calling. The request pipeline resolves the principal once (API key or the host's own
 * authenticate function) before routing; the `Authentication` middleware hands it to handlers
 * and declares bearer auth in the OpenAPI document.
 */
import { HttpApiMiddleware, HttpApiSecurity, OpenApi } from "@effect/platform"
import { Context, Effect, FiberRef, Layer, Option } from "effect"
import type { Mode } from "../kernel/Storage.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { enterIdempotency } from "./Idempotency.js"
import { forbidden, Forbidden, unauthorized, Unauthorized } from "./Problems.js"
import { holdsScope } from "../access/domain/index.js"

export interface RateLimitRule {
  readonly window: "second" | "minute" | "hour"
  readonly max: number
}

/** Who is calling: what an API key (or a host's own authenticate function) resolves to. */
export interface Principal {
  readonly projectId: string
  readonly mode: Mode
  /** `*`, or `<resource>:read|write`. */
  readonly scopes: ReadonlyArray<string>
  readonly keyType: "secret" | "publishable"
  /**
   * Rate-limit bucket and owner of Idempotency-Keys; defaults to the project (idempotency keys
   * are then kept apart by key type and scopes). A host should set it to tell its callers apart.
   */
  readonly keyId?: string
  /** This caller's limits; without them the project default. Handlers see the limits in force. */
  readonly rateLimits?: ReadonlyArray<RateLimitRule>
}

export class CurrentPrincipal extends Context.Tag("@billkit/core/CurrentPrincipal")<CurrentPrincipal, Principal>() {}

/** Set by the pipeline for the duration of one request. */
export const resolvedPrincipal = FiberRef.unsafeMake<Option.Option<Principal>>(Option.none())

export class Authentication extends HttpApiMiddleware.Tag<Authentication>()("Authentication", {
  failure: Unauthorized,
  provides: CurrentPrincipal,
  security: {
    bearer: HttpApiSecurity.bearer.pipe(HttpApiSecurity.annotate(
      OpenApi.Description,
      "A secret key (`sk_test_…`, `sk_live_…`) or, where allowed, a publishable key (`pk_…`)."
    ))
  }
}) {}

export const AuthenticationLive = Layer.succeed(Authentication, {
  bearer: () =>
    Effect.flatMap(FiberRef.get(resolvedPrincipal), Option.match({
      onNone: () => Effect.fail(unauthorized("Missing or unknown API key")),
      onSome: Effect.succeed
    }))
})

/**
 * Checks the caller may `access` `resource` and yields its tenant. Publishable keys are refused
 * unless the endpoint opts in (`publishable: true`: plan and price lists, checkout).
 */
export const authorize = (
  resource: string,
  access: "read" | "write",
  options: { readonly publishable?: boolean } = {}
): Effect.Effect<{ readonly principal: Principal; readonly tenant: Context.Tag.Service<CurrentTenant> }, Forbidden, CurrentPrincipal> =>
  Effect.flatMap(CurrentPrincipal, (principal) => {
    if (principal.keyType === "publishable" && !options.publishable) {
      return Effect.fail(forbidden("Publishable keys may only list public plans and prices and create checkout sessions"))
    }
    if (!holdsScope(principal.scopes, `${resource}:${access}`)) {
      return Effect.fail(forbidden(`This key lacks the ${resource}:${access} scope`))
    }
    // Only now, for a caller allowed to make this call, may an Idempotency-Key replay.
    return Effect.as(enterIdempotency, { principal, tenant: { projectId: principal.projectId, mode: principal.mode } })
  })
