/**
 * When a failed delivery is tried again: the n-th failed attempt waits `delays[n-1]` (the last
 * delay repeats), spread by ±`jitter` so that receivers coming back up are not hit by every
 * retry at once, until `retryForMs` after the delivery was created; then it is `failed`.
 */

export interface RetryPolicy {
  /** Waits after the 1st, 2nd, … failed attempt, in ms; the last one repeats. */
  readonly delaysMs: ReadonlyArray<number>
  /** How long after its creation a delivery is retried at all. */
  readonly retryForMs: number
  /** Spread of each wait, as a fraction (0.1 = ±10 %). */
  readonly jitter: number
}

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR

/** About 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, … for 3 days (Stripe and Chargebee retry for 3 days). */
export const defaultRetryPolicy: RetryPolicy = {
  delaysMs: [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR],
  retryForMs: 3 * DAY,
  jitter: 0.1
}

/** The unjittered wait after the `attempt`-th failed attempt (1-based). */
export const baseDelay = (policy: RetryPolicy, attempt: number): number =>
  policy.delaysMs[Math.min(Math.max(attempt, 1), policy.delaysMs.length) - 1] ?? 0

/**
 * When to try again after the `attempt`-th failure at `now` (epoch ms), given `random` in [0, 1);
 * undefined when that would be past the delivery's retry window (it is then `failed`).
 */
export const nextAttemptAt = (
  policy: RetryPolicy,
  createdAtMs: number,
  attempt: number,
  now: number,
  random: number
): number | undefined => {
  const base = baseDelay(policy, attempt)
  const spread = base * policy.jitter * (2 * random - 1)
  const at = now + Math.max(0, Math.round(base + spread))
  return at > createdAtMs + policy.retryForMs ? undefined : at
}

/** Does an endpoint subscribed to `patterns` (exact types, `*`, `invoice.*`) get `type`? */
export const matchesEvent = (patterns: ReadonlyArray<string>, type: string): boolean =>
  patterns.some((p) => p === "*" || p === type || (p.endsWith(".*") && type.startsWith(p.slice(0, -1))))
