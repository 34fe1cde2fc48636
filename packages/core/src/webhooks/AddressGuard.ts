/**
 * The private-network guard: a webhook URL whose host is, or resolves to, a private, loopback or
 * link-local address is refused (422 on `url` when saved; a failed attempt when sent, since DNS
 * may have changed in between), unless the host allows private networks.
 */
import { Effect } from "effect"
import { Invalid } from "../kernel/Errors.js"
import { isIpLiteral, isLocalName, isPrivateAddress } from "./domain/Addresses.js"
import type { HostResolver } from "./WebhookConfig.js"
import { WebhookConfig } from "./WebhookConfig.js"

let nodeLookup: Promise<HostResolver | undefined> | undefined

/** `node:dns/promises` when the runtime has it; loaded once, lazily, so core still runs elsewhere. */
const defaultResolver = (): Promise<HostResolver | undefined> =>
  (nodeLookup ??= (async () => {
    try {
      const specifier = "node:dns/promises"
      const dns = (await import(/* @vite-ignore */ specifier)) as {
        lookup: (host: string, options: { all: true }) => Promise<ReadonlyArray<{ address: string }>>
      }
      return async (host: string) => (await dns.lookup(host, { all: true })).map((a) => a.address)
    } catch {
      return undefined
    }
  })())

/**
 * Why `url` may not be reached, or undefined when it may. A name that does not resolve is let
 * through when an endpoint is saved (DNS may be down, or not reachable from here) and refused
 * at delivery (`unresolvable: "refuse"`), where the address is checked again anyway.
 */
export const refusalOf = (url: string, options: { readonly unresolvable?: "allow" | "refuse" } = {}): Effect.Effect<string | undefined> =>
  Effect.flatMap(WebhookConfig, (config) => {
    if (config.allowPrivateNetworks) return Effect.succeed(undefined)
    let host: string
    try {
      host = new URL(url).hostname
    } catch {
      return Effect.succeed("is not a valid URL")
    }
    const bare = host.startsWith("[") ? host.slice(1, -1) : host
    if (isIpLiteral(bare)) return Effect.succeed(isPrivateAddress(bare) ? "must not be a private, loopback or link-local address" : undefined)
    if (isLocalName(bare)) return Effect.succeed("must not resolve to a private, loopback or link-local address")
    return Effect.promise(async () => {
      const resolve = config.resolve ?? (await defaultResolver())
      if (resolve === undefined) return undefined
      let addresses: ReadonlyArray<string>
      try {
        addresses = await resolve(bare)
      } catch {
        return options.unresolvable === "refuse" ? `could not be resolved (${bare})` : undefined
      }
      return addresses.some(isPrivateAddress) ? "must not resolve to a private, loopback or link-local address" : undefined
    })
  })

/** Fails with a 422 naming `url` when the guard refuses it. */
export const checkUrl = (url: string) =>
  Effect.flatMap(refusalOf(url), (reason) => (reason === undefined ? Effect.void : Effect.fail(new Invalid({ field: "url", message: reason }))))
