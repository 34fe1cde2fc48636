/**
 * Tokens of hosted pages (checkout, customer portal). A token reads `<project>.<mode>.<secret>`:
 * the tenant lets a page find its session without an API key, the 256-bit secret makes it
 * unguessable, and only the secret's SHA-256 is stored, so a database read leaks no usable URL.
 */
import { Context, Effect } from "effect"
import { sha256Hex } from "./Hash.js"
import { IdGenerator } from "./IdGenerator.js"
import type { Tenant } from "./Storage.js"

export interface PageToken {
  /** Goes in the page URL, shown once. */
  readonly token: string
  /** Stored (`token_hash`). */
  readonly hash: string
}

export const makePageToken = (tenant: Tenant): Effect.Effect<PageToken, never, IdGenerator> =>
  Effect.gen(function*() {
    const secret = yield* Effect.flatMap(IdGenerator, (ids) => ids.secretHex(32))
    return { token: `${tenant.projectId}.${tenant.mode}.${secret}`, hash: yield* sha256Hex(secret) }
  })

/** The tenant and the secret's hash of a token, or null when it is not one. */
export const readPageToken = (token: string): Effect.Effect<{ readonly tenant: Tenant; readonly hash: string } | null> => {
  const match = /^([A-Za-z0-9_]{1,64})\.(test|live)\.([0-9a-f]{64})$/.exec(token)
  if (match === null) return Effect.succeed(null)
  return Effect.map(sha256Hex(match[3]), (hash) => ({ tenant: { projectId: match[1], mode: match[2] as Tenant["mode"] }, hash }))
}

/** How the hosted pages look: `billkit({ pages: { brandName, accentColor, logoUrl } })`. */
export interface PageBranding {
  /** Shown in the header and the title; default: the seller's name, else "Billing". */
  readonly brandName?: string
  /** Buttons and links, a CSS color with enough contrast on white. Default #4338ca. */
  readonly accentColor?: string
  /** An image URL (or data: URL) shown in the header. */
  readonly logoUrl?: string
}

export interface PagesSettings {
  /**
   * Where the pages are reachable from a browser: `billkit({ publicUrl })`, e.g.
   * "https://example.com/billing" (the mount's base path included). Without one, the origin of
   * the API request that creates a session, plus the base path.
   */
  readonly publicUrl: string | null
  readonly basePath: string
  readonly branding: PageBranding
}

export class PagesConfig extends Context.Reference<PagesConfig>()("@billkit/core/PagesConfig", {
  defaultValue: (): PagesSettings => ({ publicUrl: null, basePath: "", branding: {} })
}) {}

/** The absolute URL of a page path (e.g. "/checkout/<token>"), given the request's origin. */
export const pageUrl = (config: PagesSettings, requestOrigin: string, path: string): string =>
  `${(config.publicUrl ?? `${requestOrigin}${config.basePath}`).replace(/\/+$/, "")}${path}`
