import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { type ApiKeyCreate, looserRateLimits, scopesBeyond } from "../domain/ApiKey.js"
import { ApiKeys } from "../ApiKeys.js"
import { BillkitApi } from "../../http/Api.js"
import { command } from "../../http/Command.js"
import { toList, toPageRequest } from "../../http/Lists.js"
import { CurrentPrincipal } from "../../http/Principal.js"
import { forbidden } from "../../http/Problems.js"

/**
 * What the calling key may grant: scopes it holds itself, and (unless it holds `*`) rate limits
 * no looser than those it runs under, which a new key without `rate_limits` inherits.
 */
const grantable = (input: ApiKeyCreate) =>
  Effect.flatMap(CurrentPrincipal, (caller) => {
    const beyond = scopesBeyond(caller.scopes, input.scopes)
    if (beyond.length > 0) {
      return Effect.fail(forbidden(`A key can only grant scopes it holds; this key lacks ${beyond.join(", ")}`, [
        { field: "scopes", message: `may not include ${beyond.join(", ")}, which the creating key does not hold` }
      ]))
    }
    const own = caller.rateLimits ?? []
    if (caller.scopes.includes("*") || own.length === 0) return Effect.succeed(input)
    if (input.rateLimits.length === 0) return Effect.succeed({ ...input, rateLimits: own })
    const looser = looserRateLimits(own, input.rateLimits)
    return looser.length === 0 ? Effect.succeed(input) : Effect.fail(forbidden(
      `A key can only grant rate limits as strict as its own: rate_limits ${looser[0]}`,
      looser.map((message) => ({ field: "rate_limits", message }))
    ))
  })

export const ApiKeysLive = HttpApiBuilder.group(BillkitApi, "apiKeys", (handlers) =>
  Effect.gen(function*() {
    const apiKeys = yield* ApiKeys
    return handlers
      .handle("create", ({ payload }) => command("api_keys", "write", Effect.flatMap(grantable(payload), apiKeys.create)))
      .handle("list", ({ urlParams }) =>
        command("api_keys", "read", Effect.flatMap(toPageRequest(urlParams), (p) => Effect.map(apiKeys.list(p), toList))))
      .handle("revoke", ({ path }) =>
        command("api_keys", "write", Effect.gen(function*() {
          // A key cannot take away what it could not have granted.
          const target = yield* apiKeys.get(path.id)
          const beyond = scopesBeyond((yield* CurrentPrincipal).scopes, target.scopes)
          if (beyond.length > 0) {
            return yield* Effect.fail(forbidden(`A key can only revoke keys whose scopes it holds; ${path.id} has ${beyond.join(", ")}`, [
              { field: "scopes", message: `the key to revoke has ${beyond.join(", ")}, which this key does not hold` }
            ]))
          }
          return yield* apiKeys.revoke(path.id)
        })))
  }))
