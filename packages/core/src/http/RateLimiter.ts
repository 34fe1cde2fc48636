/**
 * Fixed-window rate limits per key. With storage shared by several processes (Postgres) the
 * windows are counted in it; otherwise in this process's memory, which costs no write per call.
 */
import { Context, Effect, Layer } from "effect"
import type { RateLimitRule } from "./Principal.js"
import { Storage, type RateLimitStore } from "../kernel/Storage.js"

const windowMs: Record<RateLimitRule["window"], number> = { second: 1_000, minute: 60_000, hour: 3_600_000 }

export interface RateLimitVerdict {
  readonly limited: boolean
  /** Headers for the tightest window: the one with the fewest requests left. */
  readonly limit: number
  readonly remaining: number
  /** Unix seconds when that window resets. */
  readonly reset: number
  /** Seconds until the exceeded window resets, when limited. */
  readonly retryAfter: number
}

export const checkRateLimit = (
  store: RateLimitStore,
  bucket: string,
  rules: ReadonlyArray<RateLimitRule>,
  now: number
): Effect.Effect<RateLimitVerdict> =>
  Effect.map(
    Effect.forEach(rules, (rule) => {
      const ms = windowMs[rule.window]
      const start = Math.floor(now / ms) * ms
      return Effect.map(store.hit(`${bucket}:${rule.window}`, start, start + ms), (count) => ({ rule, count, end: start + ms }))
    }),
    (windows) => {
      const tightest = windows.reduce((a, b) => (b.rule.max - b.count < a.rule.max - a.count ? b : a))
      const exceeded = windows.filter((w) => w.count > w.rule.max)
      const retryAt = exceeded.length === 0 ? now : Math.max(...exceeded.map((w) => w.end))
      return {
        limited: exceeded.length > 0,
        limit: tightest.rule.max,
        remaining: Math.max(0, tightest.rule.max - tightest.count),
        reset: Math.ceil(tightest.end / 1000),
        retryAfter: Math.max(1, Math.ceil((retryAt - now) / 1000))
      }
    }
  )

/**
 * The headers' view for a request that counts against no key (a 401: no known key to count it
 * against): the default rules' tightest window, untouched.
 */
export const uncountedVerdict = (rules: ReadonlyArray<RateLimitRule>, now: number): RateLimitVerdict => {
  const tightest = rules.reduce((a, b) => (b.max < a.max ? b : a))
  const ms = windowMs[tightest.window]
  return {
    limited: false,
    limit: tightest.max,
    remaining: tightest.max,
    reset: Math.ceil((Math.floor(now / ms) * ms + ms) / 1000),
    retryAfter: 1
  }
}

/** Counting in this process only: for memory and SQLite storage, which one process owns. */
export const makeLocalRateLimitStore = (): RateLimitStore => {
  const windows = new Map<string, { count: number; expiresAt: number }>()
  let hitsSincePrune = 0
  const prune = (now: number) => {
    for (const [k, w] of windows) if (w.expiresAt <= now) windows.delete(k)
  }
  return {
    hit: (bucket, windowStart, expiresAt) =>
      Effect.sync(() => {
        // Windows expire as time passes; sweep now and then so memory stays flat.
        if (++hitsSincePrune >= 10_000) {
          hitsSincePrune = 0
          prune(windowStart)
        }
        const key = `${bucket}@${windowStart}`
        const w = windows.get(key)
        if (w === undefined) {
          windows.set(key, { count: 1, expiresAt })
          return 1
        }
        return ++w.count
      }),
    prune: (now) => Effect.sync(() => prune(now))
  }
}

/** The one set of counters every path of a handler counts requests in. */
export class RequestLimiter extends Context.Tag("@billkit/core/RequestLimiter")<RequestLimiter, RateLimitStore>() {}

export const RequestLimiterLive = Layer.effect(
  RequestLimiter,
  Effect.map(Storage, (storage) => (storage.sharedAcrossProcesses ? storage.rateLimits : makeLocalRateLimitStore()))
)
