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

interface CountedWindow {
  readonly rule: RateLimitRule
  readonly count: number
  readonly end: number
}

const windowOf = (rule: RateLimitRule, now: number) => {
  const ms = windowMs[rule.window]
  const start = Math.floor(now / ms) * ms
  return { start, end: start + ms }
}

const verdictOf = (windows: ReadonlyArray<CountedWindow>, now: number): RateLimitVerdict => {
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

/**
 * The counters one caller's requests count in: a key's own, or a host principal's project-wide
 * ones. The pipeline and the short path (FastReads.ts) must name them alike.
 */
export const rateLimitBucket = (projectId: string, mode: string, keyId: string | undefined) =>
  `${projectId}:${mode}:${keyId ?? "project"}`

export const checkRateLimit = (
  store: RateLimitStore,
  bucket: string,
  rules: ReadonlyArray<RateLimitRule>,
  now: number
): Effect.Effect<RateLimitVerdict> =>
  Effect.map(
    Effect.forEach(rules, (rule) => {
      const { start, end } = windowOf(rule, now)
      return Effect.map(store.hit(`${bucket}:${rule.window}`, start, end), (count) => ({ rule, count, end }))
    }),
    (windows) => verdictOf(windows, now)
  )

/** `checkRateLimit` from plain code, on counters kept in this process. */
export const checkRateLimitNow = (
  store: LocalRateLimitStore,
  bucket: string,
  rules: ReadonlyArray<RateLimitRule>,
  now: number
): RateLimitVerdict =>
  verdictOf(rules.map((rule) => {
    const { start, end } = windowOf(rule, now)
    return { rule, count: store.hitNow(`${bucket}:${rule.window}`, start, end), end }
  }), now)

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

/** Counters in this process's memory, which can also be counted from plain code. */
export interface LocalRateLimitStore extends RateLimitStore {
  readonly hitNow: (bucket: string, windowStart: number, expiresAt: number) => number
}

/** Counting in this process only: for memory and SQLite storage, which one process owns. */
export const makeLocalRateLimitStore = (): LocalRateLimitStore => {
  const windows = new Map<string, { count: number; expiresAt: number }>()
  let hitsSincePrune = 0
  const prune = (now: number) => {
    for (const [k, w] of windows) if (w.expiresAt <= now) windows.delete(k)
  }
  const hitNow = (bucket: string, windowStart: number, expiresAt: number) => {
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
  }
  return {
    hit: (bucket, windowStart, expiresAt) => Effect.sync(() => hitNow(bucket, windowStart, expiresAt)),
    hitNow,
    prune: (now) => Effect.sync(() => prune(now))
  }
}

/** The one set of counters every path of a handler counts requests in. */
export class RequestLimiter extends Context.Tag("@billkit/core/RequestLimiter")<
  RequestLimiter,
  RateLimitStore | LocalRateLimitStore
>() {}

export const RequestLimiterLive = Layer.effect(
  RequestLimiter,
  Effect.map(Storage, (storage) => (storage.sharedAcrossProcesses ? storage.rateLimits : makeLocalRateLimitStore()))
)
